/**
 * The launch cost estimate: its arithmetic (median, range, currencies, pending usage, batches), and the
 * estimate a dry run gives against the sandbox's seeded usage, recomputed here from the sandbox's own usage
 * answers (read over raw HTTP, not through our client) for the 10 most recent SUCCEEDED runs of the pipeline.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { scaleEstimate, summarizePrices } from "../src/tools/launch/estimate.js";
import { type Connected, connectTools } from "./helpers/mcp.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";

describe("estimate arithmetic", () => {
  it("median and range of an odd and an even number of runs", () => {
    const odd = summarizePrices([5, 1, 3].map((amount) => ({ amount, currency: "iCredit" })));
    expect(odd).toMatchObject({ basedOn: 3, currency: "iCredit", median: 3, min: 1, max: 5 });
    const even = summarizePrices([4, 1, 3, 10].map((amount) => ({ amount, currency: "iCredit" })));
    expect(even).toMatchObject({ basedOn: 4, median: 3.5, min: 1, max: 10 });
    expect(even.note).toMatch(/not a quote/);
  });

  it("uses the currency most runs report and says how many were left out", () => {
    const e = summarizePrices([
      { amount: 2, currency: "iCredit" },
      { amount: 4, currency: "iCredit" },
      { amount: 100, currency: "USD" },
    ]);
    expect(e).toMatchObject({ basedOn: 2, currency: "iCredit", median: 3, min: 2, max: 4 });
    expect(e.note).toMatch(/1 run\(s\) priced in another currency left out/);
  });

  it("no history is no estimate; usage not yet processed is said so, never zero", () => {
    const none = summarizePrices([]);
    expect(none.basedOn).toBe(0);
    expect(none.median).toBeUndefined();
    expect(none.note).toMatch(/no history: no estimate/);
    const pending = summarizePrices([], 2);
    expect(pending).toMatchObject({ basedOn: 0, pending: 2 });
    expect(pending.median).toBeUndefined();
    expect(pending.note).toMatch(/not yet processed/);
  });

  it("a batch scales median and range by its size", () => {
    const one = summarizePrices([1, 2].map((amount) => ({ amount, currency: "iCredit" })));
    const batch = scaleEstimate(one, 24);
    expect(batch).toMatchObject({ basedOn: 2, median: 36, min: 24, max: 48 });
    expect(batch.note).toMatch(/estimate for 24 analyses/);
    expect(scaleEstimate(one, 1)).toBe(one);
  });
});

describe("the estimate of a dry run, against the sandbox's seeded usage", () => {
  const sandbox = useSandbox();
  let c: Connected;
  beforeAll(async () => {
    c = await connectTools(sandbox());
  });
  afterAll(async () => {
    await c.close();
  });

  it("is the median and range of the usage of the 10 latest SUCCEEDED runs of the pipeline", async () => {
    const sb = sandbox();
    const project = sb.state.projectByName(SEED_PROJECTS.wgs)!;
    const pipeline = sb.state.pipelines.find((p) => p.code === "DRAGEN_Germline_4-3-6")!;
    const latest = [...sb.state.analyses.values()]
      .filter((a) => a.projectId === project.id && a.pipelineId === pipeline.id && a.status === "SUCCEEDED")
      .sort((a, b) => Date.parse(b.endDate ?? "") - Date.parse(a.endDate ?? ""))
      .slice(0, 10);
    expect(latest.length).toBeGreaterThan(1);
    const amounts: number[] = [];
    for (const a of latest) {
      const res = await fetch(`${sb.url}/api/projects/${project.id}/analyses/${a.id}/usage`, {
        headers: { "X-API-Key": TEST_API_KEY, Accept: "application/vnd.illumina.v3+json" },
      });
      expect(res.status).toBe(200);
      amounts.push(((await res.json()) as { price: { amount: number } }).price.amount);
    }
    amounts.sort((x, y) => x - y);
    const mid = amounts.length >> 1;
    const median = amounts.length % 2 ? amounts[mid]! : (amounts[mid - 1]! + amounts[mid]!) / 2;

    const tar = sb.state.data.find(
      (d) => d.projectId === project.id && d.name.endsWith(".tar") && d.status === "AVAILABLE",
    )!;
    const res = await c.client.callTool({
      name: "ica_start_analysis",
      arguments: {
        projectId: project.id,
        pipelineId: pipeline.id,
        userReference: "estimate-check",
        inputs: [
          { parameterCode: "reference_tar", dataIds: [sb.state.fullPath(tar)] },
          {
            parameterCode: "fastqs",
            dataIds: [
              "/fastq/20261014_LH00123_0042_A22ABCDEFG/CHT-0001_S1_L001_R1_001.fastq.gz",
              "/fastq/20261014_LH00123_0042_A22ABCDEFG/CHT-0001_S1_L001_R2_001.fastq.gz",
            ],
          },
        ],
        parameters: [{ code: "sample_name", value: "CHT-0001" }],
        dryRun: true,
      },
    });
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    const estimate = (res.structuredContent as { estimate: Record<string, unknown> }).estimate;
    expect(estimate).toMatchObject({
      basedOn: latest.length,
      currency: "iCredit",
      median: Math.round(median * 100) / 100,
      min: amounts[0],
      max: amounts.at(-1),
    });
  });
});

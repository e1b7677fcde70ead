/**
 * Lookups "in this project" as the tools use them (issue 11 item 3): ica_start_analysis's input data and
 * ica_create_sample_batch's files are found whatever page size ICA chooses, and a listing that cannot be
 * followed to its end is reported as such, never as "not found".
 */

import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { rowsOf } from "./helpers/columnar.js";
import { type FakeIca, sendJson, startFakeIca } from "./helpers/fake-ica.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";

// ICA serves one row per page whatever pageSize asks for.
const sandbox = useSandbox({ maxPageSize: 1 });
let c: Connected;
beforeAll(async () => {
  c = await connectTools(sandbox());
});
afterAll(async () => {
  await c.close();
});

const projectId = (key: keyof typeof SEED_PROJECTS) => sandbox().state.projectByName(SEED_PROJECTS[key])!.id;
const idAt = (key: keyof typeof SEED_PROJECTS, path: string) => {
  const sb = sandbox();
  const d = sb.state.data.find((x) => x.projectId === projectId(key) && sb.state.fullPath(x) === path);
  if (!d) throw new Error(`no data at ${path}`);
  return d.id;
};
const dataListings = (from: number) =>
  sandbox()
    .requestLog.slice(from)
    .filter((r) => r.method === "GET" && /\/api\/projects\/[^/]+\/data$/.test(r.path)).length;

const SHEET = "/tutorial/samplesheet.csv";
const R1 = "/tutorial/NA12878-chr20/NA12878_S1_L001_R1_001.fastq.gz";
const R2 = "/tutorial/NA12878-chr20/NA12878_S1_L001_R2_001.fastq.gz";

function launchArgs() {
  return {
    projectId: projectId("training"),
    pipelineCode: "nf-core-rnaseq-3-14-0",
    userReference: "lookup-one-per-page",
    inputs: [
      { parameterCode: "input", dataIds: [SHEET] },
      { parameterCode: "fastqs", dataIds: [idAt("training", R1), idAt("training", R2)] },
      { parameterCode: "fasta", dataIds: ["/reference/chr20.fa"] },
      { parameterCode: "gtf", dataIds: [idAt("training", "/reference/chr20.gtf")] },
    ],
    parameters: [{ code: "aligner", value: "HISAT2" }],
    dryRun: true,
  };
}

describe("lookups through the tools, one row per page", () => {
  it("ica_start_analysis finds every input by id and by path", async () => {
    const before = sandbox().requestLog.length;
    const res = await c.client.callTool({ name: "ica_start_analysis", arguments: launchArgs() });
    expect(res.isError, textOf(res)).toBeFalsy();
    const text = JSON.stringify(res.structuredContent);
    for (const path of [SHEET, "/reference/chr20.fa"]) expect(text).toContain(idAt("training", path));
    for (const path of [R1, R2, "/reference/chr20.gtf"]) expect(text).toContain(idAt("training", path));
    // Three ids in one filtered listing cannot come back in one page of one row: the pages were followed.
    expect(dataListings(before)).toBeGreaterThanOrEqual(4);
  });

  it("ica_create_sample_batch finds every file", async () => {
    const files = ["/runs/main/file2.txt", "/runs/main/folder1/file1.txt", "/README.txt"];
    const before = sandbox().requestLog.length;
    const res = await c.client.callTool({
      name: "ica_create_sample_batch",
      arguments: {
        projectId: projectId("wgs"),
        samples: [{ name: "ONE-PER-PAGE", dataIds: files.map((p) => idAt("wgs", p)) }],
        dryRun: true,
      },
    });
    expect(res.isError, textOf(res)).toBeFalsy();
    expect(rowsOf<{ usedCount: number }>(res, "samples")[0]!.usedCount).toBe(3);
    expect(dataListings(before)).toBeGreaterThanOrEqual(3);
  });
});

describe("a listing that cannot be followed to its end", () => {
  let proxy: FakeIca;
  let p: Connected;
  beforeAll(async () => {
    // ICA as the sandbox, except that every data listing sends an empty page that says rows remain.
    const sb = sandbox();
    const token = (
      (await (
        await request(`${sb.url}/api/tokens`, { method: "POST", headers: { "x-api-key": TEST_API_KEY } })
      ).body.json()) as { token: string }
    ).token;
    proxy = await startFakeIca(async (req, res) => {
      if (req.method === "GET" && /\/api\/projects\/[^/]+\/data$/.test(req.path)) {
        return sendJson(res, 200, { items: [], nextPageToken: "STUCK", remainingRecords: 3 });
      }
      const query = req.query.toString();
      const upstream = await request(`${sb.url}${req.path}${query ? `?${query}` : ""}`, {
        method: req.method as "GET",
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/vnd.illumina.v3+json",
          ...(req.body ? { "content-type": "application/vnd.illumina.v3+json" } : {}),
        },
        ...(req.body ? { body: req.body } : {}),
      });
      res.writeHead(upstream.statusCode, {
        "content-type": String(upstream.headers["content-type"] ?? "application/json"),
      });
      res.end(Buffer.from(await upstream.body.arrayBuffer()));
    });
    p = await connectTools(proxy.asSandbox());
  });
  afterAll(async () => {
    await p.close();
    await proxy.close();
  });

  it("ica_start_analysis says the lookup could not finish, not that the data is missing", async () => {
    const res = await p.client.callTool({ name: "ica_start_analysis", arguments: launchArgs() });
    expect(res.isError).toBe(true);
    const text = textOf(res);
    expect(text).toMatch(/could not look the data up/);
    expect(text).not.toMatch(/not found|no data/i);
  });

  it("ica_create_sample_batch says the same", async () => {
    const res = await p.client.callTool({
      name: "ica_create_sample_batch",
      arguments: {
        projectId: projectId("wgs"),
        samples: [{ name: "STUCK", dataIds: [idAt("wgs", "/README.txt")] }],
        dryRun: true,
      },
    });
    expect(res.isError).toBe(true);
    const text = textOf(res);
    expect(text).toMatch(/could not look the data up/);
    expect(text).not.toMatch(/not found|no data/i);
  });
});

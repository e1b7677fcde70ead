/**
 * A launch is recognised as existing from what the caller asked for, never from what ICA chose: the
 * Idempotency-Key leaves out the best-match activation code, and every launch carries a technical tag with the
 * key's hash that the tool searches for (analysis:search, technicalTags) before it resolves or sends anything.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
let c: Connected;
beforeAll(async () => {
  c = await connectTools(sandbox());
});
afterAll(async () => {
  await c.close();
});

const project = () => sandbox().state.projectByName(SEED_PROJECTS.singleCell)!;
const since = (n: number) => sandbox().exchanges.slice(n);
const createPath = () => `/api/projects/${project().id}/analysis:nextflow`;
const creates = (n: number) => since(n).filter((e) => e.method === "POST" && e.path === createPath());
const named = (userReference: string) =>
  sandbox().state.analyses.where((a) => a.projectId === project().id && a.userReference === userReference);
const twinCodes = () =>
  sandbox().state.activationCodes.where((a) => a.bundle.name.startsWith("Single-Cell Pilot Grant"));
const fastqs = () =>
  sandbox()
    .state.data.where(
      (d) => d.projectId === project().id && d.formatCode === "FASTQ" && d.status === "AVAILABLE",
    )
    .slice(0, 2)
    .map((d) => d.id);

const scrna = (userReference: string, extra: Record<string, unknown> = {}) => ({
  projectId: project().id,
  pipelineCode: "nf-core-scrnaseq-2-7-1",
  userReference,
  inputs: [{ parameterCode: "fastqs", dataIds: fastqs() }],
  parameters: [{ code: "aligner", value: "star" }],
  ...extra,
});

type Result = {
  outcome: string;
  analysis?: { id: string; status: string };
  idempotencyKey: string;
  resolved?: { activationCode: { id: string } };
};
const start = (client: Connected, args: Record<string, unknown>) =>
  client.client.callTool({ name: "ica_start_analysis", arguments: args });

describe("a repeated launch when ICA's best-match activation code changes in between", () => {
  it("the seed has two equally good codes, and the best match moves to the other once one is used", () => {
    const [a, b] = twinCodes();
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(a!.allowedSlots - a!.usedSlots).toBe(b!.allowedSlots - b!.usedSlots);
  });

  it("two identical calls start one analysis; the second is reported as existing and sends no create", async () => {
    const n = sandbox().exchanges.length;
    const first = await start(c, scrna("twin codes"));
    expect(first.isError).toBeFalsy();
    const a = first.structuredContent as Result;
    expect(a.outcome).toBe("started");
    const m = sandbox().exchanges.length;
    const again = await start(c, scrna("twin codes"));
    expect(again.isError).toBeFalsy();
    const b = again.structuredContent as Result;
    expect(b.outcome).toBe("existing");
    expect(b.analysis!.id).toBe(a.analysis!.id);
    expect(b.idempotencyKey).toBe(a.idempotencyKey);
    expect(named("twin codes")).toHaveLength(1);
    expect(creates(n)).toHaveLength(1);
    expect(creates(m)).toHaveLength(0);
    expect(textOf(again)).toContain("nothing was sent");
  });
});

describe("a repeated launch from another server (a restarted client, a second assistant)", () => {
  it("is existing even before the analysis has moved past REQUESTED", async () => {
    const first = (await start(c, scrna("second assistant"))).structuredContent as Result;
    expect(first.outcome).toBe("started");
    const other = await connectTools(sandbox());
    try {
      const n = sandbox().exchanges.length;
      const again = await start(other, scrna("second assistant"));
      const s = again.structuredContent as Result;
      expect(s.outcome).toBe("existing");
      expect(s.analysis).toMatchObject({ id: first.analysis!.id, status: "REQUESTED" });
      expect(creates(n)).toHaveLength(0);
      expect(named("second assistant")).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

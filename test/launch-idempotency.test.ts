/**
 * No duplicate launches: every launch carries an Idempotency-Key derived from the caller's arguments and a
 * technical tag with its hash, so a repeated call (found by the tag) or a retry after a lost answer (the key)
 * returns the analysis already started; rerun starts anew; 409 and 422 from ICA become clear results.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultRule, SEED_PROJECTS } from "../src/sandbox/index.js";
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

const training = () => sandbox().state.projectByName(SEED_PROJECTS.training)!;
const since = (n: number) => sandbox().exchanges.slice(n);
const createPath = () => `/api/projects/${training().id}/analysis:nextflow`;
const creates = (n: number) => since(n).filter((e) => e.method === "POST" && e.path === createPath());
const named = (userReference: string) =>
  sandbox().state.analyses.where((a) => a.projectId === training().id && a.userReference === userReference);

const qc = (userReference: string, extra: Record<string, unknown> = {}) => ({
  projectId: training().id,
  pipelineCode: "lab-fastqc-multiqc-draft",
  userReference,
  inputs: [
    {
      parameterCode: "reads",
      dataIds: [
        "/tutorial/NA12878-chr20/NA12878_S1_L001_R1_001.fastq.gz",
        "/tutorial/NA12878-chr20/NA12878_S1_L001_R2_001.fastq.gz",
      ],
    },
  ],
  parameters: [{ code: "threads", value: "8" }],
  ...extra,
});

type Result = { outcome: string; analysis?: { id: string; status: string }; idempotencyKey: string };
const start = (client: Connected, args: Record<string, unknown>) =>
  client.client.callTool({ name: "ica_start_analysis", arguments: args });

describe("ica_start_analysis idempotency", () => {
  it("a repeated call finds the analysis already started by its launch tag and sends nothing", async () => {
    const n = sandbox().exchanges.length;
    const first = await start(c, qc("repeat me"));
    const m = sandbox().exchanges.length;
    const again = await start(c, qc("repeat me"));
    const a = first.structuredContent as Result;
    const b = again.structuredContent as Result & { launchTag: string };
    expect(a.outcome).toBe("started");
    expect(b.outcome).toBe("existing");
    expect(b.analysis!.id).toBe(a.analysis!.id);
    expect(b.idempotencyKey).toBe(a.idempotencyKey);
    expect(named("repeat me")).toHaveLength(1);
    const posts = creates(n);
    expect(posts.map((e) => e.status)).toEqual([201]);
    expect(posts[0]!.requestHeaders["idempotency-key"]).toBe(a.idempotencyKey);
    // The launch carries its tag; the repeat asked ICA for that tag and nothing else.
    const body = posts[0]!.requestBody as { tags: { technicalTags: string[] } };
    expect(body.tags.technicalTags).toEqual([b.launchTag]);
    expect(b.launchTag).toMatch(/^ica-mcp-launch:[0-9a-f]{40}$/);
    expect(since(m).map((e) => `${e.method} ${e.path}`)).toEqual([
      `POST /api/projects/${training().id}/analysis:search`,
    ]);
    expect(since(m)[0]!.requestBody).toEqual({ technicalTags: [b.launchTag] });
    expect(textOf(again)).toContain(
      `an analysis for exactly this request exists already, found by its launch tag ${b.launchTag}; nothing was sent. repeat me (${a.analysis!.id}), status REQUESTED. To launch again on purpose pass rerun: true.`,
    );
  });

  it("another server recognises the stored analysis once it has moved on, and reports its current status", async () => {
    const first = await start(c, qc("restart in between"));
    const id = (first.structuredContent as Result).analysis!.id;
    sandbox().state.clock.advance(2_000 * 3 + 10);
    const other = await connectTools(sandbox());
    try {
      const n = sandbox().exchanges.length;
      const again = await start(other, qc("restart in between"));
      const s = again.structuredContent as Result;
      expect(s.outcome).toBe("existing");
      expect(s.analysis).toMatchObject({ id, status: "PREPARING_INPUTS" });
      expect(creates(n)).toHaveLength(0);
      expect(named("restart in between")).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it("another server that repeats the call at once (still REQUESTED) reports it as existing, not started", async () => {
    const first = (await start(c, qc("repeated at once"))).structuredContent as Result;
    expect(first.outcome).toBe("started");
    const other = await connectTools(sandbox());
    try {
      const again = (await start(other, qc("repeated at once"))).structuredContent as Result;
      expect(again.outcome).toBe("existing");
      expect(again.analysis).toMatchObject({ id: first.analysis!.id, status: "REQUESTED" });
      expect(named("repeated at once")).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it("rerun: true starts a second analysis on purpose, with a new key", async () => {
    const first = (await start(c, qc("run twice"))).structuredContent as Result;
    const n = sandbox().exchanges.length;
    const second = (await start(c, qc("run twice", { rerun: true }))).structuredContent as Result;
    expect(second.outcome).toBe("started");
    expect(second.analysis!.id).not.toBe(first.analysis!.id);
    expect(second.idempotencyKey).not.toBe(first.idempotencyKey);
    expect(creates(n)[0]!.requestHeaders["idempotency-key"]).toBe(second.idempotencyKey);
    expect(
      named("run twice")
        .map((a) => a.id)
        .sort(),
    ).toEqual([first.analysis!.id, second.analysis!.id].sort());
  });

  it("a retry after the connection dropped yields exactly one analysis", async () => {
    const sb = sandbox();
    sb.faults.add({ kind: "dropAfter", match: { method: "POST", path: createPath() } });
    const n = sb.exchanges.length;
    const res = await start(c, qc("dropped once"));
    expect(res.isError).toBeFalsy();
    const s = res.structuredContent as Result;
    const posts = creates(n);
    expect(posts.map((e) => e.status)).toEqual([0, 201]);
    expect(posts[1]!.requestHeaders["idempotency-key"]).toBe(posts[0]!.requestHeaders["idempotency-key"]);
    expect(named("dropped once").map((a) => a.id)).toEqual([s.analysis!.id]);
    // The first attempt of this same call created it: that is a new launch, not an existing one.
    expect(s.outcome).toBe("started");
  });

  it("409 (the identical launch is still in progress) becomes a clear result", async () => {
    const sb = sandbox();
    sb.faults.add({
      kind: "status",
      status: 409,
      match: { method: "POST", path: createPath() },
    } as unknown as FaultRule);
    const res = await start(c, qc("in flight"));
    expect(res.isError).toBe(true);
    const text = textOf(res);
    expect(text).toContain(
      'ICA is still processing an identical launch of lab-fastqc-multiqc-draft "in flight"',
    );
    expect(text).toContain("nothing new was started");
    expect(text).toContain("wait a few seconds and call again with the same arguments");
    expect(named("in flight")).toHaveLength(0);
    const retry = await start(c, qc("in flight"));
    expect((retry.structuredContent as Result).outcome).toBe("started");
    expect(named("in flight")).toHaveLength(1);
  });

  it("a 422 that does not speak of the Idempotency-Key is reported as the validation error it is", async () => {
    const sb = sandbox();
    sb.faults.add({
      kind: "status",
      status: 422,
      match: { method: "POST", path: createPath() },
    } as unknown as FaultRule);
    const res = await start(c, qc("plain 422"));
    expect(res.isError).toBe(true);
    const text = textOf(res);
    expect(text).toContain(
      `ICA answered 422 Unprocessable Entity to POST /api/projects/{projectId}/analysis:nextflow`,
    );
    expect(text).not.toContain("different request body");
    expect(text).not.toContain("rerun");
    expect(named("plain 422")).toHaveLength(0);
  });
});

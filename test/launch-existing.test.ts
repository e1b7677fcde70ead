/**
 * A launch is recognised as existing from what the caller asked for, never from what ICA chose: the
 * Idempotency-Key leaves out the best-match activation code, and every launch carries a technical tag with the
 * key's hash that the tool searches for (analysis:search, technicalTags) before it resolves or sends anything.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnalysisRecord, SEED_PROJECTS } from "../src/sandbox/index.js";
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
  dryRun: boolean;
  analysis?: { id: string; status: string };
  idempotencyKey: string;
  launchTag: string;
  resolved?: { activationCode: { id: string } };
  body?: { tags?: { technicalTags?: string[] } };
  notes?: string[];
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

/** Hides an analysis's launch tag from searches (an index lagging behind, say) until the returned function runs. */
function hideLaunchTag(a: AnalysisRecord, tag: string): () => void {
  a.tags.technicalTags = a.tags.technicalTags.filter((t) => t !== tag);
  return () => {
    a.tags.technicalTags.push(tag);
  };
}

describe("ICA's 409 and 422 for a repeated launch", () => {
  it("a repeat while the first create is still being processed gets ICA's real 409: nothing new starts, and the next call finds it", async () => {
    const sb = sandbox();
    const hold = sb.idempotency.hold("createNextflowAnalysis", "processing");
    const n = sb.exchanges.length;
    const firstCall = start(c, scrna("in progress"));
    const other = await connectTools(sb);
    try {
      await hold.reached;
      const res = await start(other, scrna("in progress"));
      expect(res.isError).toBe(true);
      const text = textOf(res);
      expect(text).toContain(
        'ICA is still processing an identical launch of nf-core-scrnaseq-2-7-1 "in progress"',
      );
      expect(text).toContain("nothing new was started");
      expect(text).toContain("wait a few seconds and call again with the same arguments");
      hold.release();
      const first = (await firstCall).structuredContent as Result;
      expect(first.outcome).toBe("started");
      // The 409 is the sandbox's own idempotency answer, not an injected fault; both calls sent the same key.
      const posts = creates(n);
      expect(posts.map((e) => [e.status, Boolean(e.injected)])).toEqual([
        [409, false],
        [201, false],
      ]);
      expect(posts[0]!.responseBody).toMatchObject({
        detail: "The original request with this Idempotency-Key is still in progress",
      });
      expect(posts[0]!.requestHeaders["idempotency-key"]).toBe(posts[1]!.requestHeaders["idempotency-key"]);
      const m = sb.exchanges.length;
      const again = (await start(other, scrna("in progress"))).structuredContent as Result;
      expect(again).toMatchObject({ outcome: "existing", analysis: { id: first.analysis!.id } });
      expect(creates(m)).toHaveLength(0);
      expect(named("in progress")).toHaveLength(1);
    } finally {
      hold.release();
      await other.close();
    }
  });

  it("after ICA's 422 (same key, another best-match code) the tool looks again by tag and returns the analysis", async () => {
    const sb = sandbox();
    const first = (await start(c, scrna("search lags"))).structuredContent as Result;
    const stored = sb.state.analyses.get(first.analysis!.id)!;
    const restore = hideLaunchTag(stored, first.launchTag);
    const hold = sb.idempotency.hold("createNextflowAnalysis", "arrival");
    try {
      const n = sb.exchanges.length;
      const call = start(c, scrna("search lags"));
      await hold.reached;
      // The first search missed it; by the time ICA refuses the create, the tag can be found.
      restore();
      hold.release();
      const res = await call;
      expect(res.isError).toBeFalsy();
      const s = res.structuredContent as Result;
      expect(s).toMatchObject({ outcome: "existing", analysis: { id: first.analysis!.id } });
      const posts = creates(n);
      expect(posts.map((e) => [e.status, Boolean(e.injected)])).toEqual([[422, false]]);
      // The body differed only in the activation code ICA proposed this time.
      const sent = posts[0]!.requestBody as { activationCodeDetailId: string };
      expect(sent.activationCodeDetailId).not.toBe(stored.activationCodeDetailId);
      expect(textOf(res)).toContain("ICA answered 422 to the create call");
      expect(named("search lags")).toHaveLength(1);
    } finally {
      hold.release();
    }
  });

  it("after ICA's 422 with no analysis to be found, says so and starts nothing", async () => {
    const sb = sandbox();
    const first = (await start(c, scrna("key used otherwise"))).structuredContent as Result;
    const stored = sb.state.analyses.get(first.analysis!.id)!;
    const restore = hideLaunchTag(stored, first.launchTag);
    try {
      const res = await start(c, scrna("key used otherwise"));
      expect(res.isError).toBe(true);
      const text = textOf(res);
      expect(text).toContain("was already used with a different request body");
      expect(text).toContain(
        `no analysis with its launch tag ${first.launchTag} was found, so nothing was started`,
      );
      expect(text).toContain("wait a few seconds and call again with the same arguments");
      expect(named("key used otherwise")).toHaveLength(1);
    } finally {
      restore();
    }
  });
});

describe("launch tags", () => {
  it("the sandbox's analysis:search filters on technicalTags (every given tag, exactly)", async () => {
    const first = (await start(c, scrna("tag filter"))).structuredContent as Result;
    const search = async (technicalTags: string[]) => {
      const res = await c.ica.request<{ items: { id: string }[] }>({
        method: "POST",
        path: "/api/projects/{projectId}/analysis:search",
        pathParams: { projectId: project().id },
        body: { technicalTags },
        version: "v3",
      });
      return res.body.items.map((a) => a.id);
    };
    expect(await search([first.launchTag])).toEqual([first.analysis!.id]);
    expect(await search([first.launchTag.slice(0, -1)])).toEqual([]);
    expect(await search([first.launchTag, "another-tag"])).toEqual([]);
  });

  it("a rerun launches anew under the same tag; the next plain call returns the newest", async () => {
    const first = (await start(c, scrna("rerun then repeat"))).structuredContent as Result;
    const second = (await start(c, scrna("rerun then repeat", { rerun: true }))).structuredContent as Result;
    expect(second.outcome).toBe("started");
    expect(second.analysis!.id).not.toBe(first.analysis!.id);
    expect(second.launchTag).toBe(first.launchTag);
    expect(second.idempotencyKey).not.toBe(first.idempotencyKey);
    const n = sandbox().exchanges.length;
    const third = (await start(c, scrna("rerun then repeat"))).structuredContent as Result;
    expect(third).toMatchObject({ outcome: "existing", analysis: { id: second.analysis!.id } });
    expect(third.notes).toEqual(["2 analyses carry this launch's tag (reruns); the newest is shown"]);
    expect(creates(n)).toHaveLength(0);
    expect(named("rerun then repeat")).toHaveLength(2);
  });

  it("a dry run shows the tag in the body, and says existing once the launch exists", async () => {
    const dry = (await start(c, scrna("dry then real", { dryRun: true }))).structuredContent as Result;
    expect(dry.outcome).toBe("dry_run");
    expect(dry.body!.tags!.technicalTags).toEqual([dry.launchTag]);
    const real = (await start(c, scrna("dry then real"))).structuredContent as Result;
    expect(real.outcome).toBe("started");
    expect(real.idempotencyKey).toBe(dry.idempotencyKey);
    const n = sandbox().exchanges.length;
    const dryAgain = (await start(c, scrna("dry then real", { dryRun: true }))).structuredContent as Result;
    expect(dryAgain).toMatchObject({
      outcome: "existing",
      dryRun: true,
      analysis: { id: real.analysis!.id },
    });
    expect(since(n).map((e) => e.path)).toEqual([`/api/projects/${project().id}/analysis:search`]);
  });

  it("refuses a launch tag given by the caller, before anything is sent", async () => {
    const n = sandbox().exchanges.length;
    const res = await start(
      c,
      scrna("forged tag", {
        tags: { technicalTags: ["ica-mcp-launch:0123456789abcdef0123456789abcdef01234567"] },
      }),
    );
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain('tags starting with "ica-mcp-launch:" are set by this server');
    expect(since(n)).toEqual([]);
  });
});

/** Proof under load and faults: many concurrent tool calls while the sandbox misbehaves (issue 7). */
import { describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { rowsOf } from "./helpers/columnar.js";
import { connectTools, textOf } from "./helpers/mcp.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";

const REVOCABLE_KEY = "revocable-key-7f3a9c21";
const sandbox = useSandbox({ apiKeys: [TEST_API_KEY, REVOCABLE_KEY] });
const RPS = 40;
const fastRetries = { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 250, maxTotalMs: 30_000 };

/** The most requests the sandbox saw in any sliding second from `since` on. */
function worstSecond(since: number): number {
  const times = sandbox()
    .requestLog.filter((r) => r.t >= since)
    .map((r) => r.t)
    .sort((a, b) => a - b);
  let worst = 0;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    worst = Math.max(worst, i - j + 1);
  }
  return worst;
}

type Res = { isError?: boolean; structuredContent?: Record<string, unknown>; content?: unknown };

describe("load with faults", () => {
  it("hundreds of concurrent reads all complete correctly, and no second carries more than the throttle", async () => {
    const sb = sandbox();
    const c = await connectTools(sb, { clientOptions: { maxRps: RPS, retry: fastRetries } });
    await c.client.callTool({ name: "ica_list_projects", arguments: { pageSize: 1 } }); // token first
    const wgs = sb.state.projectByName(SEED_PROJECTS.wgs)!;
    const projects = [...sb.state.projects.values()];
    const analyses = sb.state.analyses.where((a) => a.projectId === wgs.id);
    const since = performance.now();
    const injectedBefore = sb.faults.injected;
    const reads = { method: "GET" };
    sb.faults.add({ kind: "status", status: 429, times: 25, match: reads });
    sb.faults.add({
      kind: "status",
      status: 429,
      retryAfter: 1,
      times: 3,
      match: { path: /analysis:search$/ },
    });
    sb.faults.add({ kind: "status", status: 502, times: 6, match: reads });
    sb.faults.add({ kind: "status", status: 503, times: 6, match: { path: /analysis:search$/ } });
    sb.faults.add({ kind: "status", status: 504, times: 6, match: reads });
    sb.faults.add({ kind: "drop", times: 6, match: reads });
    sb.faults.add({ kind: "latency", ms: 150, times: 30 });

    const calls: Promise<void>[] = [];
    const check = (p: Promise<unknown>, verify: (r: Res) => void) =>
      calls.push(
        p.then((r) => {
          const res = r as Res;
          if (res.isError) throw new Error(`unexpected error: ${textOf(res)}`);
          verify(res);
        }),
      );
    for (let i = 0; i < 80; i++) {
      const p = projects[i % projects.length]!;
      check(c.client.callTool({ name: "ica_get_project", arguments: { projectId: p.id } }), (r) =>
        expect(r.structuredContent!.name).toBe(p.name),
      );
    }
    for (let i = 0; i < 60; i++) {
      const a = analyses[(i * 37) % analyses.length]!;
      check(
        c.client.callTool({ name: "ica_get_analysis", arguments: { projectId: wgs.id, analysisId: a.id } }),
        (r) => expect(r.structuredContent!.reference).toBe(a.reference),
      );
    }
    for (let i = 0; i < 50; i++) {
      check(
        c.client.callTool({
          name: "ica_list_analyses",
          arguments: { projectId: wgs.id, status: ["FAILED"], pageSize: 20 },
        }),
        (r) => {
          const items = rowsOf<{ status: string }>(r);
          expect(items).toHaveLength(20);
          expect(items.every((x) => x.status === "FAILED")).toBe(true);
        },
      );
    }
    for (let i = 0; i < 10; i++) {
      check(
        c.client.callTool({
          name: "ica_list_analyses",
          arguments: { projectId: wgs.id, maxItems: 100, pageSize: 25 },
        }),
        (r) => {
          const ids = rowsOf<{ id: string }>(r).map((x) => x.id);
          expect(ids).toEqual(analyses.slice(0, 100).map((a) => a.id));
        },
      );
    }
    await Promise.all(calls);
    expect(calls).toHaveLength(200);
    expect(sb.faults.injected - injectedBefore).toBeGreaterThanOrEqual(50);
    const worst = worstSecond(since);
    console.log(
      `load: 200 calls, ${sb.faults.injected - injectedBefore} faults injected, worst second ${worst} requests (throttle ${RPS})`,
    );
    expect(worst).toBeLessThanOrEqual(RPS);
    sb.faults.clear();
    await c.close();
  });
});

describe("launches under load and faults", () => {
  it("concurrent launches with lost answers, 429s and 503s each create exactly one analysis", async () => {
    const sb = sandbox();
    const c = await connectTools(sb, { clientOptions: { maxRps: RPS, retry: fastRetries } });
    const training = sb.state.projectByName(SEED_PROJECTS.training)!;
    const create = { method: "POST", path: `/api/projects/${training.id}/analysis:nextflow` };
    const since = performance.now();
    sb.faults.add({ kind: "dropAfter", times: 8, match: create }); // created, but the answer is lost
    sb.faults.add({ kind: "status", status: 429, times: 8, match: create });
    sb.faults.add({ kind: "status", status: 503, times: 5, match: create });
    sb.faults.add({ kind: "drop", times: 4, match: create });
    const refs = Array.from({ length: 30 }, (_, i) => `load-launch-${i}`);
    const results = await Promise.all(
      refs.map((userReference) =>
        c.client.callTool({
          name: "ica_start_analysis",
          arguments: {
            projectId: training.id,
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
          },
        }),
      ),
    );
    for (const [i, res] of results.entries()) {
      expect(res.isError, textOf(res)).toBeFalsy();
      const made = sb.state.analyses.where((a) => a.projectId === training.id && a.userReference === refs[i]);
      expect(made, refs[i]).toHaveLength(1);
      expect((res.structuredContent as { analysis: { id: string } }).analysis.id).toBe(made[0]!.id);
    }
    expect(worstSecond(since)).toBeLessThanOrEqual(RPS);
    sb.faults.clear();
    await c.close();
  });
});

describe("auth faults", () => {
  it("the JWT expiring in the middle of auto-paging costs one new token and loses nothing", async () => {
    const sb = sandbox();
    const c = await connectTools(sb, { clientOptions: { retry: fastRetries } });
    const wgs = sb.state.projectByName(SEED_PROJECTS.wgs)!;
    const mints = () =>
      sb.requestLog.filter((r) => r.method === "POST" && r.path.endsWith("/api/tokens")).length;
    await c.client.callTool({ name: "ica_list_projects", arguments: { pageSize: 1 } });
    const before = mints();
    let expired = false;
    const res = await c.client.callTool(
      { name: "ica_list_analyses", arguments: { projectId: wgs.id, maxItems: 100, pageSize: 10 } },
      undefined,
      {
        onprogress: () => {
          if (!expired) {
            expired = true;
            sb.faults.expireTokens();
          }
        },
      },
    );
    expect(expired).toBe(true);
    expect(res.isError).toBeFalsy();
    const ids = rowsOf<{ id: string }>(res).map((i) => i.id);
    expect(new Set(ids).size).toBe(100);
    expect(mints() - before).toBe(1);
    await c.close();
  });

  it("a revoked key gives one clear error naming ICA_API_KEY, without a retry storm", async () => {
    const sb = sandbox();
    const c = await connectTools(sb, {
      env: { ICA_API_KEY: REVOCABLE_KEY },
      clientOptions: { retry: fastRetries },
    });
    expect((await c.client.callTool({ name: "ica_list_projects", arguments: {} })).isError).toBeFalsy();
    sb.faults.revokeApiKey(REVOCABLE_KEY);
    sb.faults.expireTokens();
    const start = sb.requestLog.length;
    const res = await c.client.callTool({ name: "ica_list_projects", arguments: {} });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/ICA_API_KEY/);
    expect(textOf(res)).toMatch(/Next step/);
    const during = sb.requestLog.slice(start);
    // One listing refused (401), one mint refused (401): nothing more.
    expect(during.length).toBeLessThanOrEqual(2);
    await c.close();
  });
});

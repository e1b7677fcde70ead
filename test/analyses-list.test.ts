/** ica_list_analyses over MCP against the sandbox: paging paths, refusals, auto-paging, progress, cancel, 429s. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnalysisRecord, type Exchange, SEED_PROJECTS } from "../src/sandbox/index.js";
import { newSimulatedAnalysis } from "../src/sandbox/lifecycle.js";
import { MAX_COLLECTED_ANALYSES } from "../src/tools/list-analyses.js";
import { listed } from "./helpers/columnar.js";
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

type Item = { id: string; reference: string; userReference: string; status: string; pipelineCode?: string };
type Result = {
  items: Item[];
  paging: "cursor" | "offset";
  nextPageToken?: string;
  remainingRecords?: number;
  nextPageOffset?: number;
  totalItemCount?: number;
  truncated?: boolean;
};

const wgs = () => sandbox().state.projectByName(SEED_PROJECTS.wgs)!;
const inWgs = (pred: (a: AnalysisRecord) => boolean = () => true) =>
  sandbox().state.analyses.where((a) => a.projectId === wgs().id && pred(a));
const searches = (): Exchange[] => sandbox().exchanges.filter((e) => e.path.endsWith("/analysis:search"));
const list = (args: Record<string, unknown>) =>
  c.client.callTool({ name: "ica_list_analyses", arguments: { projectId: wgs().id, ...args } });

function insertAnalysis(n: number): AnalysisRecord {
  const pipelineId = inWgs()[0]!.pipelineId;
  return newSimulatedAnalysis(sandbox().state, {
    projectId: wgs().id,
    pipelineId,
    userReference: `inserted-${n}`,
  });
}

describe("one page", () => {
  it("uses cursor paging without sort: pageSize (+ pageToken) only, and says how to continue", async () => {
    const before = searches().length;
    const first = await list({ pageSize: 10 });
    expect(first.isError).toBeFalsy();
    const s = listed(first) as Result;
    expect(s.paging).toBe("cursor");
    expect(s.items.map((i) => i.id)).toEqual(
      inWgs()
        .slice(0, 10)
        .map((a) => a.id),
    );
    expect(s.remainingRecords).toBe(inWgs().length - 10);
    expect(s.totalItemCount).toBeUndefined();
    expect(textOf(first)).toContain(`call again with pageToken="${s.nextPageToken}"`);
    const second = await list({ pageSize: 10, pageToken: s.nextPageToken });
    expect((listed(second) as Result).items.map((i) => i.id)).toEqual(
      inWgs()
        .slice(10, 20)
        .map((a) => a.id),
    );
    const sent = searches().slice(before);
    expect(sent.map((e) => e.query)).toEqual([
      [["pageSize", "10"]],
      [
        ["pageSize", "10"],
        ["pageToken", s.nextPageToken],
      ],
    ]);
    expect(sent.map((e) => e.requestBody)).toEqual([{}, {}]);
    expect(sent[0]!.requestHeaders.accept).toBe("application/vnd.illumina.v3+json");
  });

  it("refuses a pageSize or maxItems above what one result holds, saying what to send, before any request", async () => {
    const before = searches().length;
    for (const args of [{ pageSize: 1000 }, { maxItems: 500 }]) {
      const res = await list(args);
      expect(res.isError).toBe(true);
      const [name] = Object.keys(args);
      expect(textOf(res)).toContain(
        `Invalid arguments for ica_list_analyses:\n- ${name}: Too big: expected number to be <=${MAX_COLLECTED_ANALYSES}`,
      );
      expect(textOf(res)).toContain("Next step:");
    }
    expect(searches().length).toBe(before);
    const page = await list({ pageSize: MAX_COLLECTED_ANALYSES });
    expect((listed(page) as Result).items.length).toBe(MAX_COLLECTED_ANALYSES);
    expect(searches().at(-1)!.query).toEqual([["pageSize", String(MAX_COLLECTED_ANALYSES)]]);
  });

  it("items are compact projections with v4 statuses", async () => {
    const res = await list({ pageSize: 1 });
    const a = inWgs()[0]!;
    const item = (listed(res) as Result).items[0]!;
    expect(item).toEqual({
      id: a.id,
      reference: a.reference,
      userReference: a.userReference,
      status: a.status,
      pipelineCode: sandbox().state.pipelines.get(a.pipelineId)!.code,
      ...(a.startDate ? { startDate: a.startDate } : {}),
      ...(a.endDate ? { endDate: a.endDate } : {}),
    });
  });

  it("switches to offset paging for sort or pageOffset, and sends exactly pageSize, pageOffset and sort", async () => {
    const before = searches().length;
    const sorted = await list({ sort: "reference desc, startDate", pageSize: 5 });
    const s = listed(sorted) as Result;
    expect(s.paging).toBe("offset");
    expect(s.totalItemCount).toBe(inWgs().length);
    expect(s.nextPageOffset).toBe(5);
    const refs = s.items.map((i) => i.reference);
    expect(refs).toEqual([...refs].sort().reverse());
    expect(textOf(sorted)).toContain('pageOffset=5 and sort="reference desc,startDate"');
    await list({ pageOffset: 40, pageSize: 20 });
    await list({ paging: "offset" });
    expect(
      searches()
        .slice(before)
        .map((e) => e.query),
    ).toEqual([
      [
        ["pageSize", "5"],
        ["pageOffset", "0"],
        ["sort", "reference desc,startDate"],
      ],
      [
        ["pageSize", "20"],
        ["pageOffset", "40"],
      ],
      [
        ["pageSize", "25"],
        ["pageOffset", "0"],
      ],
    ]);
  });

  it("refuses sort with cursor paging, pageToken with pageOffset, unknown sort fields and statuses: nothing is sent", async () => {
    const before = searches().length;
    const cursorSort = await list({ sort: "reference", paging: "cursor" });
    expect(cursorSort.isError).toBe(true);
    expect(textOf(cursorSort)).toContain(
      'sort needs offset paging (ICA sorts only with offset-based pagination): drop paging:"cursor" or drop sort',
    );
    const both = await list({ pageToken: "abc", pageOffset: 10 });
    expect(both.isError).toBe(true);
    expect(textOf(both)).toContain(
      "pageToken (cursor paging) and pageOffset (offset paging) cannot be combined",
    );
    const field = await list({ sort: "owner desc" });
    expect(field.isError).toBe(true);
    expect(textOf(field)).toContain(
      'sort field "owner" is not sortable here; use one of: reference, userReference, pipeline, status, startDate, endDate, summary',
    );
    const status = await list({ status: ["RUNNING", "FAILED"] });
    expect(status.isError).toBe(true);
    expect(textOf(status)).toContain('unknown analysis status "RUNNING"');
    expect(searches().length).toBe(before);
  });

  it("refuses pageOffset at 200,000 before sending, and shortens a page that would cross it", async () => {
    const before = searches().length;
    const capped = await list({ pageOffset: 200_000 });
    expect(capped.isError).toBe(true);
    expect(textOf(capped)).toContain("past ICA's offset-paging limit of 200,000 rows; use cursor paging");
    expect(searches().length).toBe(before);
    const near = await list({ pageOffset: 199_990, pageSize: 25 });
    expect(near.isError).toBeFalsy();
    expect(searches().at(-1)!.query).toEqual([
      ["pageSize", "10"],
      ["pageOffset", "199990"],
    ]);
  });

  it("accepts both status spellings in any case and sends ICA's v4 names in the search body", async () => {
    const res = await list({
      status: ["inprogress", "Failed_Final", "AWAITINGINPUT", "IN_PROGRESS"],
      userTags: ["batch-01"],
      pageSize: 300,
    });
    const sent = searches().at(-1)!;
    expect(sent.requestBody).toEqual({
      status: ["IN_PROGRESS", "FAILED_FINAL", "AWAITING_INPUT"],
      userTags: ["batch-01"],
    });
    const expected = inWgs(
      (a) =>
        ["IN_PROGRESS", "FAILED_FINAL", "AWAITING_INPUT"].includes(a.status) &&
        a.tags.userTags.includes("batch-01"),
    );
    const items = (listed(res) as Result).items;
    expect(items.map((i) => i.id)).toEqual(expected.map((a) => a.id));
    for (const i of items) expect(["IN_PROGRESS", "FAILED_FINAL", "AWAITING_INPUT"]).toContain(i.status);
    const ref = await list({
      userReference: expected[0]?.userReference ?? "x",
      reference: "2026",
      technicalTags: ["t"],
    });
    expect(ref.isError).toBeFalsy();
    expect(searches().at(-1)!.requestBody).toEqual({
      reference: "2026",
      userReference: expected[0]?.userReference ?? "x",
      technicalTags: ["t"],
    });
  });
});

describe("auto-paging (maxItems)", () => {
  it("collects every analysis exactly once across calls while analyses are added mid-listing", async () => {
    const initial = inWgs().map((a) => a.id);
    const seen: string[] = [];
    let inserted = 0;
    const timer = setInterval(() => insertAnalysis(inserted++), 2);
    let pageToken: string | undefined;
    let calls = 0;
    try {
      for (; calls < 40; calls++) {
        const res = await list({ maxItems: 300, pageSize: 50, ...(pageToken ? { pageToken } : {}) });
        expect(res.isError).toBeFalsy();
        const s = listed(res) as Result;
        expect(s.items.length).toBeLessThanOrEqual(MAX_COLLECTED_ANALYSES);
        seen.push(...s.items.map((i) => i.id));
        if (!s.truncated) break;
        expect(s.nextPageToken).toBeTruthy();
        expect(textOf(res)).toContain(`pageToken="${s.nextPageToken}"`);
        pageToken = s.nextPageToken;
      }
    } finally {
      clearInterval(timer);
    }
    expect(inserted).toBeGreaterThan(0);
    expect(calls).toBeGreaterThanOrEqual(Math.ceil(initial.length / MAX_COLLECTED_ANALYSES) - 1);
    expect(new Set(seen).size).toBe(seen.length);
    const seenSet = new Set(seen);
    expect(initial.filter((id) => !seenSet.has(id))).toEqual([]);
    // Whatever else was listed was inserted during the listing.
    expect(seen.length - initial.length).toBeGreaterThanOrEqual(0);
    for (const id of seen.slice(initial.length)) expect(initial).not.toContain(id);
  });

  it("caps one call, reports truncated and the cursor to continue from", async () => {
    const before = searches().length;
    const res = await list({ maxItems: MAX_COLLECTED_ANALYSES });
    const s = listed(res) as Result;
    expect(s.items.length).toBe(MAX_COLLECTED_ANALYSES);
    expect(s.truncated).toBe(true);
    expect(s.paging).toBe("cursor");
    expect(textOf(res)).toContain("Truncated: ");
    // Default request size with maxItems: 50.
    expect(
      searches()
        .slice(before)
        .map((e) => e.query[0]),
    ).toEqual(Array.from({ length: MAX_COLLECTED_ANALYSES / 50 }, () => ["pageSize", "50"]));
    // At most 200 bytes of text per analysis, every field included (300 analyses in about 15k tokens).
    expect(Buffer.byteLength(textOf(res)) / MAX_COLLECTED_ANALYSES).toBeLessThanOrEqual(200);
    // The status breakdown of the summary line is in the structured content too.
    const counts = (res.structuredContent as { statusCounts: Record<string, number> }).statusCounts;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(MAX_COLLECTED_ANALYSES);
    for (const [status, n] of Object.entries(counts)) expect(textOf(res)).toContain(`${n} ${status}`);
    const next = await list({ maxItems: 3, pageToken: s.nextPageToken });
    expect((listed(next) as Result).items.map((i) => i.id)).toEqual(
      inWgs()
        .slice(MAX_COLLECTED_ANALYSES, MAX_COLLECTED_ANALYSES + 3)
        .map((a) => a.id),
    );
  });

  it("pages by offset in sorted order, requesting each remaining offset once", async () => {
    const before = searches().length;
    const res = await list({ maxItems: 90, pageSize: 40, sort: "reference" });
    const s = listed(res) as Result;
    expect(s.paging).toBe("offset");
    expect(s.items.length).toBe(90);
    expect(s.truncated).toBe(true);
    expect(s.nextPageOffset).toBe(90);
    expect(s.totalItemCount).toBe(inWgs().length);
    const refs = s.items.map((i) => i.reference);
    expect(refs).toEqual([...refs].sort(new Intl.Collator("en", { sensitivity: "variant" }).compare));
    const sent = searches()
      .slice(before)
      .map((e) => Object.fromEntries(e.query));
    expect(sent.map((q) => `${q.pageOffset}/${q.pageSize}`).sort()).toEqual(["0/40", "40/40", "80/10"]);
    for (const q of sent) expect(q.sort).toBe("reference");
  });

  it("sends progress notifications while collecting", async () => {
    sandbox().faults.add({ kind: "latency", ms: 120, times: 5, match: { operationId: "searchAnalyses" } });
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const res = await c.client.callTool(
      { name: "ica_list_analyses", arguments: { projectId: wgs().id, maxItems: 100, pageSize: 20 } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    );
    expect(res.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThanOrEqual(3);
    const values = progress.map((p) => p.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
    expect(progress[0]!.message).toMatch(/^collected 20 of \d+ analyses$/);
    expect(progress[0]!.total).toBeGreaterThan(100);
  });

  it("stops promptly when the call is cancelled mid-collection", async () => {
    const slow = sandbox().faults.add({
      kind: "latency",
      ms: 150,
      times: 50,
      match: { operationId: "searchAnalyses" },
    });
    const before = searches().length;
    const controller = new AbortController();
    const call = c.client.callTool(
      { name: "ica_list_analyses", arguments: { projectId: wgs().id, maxItems: 100, pageSize: 10 } },
      undefined,
      { signal: controller.signal, onprogress: () => controller.abort() },
    );
    await expect(call).rejects.toThrow();
    const atCancel = searches().length - before;
    await new Promise((r) => setTimeout(r, 500));
    const after = searches().length - before;
    expect(after).toBeLessThanOrEqual(atCancel + 1);
    expect(after).toBeLessThan(5);
    slow.remove();
  });

  it("rides out bursts of 429s and still returns every requested analysis", async () => {
    const handle = sandbox().faults.add({
      kind: "status",
      status: 429,
      times: 4,
      match: { operationId: "searchAnalyses" },
    });
    const before = sandbox().exchanges.length;
    const res = await list({ maxItems: 100, pageSize: 25 });
    expect(res.isError).toBeFalsy();
    const s = listed(res) as Result;
    expect(s.items.map((i) => i.id)).toEqual(
      inWgs()
        .slice(0, 100)
        .map((a) => a.id),
    );
    expect(handle.hits).toBe(4);
    const mine = sandbox()
      .exchanges.slice(before)
      .filter((e) => e.path.endsWith("/analysis:search"));
    expect(mine.filter((e) => e.injected && e.status === 429).length).toBe(4);
    expect(mine.filter((e) => e.status === 200).length).toBe(4);
  });
});

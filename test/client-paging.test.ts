/** Auto-paging that ends whatever ICA's cursors and page sizes do (issue 11 item 3), against a fake ICA. */
import { afterEach, describe, expect, it } from "vitest";
import { lookUpDataIds } from "../src/ica/api/lookup.js";
import { IcaResponseError } from "../src/ica/errors.js";
import { collectPages, type Page, type PagingPlan } from "../src/ica/paging.js";
import { sandboxClient } from "./helpers/client.js";
import { type FakeIca, sendJson, startFakeIca } from "./helpers/fake-ica.js";
import { connectTools } from "./helpers/mcp.js";

const PROJECT = "11111111-2222-3333-4444-555555555555";
const JOB = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const BATCH = "bbbbbbbb-cccc-dddd-eeee-ffffffffffff";
let fake: FakeIca | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});
const requestsTo = (suffix: string) => fake!.log.filter((r) => r.path.endsWith(suffix)).length;

function analysis(i: number) {
  return { id: `a-${i}`, reference: `ref-${i}`, userReference: `u-${i}`, status: "SUCCEEDED" };
}

describe("a cursor that does not move", () => {
  it("ica_list_analyses with maxItems stops at the repeated cursor and says so", async () => {
    fake = await startFakeIca((req, res) => {
      if (req.path.endsWith("/analysis:search")) {
        sendJson(res, 200, { items: [analysis(1)], nextPageToken: "STUCK", remainingRecords: 50 });
      }
    });
    const c = await connectTools(fake.asSandbox(), { env: { ICA_PROJECT_ID: PROJECT } });
    const res = await c.client.callTool({ name: "ica_list_analyses", arguments: { maxItems: 100 } });
    expect(res.isError).toBeFalsy();
    const s = res.structuredContent as { truncated: boolean; stopped?: string; nextPageToken?: string };
    expect(s.truncated).toBe(true);
    expect(s.stopped).toBe("cursor-repeated");
    expect(s.nextPageToken).toBeUndefined(); // following it would loop
    expect(requestsTo("/analysis:search")).toBeLessThanOrEqual(2);
    await c.close();
  });

  it("ica_get_job stops reading batch items at an empty page that claims more", async () => {
    fake = await startFakeIca((req, res) => {
      if (req.path === `/api/jobs/${JOB}`) {
        sendJson(res, 200, {
          id: JOB,
          status: "RUNNING",
          subjectType: "SampleCreationBatch",
          subjectId: BATCH,
          project: { id: PROJECT },
        });
      } else if (req.path.endsWith(`/sampleCreationBatch/${BATCH}/items`)) {
        sendJson(res, 200, { items: [], nextPageToken: "STUCK", remainingRecords: 10 });
      }
    });
    const c = await connectTools(fake.asSandbox());
    const res = await c.client.callTool({ name: "ica_get_job", arguments: { jobId: JOB } });
    expect(res.isError).toBeFalsy();
    const batch = (
      res.structuredContent as { sampleBatch: { itemsTruncated: boolean; itemsStopped?: string } }
    ).sampleBatch;
    expect(batch.itemsTruncated).toBe(true);
    expect(batch.itemsStopped).toBe("empty-page");
    expect(requestsTo("/items")).toBe(1);
    await c.close();
  });
});

/** Pages over `rows` rows served by a fake page source: ICA's page size caps what is asked for. */
function offsetSource(rows: number, opts: { icaPageSize?: number; total?: boolean; failAt?: number } = {}) {
  const seen: PagingPlan[] = [];
  const aborted: number[] = [];
  const fetchPage = async (plan: PagingPlan, signal?: AbortSignal): Promise<Page<number>> => {
    seen.push(plan);
    const offset = plan.pageOffset ?? 0;
    if (offset === opts.failAt) throw new Error("page failed");
    if (opts.failAt !== undefined && offset > 0) {
      // The siblings of a failing page are slow: they must be cancelled, not waited for.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2_000);
        signal?.addEventListener("abort", () => {
          clearTimeout(t);
          aborted.push(offset);
          resolve();
        });
      });
      signal?.throwIfAborted();
    }
    const size = Math.min(plan.pageSize, opts.icaPageSize ?? plan.pageSize);
    const items = Array.from({ length: Math.max(0, Math.min(size, rows - offset)) }, (_, i) => offset + i);
    return { items, ...(opts.total === false ? {} : { totalItemCount: rows }) };
  };
  return { fetchPage, seen, aborted };
}
const offsetPlan = (pageSize: number): PagingPlan => ({ mode: "offset", pageSize, pageOffset: 0 });

describe("offset paging", () => {
  it("steps by the page size ICA actually used, leaving no gaps", async () => {
    const src = offsetSource(95, { icaPageSize: 10 });
    const got = await collectPages(offsetPlan(25), src.fetchPage, { maxItems: 1000 });
    expect(got.items).toEqual(Array.from({ length: 95 }, (_, i) => i));
    expect(got.truncated).toBe(false);
  });

  it("says truncated correctly without totalItemCount", async () => {
    const exact = offsetSource(50, { total: false });
    const all = await collectPages(offsetPlan(25), exact.fetchPage, { maxItems: 50 });
    expect(all.items).toHaveLength(50);
    expect(all.truncated).toBe(false);
    const more = offsetSource(51, { total: false });
    const cut = await collectPages(offsetPlan(25), more.fetchPage, { maxItems: 50 });
    expect(cut.items).toHaveLength(50);
    expect(cut.truncated).toBe(true);
    expect(cut.nextPageOffset).toBe(50);
    const first = offsetSource(30, { total: false });
    const one = await collectPages(offsetPlan(25), first.fetchPage, { maxItems: 25 });
    expect(one.truncated).toBe(true);
  });

  it("one failed page cancels its siblings at once", async () => {
    const src = offsetSource(400, { failAt: 50 });
    await expect(
      collectPages(offsetPlan(25), src.fetchPage, { maxItems: 400, concurrency: 4 }),
    ).rejects.toThrow("page failed");
    // The three siblings in flight were cancelled (they would otherwise hold their throttle slots).
    expect(src.aborted.length).toBe(3);
    // Nothing new starts once a page failed.
    expect(src.seen.length).toBeLessThanOrEqual(1 + 4);
  });

  it("has a page bound", async () => {
    const src = offsetSource(10_000, { icaPageSize: 1, total: false });
    const got = await collectPages(offsetPlan(100), src.fetchPage, { maxItems: 1000, maxPages: 30 });
    expect(src.seen.length).toBe(30);
    expect(got.stopped).toBe("page-bound");
    expect(got.truncated).toBe(true);
  });
});

describe("lookups of ids in a project", () => {
  it("page until every id is found, whatever page size ICA chooses", async () => {
    fake = await startFakeIca((req, res) => {
      if (!req.path.endsWith("/data")) return;
      const ids = req.query.getAll("id");
      const from = Number(req.query.get("pageToken") ?? "0");
      const page = ids.slice(from, from + 2); // ICA serves 2 per page whatever is asked
      const next = from + 2 < ids.length ? String(from + 2) : undefined;
      sendJson(res, 200, {
        items: page.map((id) => ({
          projectId: PROJECT,
          data: { id, details: { name: id, path: `/${id}` } },
        })),
        ...(next ? { nextPageToken: next, remainingRecords: ids.length - from - 2 } : {}),
      });
    });
    const ica = sandboxClient(fake.asSandbox(), { apiKey: "k" });
    const ids = Array.from({ length: 7 }, (_, i) => `fil.${i}`);
    const found = await lookUpDataIds(ica, PROJECT, ids);
    expect([...found.keys()].sort()).toEqual(ids);
    await ica.close();
  });

  it("never reports ids absent when the listing cannot be followed to its end", async () => {
    fake = await startFakeIca((req, res) => {
      if (req.path.endsWith("/data"))
        sendJson(res, 200, { items: [], nextPageToken: "STUCK", remainingRecords: 3 });
    });
    const ica = sandboxClient(fake.asSandbox(), { apiKey: "k" });
    await expect(lookUpDataIds(ica, PROJECT, ["fil.1"])).rejects.toBeInstanceOf(IcaResponseError);
    expect(requestsTo("/data")).toBe(1);
    await ica.close();
  });
});

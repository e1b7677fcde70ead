/**
 * The window pager (src/ica/api/analysis-window.ts) against a fake ICA on loopback that behaves in ways the
 * sandbox never does: a project too big for offset paging, an empty page while rows are said to remain,
 * rows repeated across pages, no totalItemCount.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectAnalysesInWindow } from "../src/ica/api/analysis-window.js";
import { IcaClient } from "../src/ica/client.js";

const DAY = 86_400_000;
const NOW = Date.parse("2026-11-01T00:00:00Z");
type Mode = "huge" | "emptyPage" | "repeat" | "noTotal";
let mode: Mode = "huge";
const seen: { offset: number; size: number; sort: string | null }[] = [];
let server: Server;
let ica: IcaClient;

function row(i: number, startMs: number | null) {
  return {
    id: `a-${i}`,
    reference: `r-${i}`,
    userReference: `u-${i}`,
    status: "SUCCEEDED",
    startDate: startMs === null ? null : new Date(startMs).toISOString(),
    pipeline: { id: "p1", code: "P1" },
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const offset = Number(url.searchParams.get("pageOffset") ?? 0);
    const size = Number(url.searchParams.get("pageSize") ?? 25);
    seen.push({ offset, size, sort: url.searchParams.get("sort") });
    req.resume();
    let items: unknown[] = [];
    let total: number | undefined;
    if (mode === "huge") {
      // 500,000 analyses, all started within the last minute: the window's start is never reached.
      total = 500_000;
      items = Array.from({ length: size }, (_, k) => row(offset + k, NOW - 1000));
    } else if (mode === "emptyPage") {
      total = 1_000;
      items = offset === 0 ? Array.from({ length: size }, (_, k) => row(k, NOW - k * 1000)) : [];
    } else if (mode === "repeat") {
      // Page 2 repeats the last row of page 1 (offset paging guarantees no uniqueness); then one older row.
      total = 2 * size;
      items =
        offset === 0
          ? Array.from({ length: size }, (_, k) => (k === 0 ? row(-1, null) : row(k, NOW - k * 1000)))
          : [row(size - 1, NOW - (size - 1) * 1000), row(9_999, NOW - 30 * DAY)];
    } else {
      items =
        offset < 3 * size
          ? Array.from({ length: size }, (_, k) => row(offset + k, NOW - (offset + k) * 1000))
          : [];
    }
    res.writeHead(200, { "content-type": "application/vnd.illumina.v3+json" });
    res.end(JSON.stringify({ items, ...(total !== undefined ? { totalItemCount: total } : {}) }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  ica = new IcaClient({
    baseUrl: `http://127.0.0.1:${port}/ica/rest`,
    accessToken: "fake-access-token-for-loopback",
    maxRps: 1000,
    timeoutMs: 5_000,
    useEnvProxy: false,
    retry: { baseDelayMs: 5, maxDelayMs: 10, maxTotalMs: 1_000, maxAttempts: 1 },
  });
});
afterAll(async () => {
  await ica.close();
  await new Promise((r) => server.close(r));
});

const window = (opts: Partial<Parameters<typeof collectAnalysesInWindow>[3]> = {}) =>
  collectAnalysesInWindow(
    ica,
    "proj",
    {},
    { sinceMs: NOW - 7 * DAY, pageSize: 500, maxPages: 1_000, ...opts },
  );

describe("collectAnalysesInWindow", () => {
  it("stops at ICA's 200,000-row offset cap and says so, never asking past it", async () => {
    mode = "huge";
    seen.length = 0;
    const r = await window({ startOffset: 198_800, pageSize: 500 });
    expect(r.stop).toBe("offsetCap");
    expect(seen.map((s) => `${s.offset}/${s.size}`)).toEqual(["198800/500", "199300/500", "199800/200"]);
    expect(seen.every((s) => s.sort === "startDate desc")).toBe(true);
    expect(r.scanned).toBe(1_200);
    expect(r.nextPageOffset).toBeUndefined();
  });

  it("has a page bound, and continues from where it stopped", async () => {
    mode = "huge";
    seen.length = 0;
    const r = await window({ pageSize: 100, maxPages: 3 });
    expect(r.stop).toBe("pageLimit");
    expect(seen.length).toBe(3);
    expect(r.nextPageOffset).toBe(300);
  });

  it("an empty page while ICA says rows remain ends the scan (no endless loop), reported as such", async () => {
    mode = "emptyPage";
    seen.length = 0;
    const r = await window({ pageSize: 100 });
    expect(r.stop).toBe("emptyPage");
    expect(seen.length).toBe(2);
    expect(r.items.length).toBe(100);
  });

  it("drops rows repeated across pages, sets not-started rows apart, stops at the first row before since", async () => {
    mode = "repeat";
    seen.length = 0;
    const r = await window({ pageSize: 50 });
    expect(r.stop).toBe("since");
    expect(r.duplicates).toBe(1);
    expect(r.notStarted.map((a) => a.id)).toEqual(["a--1"]);
    expect(r.items.length).toBe(49);
    expect(new Set(r.items.map((a) => a.id)).size).toBe(49);
  });

  it("without totalItemCount, a short or empty page is the end", async () => {
    mode = "noTotal";
    seen.length = 0;
    const r = await window({ pageSize: 10 });
    expect(r.stop).toBe("end");
    expect(r.items.length).toBe(30);
    expect(seen.length).toBe(4);
  });

  it("a cancelled signal stops before the next page", async () => {
    mode = "huge";
    seen.length = 0;
    const controller = new AbortController();
    await expect(
      window({ pageSize: 10, signal: controller.signal, onProgress: () => controller.abort() }),
    ).rejects.toThrow();
    expect(seen.length).toBe(1);
  });
});

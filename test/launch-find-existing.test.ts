/**
 * findExistingLaunch against a fake ICA on loopback that behaves as the sandbox never does: it ignores the
 * technicalTags filter, repeats its cursor or never stops paging. Only an item that shows the exact tag is
 * "this launch", and the search always ends.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findExistingLaunch } from "../src/ica/api/launch.js";
import { IcaClient } from "../src/ica/client.js";
import { launchKey, launchTag } from "../src/tools/launch/key.js";

const TAG = launchTag(launchKey({ pipelineCode: "p", userReference: "r" }, "project-1"));
const token = `e30.${Buffer.from(JSON.stringify({ exp: 4_000_000_000 })).toString("base64url")}.sig`;

interface Seen {
  pageToken: string | null;
  body: unknown;
}
let server: Server;
let baseUrl = "";
let seen: Seen[] = [];
/** Answers page number `i` (0-based) of a search. */
let answer: (i: number) => unknown = () => ({ items: [] });

const analysis = (id: string, technicalTags: unknown, timeCreated = "2026-11-30T10:00:00Z") => ({
  id,
  reference: `ref-${id}`,
  userReference: "r",
  status: "IN_PROGRESS",
  timeCreated,
  tags: { technicalTags, userTags: [], referenceTags: [] },
});

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      if (req.method !== "POST" || !url.pathname.endsWith("/api/projects/project-1/analysis:search")) {
        res.writeHead(404, { "content-type": "application/problem+json" }).end("{}");
        return;
      }
      seen.push({ pageToken: url.searchParams.get("pageToken"), body: JSON.parse(raw || "null") });
      res
        .writeHead(200, { "content-type": "application/vnd.illumina.v3+json" })
        .end(JSON.stringify(answer(seen.length - 1)));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/ica/rest`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen = [];
});

const find = async () => {
  const ica = new IcaClient({
    baseUrl,
    accessToken: token,
    maxRps: 1000,
    timeoutMs: 5_000,
    useEnvProxy: false,
  });
  try {
    return await findExistingLaunch(ica, "project-1", TAG);
  } finally {
    await ica.close();
  }
};

describe("findExistingLaunch against an ICA that does not honour the filter", () => {
  it("asks for the tag, and ignores items that do not show it (other tags, no tags, nulls)", async () => {
    answer = () => ({
      items: [analysis("a", ["other"]), { ...analysis("b", []), tags: undefined }, analysis("c", null), null],
    });
    expect(await find()).toBeUndefined();
    expect(seen).toEqual([{ pageToken: null, body: { technicalTags: [TAG] } }]);
  });

  it("finds the tagged item on a later page and returns the newest of several", async () => {
    answer = (i) =>
      i === 0
        ? {
            items: [analysis("a", ["other"]), analysis("old", [TAG], "2026-11-01T00:00:00Z")],
            nextPageToken: "p2",
          }
        : { items: [analysis("new", ["x", TAG], "2026-11-29T00:00:00Z"), analysis("b", ["other"])] };
    expect(await find()).toMatchObject({ id: "new", status: "IN_PROGRESS", matches: 2 });
    expect(seen.map((s) => s.pageToken)).toEqual([null, "p2"]);
  });

  it("stops when the cursor repeats or a page is empty", async () => {
    answer = () => ({ items: [analysis("a", ["other"])], nextPageToken: "same" });
    expect(await find()).toBeUndefined();
    expect(seen.map((s) => s.pageToken)).toEqual([null, "same"]);
    seen = [];
    answer = (i) =>
      i === 0
        ? { items: [analysis("a", ["other"])], nextPageToken: "t1" }
        : { items: [], nextPageToken: "t2" };
    expect(await find()).toBeUndefined();
    expect(seen).toHaveLength(2);
  });

  it("reads at most 10 pages from a cursor that never ends", async () => {
    answer = (i) => ({ items: [analysis(`a${i}`, ["other"])], nextPageToken: `t${i + 1}` });
    expect(await find()).toBeUndefined();
    expect(seen).toHaveLength(10);
  });
});

/** The sandbox's analyses and download-URL routes, over raw HTTP (every exchange is contract-checked). */
import { describe, expect, it } from "vitest";
import { type AnalysisRecord, type Sandbox, SEED_PROJECTS } from "../src/sandbox/index.js";
import { newSimulatedAnalysis } from "../src/sandbox/lifecycle.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
const V3 = "application/vnd.illumina.v3+json";
const V4 = "application/vnd.illumina.v4+json";

interface Res {
  status: number;
  headers: Headers;
  body: any;
}

async function call(
  method: string,
  path: string,
  opts: { accept?: string; body?: unknown; contentType?: string } = {},
): Promise<Res> {
  const headers: Record<string, string> = { "x-api-key": TEST_API_KEY, accept: opts.accept ?? V3 };
  if (opts.body !== undefined) headers["content-type"] = opts.contentType ?? V3;
  const res = await fetch(`${sandbox().url}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const wgs = () => sandbox().state.projectByName(SEED_PROJECTS.wgs)!;
const inWgs = (pred: (a: AnalysisRecord) => boolean = () => true) =>
  sandbox().state.analyses.where((a) => a.projectId === wgs().id && pred(a));
const search = (query: string, body: unknown = {}) =>
  call("POST", `/api/projects/${wgs().id}/analysis:search${query}`, { body });

describe("POST analysis:search", () => {
  it("pages every WGS analysis with cursors: v4 items under the v3 media type, each exactly once", async () => {
    expect(inWgs().length).toBeGreaterThanOrEqual(2000);
    const ids: string[] = [];
    let token = "";
    for (let i = 0; i < 10; i++) {
      const res = await search(`?pageSize=1000${token ? `&pageToken=${encodeURIComponent(token)}` : ""}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(V3);
      ids.push(...res.body.items.map((a: { id: string }) => a.id));
      expect(res.body.remainingRecords).toBe(inWgs().length - ids.length);
      if (!res.body.nextPageToken) break;
      token = res.body.nextPageToken;
    }
    expect(ids.length).toBe(inWgs().length);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("filters several v4 statuses at once and refuses v3 spellings", async () => {
    const res = await search("?pageSize=1000", { status: ["IN_PROGRESS", "FAILED_FINAL"] });
    const expected = inWgs((a) => a.status === "IN_PROGRESS" || a.status === "FAILED_FINAL");
    expect(expected.length).toBeGreaterThan(0);
    expect(res.body.items.map((a: { id: string }) => a.id)).toEqual(expected.map((a) => a.id));
    expect(new Set(res.body.items.map((a: { status: string }) => a.status))).toEqual(
      new Set(expected.map((a) => a.status)),
    );
    const v3 = await search("", { status: ["FAILEDFINAL"] });
    expect(v3.status).toBe(400);
    expect(v3.body.parameters).toEqual({ status: "FAILEDFINAL" });
    // That request broke the contract on purpose: keep it out of the file's contract check.
    const exchanges = sandbox().exchanges;
    exchanges.splice(
      exchanges.findLastIndex((e) => e.status === 400),
      1,
    );
  });

  it("sorts on every allowed field with offset paging, and refuses others", async () => {
    for (const field of [
      "reference",
      "userReference",
      "pipeline",
      "status",
      "startDate",
      "endDate",
      "summary",
    ]) {
      const res = await search(`?pageOffset=0&pageSize=50&sort=${encodeURIComponent(`${field} desc`)}`);
      expect(res.status).toBe(200);
      expect(res.body.totalItemCount).toBe(inWgs().length);
      expect(res.body.nextPageToken).toBe("");
      const values = res.body.items.map((a: Record<string, unknown>) =>
        field === "pipeline" ? (a.pipeline as { code: string }).code : a[field],
      );
      const nonNull = values.filter((v: unknown) => v !== null && v !== undefined);
      const collator = new Intl.Collator("en", { sensitivity: "variant" });
      expect(nonNull).toEqual([...nonNull].sort((x: string, y: string) => -collator.compare(x, y)));
    }
    const bad = await search("?sort=owner");
    expect(bad.status).toBe(400);
    const capped = await search("?pageOffset=200000");
    expect(capped.status).toBe(400);
    expect(capped.body.parameters).toEqual({ pageOffset: "200000" });
  });

  it("binds cursors to the body's filters", async () => {
    const first = await search("?pageSize=5", { status: ["SUCCEEDED"] });
    const other = await search(`?pageSize=5&pageToken=${encodeURIComponent(first.body.nextPageToken)}`, {
      status: ["FAILED"],
    });
    expect(other.status).toBe(400);
    const same = await search(`?pageSize=5&pageToken=${encodeURIComponent(first.body.nextPageToken)}`, {
      status: ["SUCCEEDED"],
    });
    expect(same.status).toBe(200);
  });
});

describe("GET analyses (deprecated)", () => {
  it("returns v3 items, one v3 status, lower-case filter names", async () => {
    const res = await call("GET", `/api/projects/${wgs().id}/analyses?status=INPROGRESS&pageSize=1000`);
    expect(res.status).toBe(200);
    const running = ["INITIALIZING", "PREPARING_INPUTS", "IN_PROGRESS", "GENERATING_OUTPUTS", "ABORTING"];
    const expected = inWgs((a) => running.includes(a.status));
    expect(res.body.items.map((a: { id: string }) => a.id)).toEqual(expected.map((a) => a.id));
    expect(new Set(res.body.items.map((a: { status: string }) => a.status))).toEqual(new Set(["INPROGRESS"]));
    expect(res.body.items[0].ownerId).toBeDefined();
    expect(res.body.items[0].owner).toBeUndefined();
    const one = inWgs((a) => a.tags.userTags.includes("batch-02"))[0]!;
    const byRef = await call(
      "GET",
      `/api/projects/${wgs().id}/analyses?userreference=${encodeURIComponent(one.userReference)}&usertag=batch-02`,
    );
    expect(byRef.body.items.map((a: { id: string }) => a.id)).toContain(one.id);
    for (const item of byRef.body.items) {
      expect(item.tags.userTags).toContain("batch-02");
      expect(item.userReference.toLowerCase()).toContain(one.userReference.toLowerCase());
    }
    expect((await call("GET", `/api/projects/${wgs().id}/analyses?status=IN_PROGRESS`)).status).toBe(400);
  });

  it("pages the guide's way: totalItemCount from pageOffset=0, then sorted offset pages", async () => {
    const total = (await call("GET", `/api/projects/${wgs().id}/analyses?pageOffset=0`)).body.totalItemCount;
    expect(total).toBe(inWgs().length);
    const page = await call(
      "GET",
      `/api/projects/${wgs().id}/analyses?pageOffset=2&pageSize=2&sort=reference%20desc`,
    );
    const refs = inWgs()
      .map((a) => a.reference)
      .sort(new Intl.Collator("en", { sensitivity: "variant" }).compare)
      .reverse();
    expect(page.body.items.map((a: { reference: string }) => a.reference)).toEqual(refs.slice(2, 4));
  });
});

describe("one analysis", () => {
  it("serves v4 and v3 with an ETag, steps with log data, inputs, outputs, configurations, logs and usage", async () => {
    const a = inWgs((x) => x.status === "FAILED" && x.steps !== null)[0]!;
    const base = `/api/projects/${wgs().id}/analyses/${a.id}`;
    const v4 = await call("GET", base, { accept: V4 });
    expect(v4.headers.get("content-type")).toBe(V4);
    expect(v4.headers.get("etag")).toMatch(/^"[0-9a-f]{16}"$/);
    expect(v4.body.status).toBe("FAILED");
    const v3 = await call("GET", base, { accept: V3 });
    expect(v3.body.tenantId).toBeDefined();
    const steps = await call("GET", `${base}/steps`);
    const failed = steps.body.items.find((s: { status: string }) => s.status === "FAILED");
    expect(failed.exitCode).toBeGreaterThan(0);
    expect(failed.logs.stdErrData.id).toMatch(/^fil\./);
    expect((await call("GET", `${base}/inputs`)).body.items.length).toBe(a.inputs.length);
    expect((await call("GET", `${base}/configurations`)).body.items.length).toBe(a.configurations.length);
    expect((await call("GET", `${base}/logs`)).body.logsFolder.id).toBe(a.logsFolderId);
    const usage = await call("GET", `${base}/usage`);
    expect(usage.status).toBe(200);
    expect(usage.body.price).toEqual({ amount: expect.any(Number), currency: "iCredit" });
    const ok = inWgs((x) => x.status === "SUCCEEDED")[0]!;
    const outputs = await call("GET", `/api/projects/${wgs().id}/analyses/${ok.id}/outputs`);
    expect(outputs.body.items[0].code).toBe("output_folder");
    expect(outputs.body.items[0].data[0].dataId).toBe(ok.outputFolderId);
    expect(outputs.body.items[0].data[0].children.length).toBeGreaterThan(0);
    const running = inWgs((x) => x.status === "IN_PROGRESS")[0]!;
    expect((await call("GET", `/api/projects/${wgs().id}/analyses/${running.id}/usage`)).status).toBe(404);
    expect((await call("GET", `/api/projects/${wgs().id}/analyses/nope`)).status).toBe(404);
  });
});

describe("lifecycle", () => {
  it("advances a simulated analysis one status per step, with steps, logs and outputs", async () => {
    const sb = sandbox();
    sb.state.clock.freeze();
    const pipeline = sb.state.pipelines.get(inWgs()[0]!.pipelineId)!;
    const a = newSimulatedAnalysis(
      sb.state,
      { projectId: wgs().id, pipelineId: pipeline.id, userReference: "sim-ok" },
      { stepMs: 10_000 },
    );
    const seen: string[] = [];
    for (let i = 0; i < 7; i++) {
      seen.push(
        (await call("GET", `/api/projects/${wgs().id}/analyses/${a.id}`, { accept: V4 })).body.status,
      );
      sb.state.clock.advance(10_000);
    }
    expect(seen).toEqual([
      "REQUESTED",
      "QUEUED",
      "INITIALIZING",
      "PREPARING_INPUTS",
      "IN_PROGRESS",
      "GENERATING_OUTPUTS",
      "SUCCEEDED",
    ]);
    const steps = (await call("GET", `/api/projects/${wgs().id}/analyses/${a.id}/steps`)).body.items;
    expect(steps.map((s: { status: string }) => s.status)).toEqual(["DONE", "DONE", "DONE"]);
    expect(a.startDate).not.toBeNull();
    expect(a.endDate).not.toBeNull();
    const outputs = (await call("GET", `/api/projects/${wgs().id}/analyses/${a.id}/outputs`)).body.items;
    expect(outputs[0].data[0].children.map((c: { name: string }) => c.name)).toContain("sim-ok.summary.txt");
    // A FAILED one: the main step fails with exit code 1 and an explanatory stderr.
    const bad = newSimulatedAnalysis(
      sb.state,
      { projectId: wgs().id, pipelineId: pipeline.id, userReference: "sim-bad" },
      { stepMs: 1_000, outcome: "FAILED" },
    );
    sb.state.clock.advance(6_000);
    const failed = (await call("GET", `/api/projects/${wgs().id}/analyses/${bad.id}`, { accept: V4 })).body;
    expect(failed.status).toBe("FAILED");
    const main = bad.steps!.find((s) => s.status === "FAILED")!;
    expect(sb.state.fileText(main.stdErrDataId!)).toContain("simulated failure");
    sb.state.clock.freeze(false);
  });

  it("aborts: ABORTING at once, ABORTED one step later; an ended analysis is a 409", async () => {
    const sb = sandbox();
    sb.state.clock.freeze();
    const pipeline = sb.state.pipelines.get(inWgs()[0]!.pipelineId)!;
    const a = newSimulatedAnalysis(
      sb.state,
      { projectId: wgs().id, pipelineId: pipeline.id, userReference: "sim-abort" },
      { stepMs: 5_000 },
    );
    sb.state.clock.advance(22_000); // IN_PROGRESS
    const path = `/api/projects/${wgs().id}/analyses/${a.id}`;
    const res = await call("POST", `${path}:abort`);
    expect(res.status).toBe(204);
    expect((await call("GET", path, { accept: V4 })).body.status).toBe("ABORTING");
    expect((await call("GET", path, { accept: V3 })).body.status).toBe("INPROGRESS");
    expect((await call("POST", `${path}:abort`)).status).toBe(204);
    sb.state.clock.advance(5_000);
    expect((await call("GET", path, { accept: V4 })).body.status).toBe("ABORTED");
    expect(a.steps!.find((s) => s.status === "ABORTED")!.exitCode).toBe(143);
    const again = await call("POST", `${path}:abort`);
    expect(again.status).toBe(409);
    expect(again.body.parameters).toEqual({ analysisId: a.id, status: "ABORTED" });
    sb.state.clock.freeze(false);
  });
});

describe("download URLs", () => {
  const logFile = (sb: Sandbox) => {
    const step = inWgs((a) => a.status === "FAILED" && a.steps !== null)[0]!.steps!.find(
      (s) => s.status === "FAILED",
    )!;
    return sb.state.data.get(step.stdErrDataId!)!;
  };

  it("mints a presigned URL on another origin that serves the file, and byte-range tails (206)", async () => {
    const sb = sandbox();
    const file = logFile(sb);
    const res = await call("POST", `/api/projects/${wgs().id}/data/${file.id}:createDownloadUrl`);
    expect(res.status).toBe(200);
    const url = new URL(res.body.url);
    expect(url.origin).toBe(sb.downloadOrigin);
    expect(url.origin).not.toBe(sb.origin);
    for (const p of [
      "X-Amz-Algorithm",
      "X-Amz-Credential",
      "X-Amz-Date",
      "X-Amz-Expires",
      "X-Amz-Signature",
    ]) {
      expect(url.searchParams.get(p)).toBeTruthy();
    }
    const full = await fetch(url);
    expect(full.status).toBe(200);
    expect(await full.text()).toBe(file.content);
    const tail = await fetch(url, { headers: { range: "bytes=-20" } });
    expect(tail.status).toBe(206);
    const content = Buffer.from(file.content!, "utf8");
    expect(tail.headers.get("content-range")).toBe(
      `bytes ${content.length - 20}-${content.length - 1}/${content.length}`,
    );
    expect(await tail.text()).toBe(content.subarray(-20).toString("utf8"));
    const logged = sb.downloads.at(-1)!;
    expect(logged.headers.range).toBe("bytes=-20");
    expect(logged.status).toBe(206);
  });

  it("refuses tampered and expired URLs, and folders", async () => {
    const sb = sandbox();
    const file = logFile(sb);
    const { body } = await call("POST", `/api/projects/${wgs().id}/data/${file.id}:createDownloadUrl`);
    const tampered = new URL(body.url);
    tampered.searchParams.set("X-Amz-Expires", "999999");
    expect((await fetch(tampered)).status).toBe(403);
    sb.state.clock.advance(3601_000);
    const expired = await fetch(body.url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain("Request has expired");
    const folder = sb.state.data.get(file.parentId!)!;
    const res = await call("POST", `/api/projects/${wgs().id}/data/${folder.id}:createDownloadUrl`);
    expect(res.status).toBe(400);
    expect(res.body.parameters).toEqual({ dataId: folder.id, dataType: "FOLDER" });
  });
});

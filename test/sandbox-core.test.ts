/**
 * The sandbox framework over real HTTP: auth and tokens, media types, paging, idempotency, faults, gzip and
 * recording. Framework-only behaviour (415, version matching, idempotency) runs on test routes passed via
 * `extraRoutes`, since no built-in route takes a body yet.
 */
import { request as httpRequest } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  OFFSET_ROW_LIMIT,
  ProblemError,
  paginate,
  type RouteDef,
  SANDBOX_USER_EMAIL,
  SANDBOX_USER_PASSWORD,
  type Sandbox,
  SEED_PROJECTS,
  startSandbox,
  withIdempotency,
} from "../src/sandbox/index.js";

const KEY = "sandbox-api-key";
const V3 = "application/vnd.illumina.v3+json";
const V4 = "application/vnd.illumina.v4+json";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Test-only routes exercising framework features no built-in route uses yet. */
let executions = 0;
let releaseSlow: (() => void) | undefined;
const testRoutes: RouteDef[] = [
  {
    method: "POST",
    path: "/api/test/items/{itemId}:touch",
    operationId: "testTouch",
    produces: ["v4", "v3"],
    consumes: ["v4", "v3", "json"],
    handler: (ctx) =>
      withIdempotency(ctx, "testTouch", async () => {
        executions++;
        if (ctx.query.get("slow") === "1") await new Promise<void>((resolve) => (releaseSlow = resolve));
        if (ctx.query.get("fail") === "1") return ctx.problem(400, "Bad Request", "asked to fail");
        return ctx.json(201, {
          itemId: ctx.params.itemId,
          version: ctx.version,
          body: ctx.body,
          n: executions,
        });
      }),
  },
];

interface Res {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

async function call(
  sb: Sandbox,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string; auth?: boolean } = {},
): Promise<Res> {
  const headers: Record<string, string> = {
    ...(opts.auth === false ? {} : { "x-api-key": KEY }),
    ...opts.headers,
  };
  const res = await fetch(`${sb.url}${path}`, { method, headers, body: opts.body });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

function expectProblem(res: Res, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(res.body).toMatchObject({ type: "about:blank", status, parameters: expect.any(Object) });
  expect(typeof res.body.title).toBe("string");
  expect(res.body.timestamp).toMatch(ISO_Z);
  expect(res.body.id).toMatch(UUID);
  for (const v of Object.values(res.body.parameters)) expect(typeof v).toBe("string");
}

function jwtPayload(token: string): Record<string, unknown> {
  const parts = token.split(".");
  expect(parts).toHaveLength(3);
  return JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

async function mint(sb: Sandbox, headers: Record<string, string>, query = ""): Promise<Res> {
  return call(sb, "POST", `/api/tokens${query}`, { headers, auth: false });
}

async function collectCursor(sb: Sandbox, query: string, onPage?: (page: number) => void): Promise<any[]> {
  const items: any[] = [];
  let token: string | undefined;
  for (let page = 0; page < 100; page++) {
    const sep = query ? "&" : "";
    const res = await call(
      sb,
      "GET",
      `/api/projects?${query}${token ? `${sep}pageToken=${encodeURIComponent(token)}` : ""}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.totalItemCount).toBeUndefined();
    expect(typeof res.body.remainingRecords).toBe("number");
    items.push(...res.body.items);
    onPage?.(page);
    token = res.body.nextPageToken ?? undefined;
    if (!token) {
      expect(res.body.remainingRecords).toBe(0);
      return items;
    }
  }
  throw new Error("cursor listing did not end");
}

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ record: true, extraRoutes: testRoutes });
});

afterAll(async () => {
  await sb?.close();
});

describe("seed", () => {
  it("is deterministic and large enough for paging", async () => {
    const other = await startSandbox({ seed: 1 });
    try {
      expect(other.seed.projects).toEqual(sb.seed.projects);
      const wgs = sb.state.projectByName(SEED_PROJECTS.wgs)!;
      expect(wgs.id).toBe(sb.seed.projects.wgs);
      const inWgs = sb.state.analyses.where((a) => a.projectId === wgs.id);
      expect(inWgs.length).toBeGreaterThanOrEqual(2000);
      expect(new Set(inWgs.map((a) => a.status)).size).toBe(12);
      expect(other.state.analyses.all().map((a) => a.reference)).toEqual(
        sb.state.analyses.all().map((a) => a.reference),
      );
    } finally {
      await other.close();
    }
  });
});

describe("tokens and authentication", () => {
  it("mints a JWT from an API key and from Basic credentials", async () => {
    const byKey = await mint(sb, { "x-api-key": KEY });
    expect(byKey.status).toBe(200);
    expect(byKey.headers.get("content-type")).toBe(V3);
    expect(jwtPayload(byKey.body.token)).toMatchObject({ src: "apikey", tenant: "sandbox-lab" });

    const byBasic = await mint(sb, { authorization: basic(SANDBOX_USER_EMAIL, SANDBOX_USER_PASSWORD) });
    expect(byBasic.status).toBe(200);
    const claims = jwtPayload(byBasic.body.token);
    expect(claims).toMatchObject({ src: "basic", sub: sb.state.defaultUserId, tid: sb.state.tenant.id });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
    expect(claims.jti).toMatch(UUID);
  });

  it("rejects bad credentials with a 401 problem", async () => {
    expectProblem(await mint(sb, { "x-api-key": "nope" }), 401);
    expectProblem(await mint(sb, { authorization: basic(SANDBOX_USER_EMAIL, "wrong") }), 401);
    expectProblem(await mint(sb, {}), 401);
    expectProblem(await call(sb, "GET", "/api/projects", { headers: { "x-api-key": "nope" } }), 401);
    expectProblem(await call(sb, "GET", "/api/projects", { auth: false }), 401);
    expectProblem(
      await call(sb, "GET", "/api/projects", { auth: false, headers: { authorization: "Bearer a.b.c" } }),
      401,
    );
  });

  it("checks the tenant", async () => {
    expect((await mint(sb, { "x-api-key": KEY }, "?tenant=sandbox-lab")).status).toBe(200);
    const res = await mint(sb, { "x-api-key": KEY }, "?tenant=other-lab");
    expectProblem(res, 403);
    expect(res.body.detail).toContain("other-lab");
  });

  it("accepts bearer tokens until expireTokens()", async () => {
    const token = (await mint(sb, { "x-api-key": KEY })).body.token;
    const bearer = { authorization: `Bearer ${token}` };
    expect((await call(sb, "GET", "/api/projects", { auth: false, headers: bearer })).status).toBe(200);
    sb.faults.expireTokens();
    const res = await call(sb, "GET", "/api/projects", { auth: false, headers: bearer });
    expectProblem(res, 401);
    expect(res.body.detail).toMatch(/no longer valid/);
    const fresh = (await mint(sb, { "x-api-key": KEY })).body.token;
    expect(
      (await call(sb, "GET", "/api/projects", { auth: false, headers: { authorization: `Bearer ${fresh}` } }))
        .status,
    ).toBe(200);
  });

  it("expires tokens when the clock passes exp", async () => {
    const short = await startSandbox({ tokenTtlSeconds: 60 });
    try {
      const token = (await mint(short, { "x-api-key": KEY })).body.token;
      short.state.clock.advance(61_000);
      const res = await call(short, "GET", "/api/projects", {
        auth: false,
        headers: { authorization: `Bearer ${token}` },
      });
      expectProblem(res, 401);
      expect(res.body.detail).toMatch(/expired/);
    } finally {
      await short.close();
    }
  });

  it("refreshes Basic tokens but not API-key tokens", async () => {
    const keyToken = (await mint(sb, { "x-api-key": KEY })).body.token;
    const refused = await call(sb, "POST", "/api/tokens:refresh", {
      auth: false,
      headers: { authorization: `Bearer ${keyToken}` },
    });
    expectProblem(refused, 400);
    expect(refused.body.detail).toBe(
      "Refreshing the JWT is not possible if it has been created using an API-key",
    );

    const basicToken = (await mint(sb, { authorization: basic(SANDBOX_USER_EMAIL, SANDBOX_USER_PASSWORD) }))
      .body.token;
    const refreshed = await call(sb, "POST", "/api/tokens:refresh", {
      auth: false,
      headers: { authorization: `Bearer ${basicToken}` },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.token).not.toBe(basicToken);
    expect(jwtPayload(refreshed.body.token).exp).toBeGreaterThanOrEqual(jwtPayload(basicToken).exp as number);
    expect(jwtPayload(refreshed.body.token).src).toBe("basic");

    // API keys are not JWTs: refresh needs a bearer token.
    expectProblem(await call(sb, "POST", "/api/tokens:refresh"), 401);
  });

  it("revokes API keys", async () => {
    const other = await startSandbox({ apiKeys: ["k1", "k2"] });
    try {
      other.faults.revokeApiKey("k1");
      expectProblem(
        await call(other, "GET", "/api/projects", { auth: false, headers: { "x-api-key": "k1" } }),
        401,
      );
      expect(
        (await call(other, "GET", "/api/projects", { auth: false, headers: { "x-api-key": "k2" } })).status,
      ).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe("media types and errors", () => {
  it("negotiates versions and refuses what a route does not offer", async () => {
    expect(
      (await call(sb, "GET", "/api/projects", { headers: { accept: "*/*" } })).headers.get("content-type"),
    ).toBe(V3);
    expect((await call(sb, "GET", "/api/projects", { headers: { accept: "application/json" } })).status).toBe(
      200,
    );
    expectProblem(await call(sb, "GET", "/api/projects", { headers: { accept: V4 } }), 406);
    expectProblem(await call(sb, "GET", "/api/projects", { headers: { accept: "text/html" } }), 406);

    const touch = "/api/test/items/a%2Fb:touch";
    const v4 = await call(sb, "POST", touch, { headers: { accept: V4, "content-type": V4 }, body: "{}" });
    expect(v4.status).toBe(201);
    expect(v4.headers.get("content-type")).toBe(V4);
    expect(v4.body).toMatchObject({ itemId: "a/b", version: "v4" });
    // No Accept: the first offered version; a vendor Content-Type alone picks its own version.
    expect(
      (await call(sb, "POST", touch, { headers: { "content-type": "application/json" }, body: "{}" })).body
        .version,
    ).toBe("v4");
    expect(
      (await call(sb, "POST", touch, { headers: { "content-type": V3 }, body: "{}" })).body.version,
    ).toBe("v3");

    const mismatch = await call(sb, "POST", touch, {
      headers: { accept: V4, "content-type": V3 },
      body: "{}",
    });
    expectProblem(mismatch, 400);
    expect(mismatch.body.detail).toBe("Content-Type and Accept must contain a matching version");
    expectProblem(
      await call(sb, "POST", touch, { headers: { "content-type": "text/plain" }, body: "x" }),
      415,
    );
    expectProblem(
      await call(sb, "POST", touch, { headers: { "content-type": "application/json" }, body: "{not json" }),
      400,
    );
  });

  it("answers 404 and 405 problems", async () => {
    const missing = await call(sb, "GET", "/api/projects/00000000-0000-4000-8000-000000000000");
    expectProblem(missing, 404);
    expect(missing.body.title).toBe("Not Found");
    expect(missing.body.detail).toContain("00000000-0000-4000-8000-000000000000");
    expectProblem(await call(sb, "GET", "/api/nothing-here"), 404);
    expectProblem(await call(sb, "GET", "/api/nothing-here", { auth: false }), 401);
    expectProblem(await call(sb, "DELETE", "/api/projects"), 405);
    const outside = await fetch(`${sb.origin}/elsewhere`);
    expect(outside.status).toBe(404);
  });

  it("serves system info and single projects", async () => {
    const info = await call(sb, "GET", "/api/system/info");
    expect(info.status).toBe(200);
    expect(info.body).toEqual({ name: expect.any(String), version: expect.any(String) });
    const project = await call(sb, "GET", `/api/projects/${sb.seed.projects.wgs}`);
    expect(project.status).toBe(200);
    expect(project.headers.get("etag")).toMatch(/^".+"$/);
    expect(project.body).toMatchObject({
      id: sb.seed.projects.wgs,
      name: SEED_PROJECTS.wgs,
      active: true,
      tags: { technicalTags: expect.any(Array), userTags: expect.any(Array) },
      region: { code: expect.any(String), country: expect.any(Object) },
    });
    expect(project.body.timeCreated).toMatch(ISO_Z);
  });
});

describe("GET /api/projects", () => {
  it("filters by search, tags, region and hidden state", async () => {
    const names = async (q: string) =>
      (await call(sb, "GET", `/api/projects?${q}`)).body.items.map((p: any) => p.name);
    expect(await names("search=wgs-germline")).toEqual([SEED_PROJECTS.wgs]);
    expect(await names("search=TRAINING")).toEqual([SEED_PROJECTS.training]);
    expect(await names("userTags=production&userTags=core-facility")).toEqual([SEED_PROJECTS.rna]);
    expect(await names("technicalTags=germline")).toEqual([SEED_PROJECTS.wgs]);
    expect(await names("technicalTags=germline&includeHiddenProjects=true")).toEqual([
      SEED_PROJECTS.wgs,
      SEED_PROJECTS.archive,
    ]);
    expect(await names(`region=${sb.seed.catalog.regions.eu}`)).toEqual([SEED_PROJECTS.singleCell]);
    expect(await names("workgroups=w1")).not.toContain(SEED_PROJECTS.archive);
    expectProblem(await call(sb, "GET", "/api/projects?includeHiddenProjects=maybe"), 400);
  });

  it("cursor paging returns every project exactly once", async () => {
    const visible = sb.state.projects.where((p) => p.active).map((p) => p.id);
    const items = await collectCursor(sb, "pageSize=2");
    expect(items.map((p) => p.id)).toEqual(visible);
  });

  it("cursor paging neither skips nor repeats while projects are inserted", async () => {
    const before = sb.state.projects.where((p) => p.active).map((p) => p.id);
    const added: string[] = [];
    const items = await collectCursor(sb, "pageSize=2&search=-", (page) => {
      if (page === 0 || page === 1)
        added.push(sb.state.insertProject({ name: `Inserted-${page}-project` }).id);
    });
    const ids = items.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...before, ...added]);
  });

  it("offset paging sorts and reports totals", async () => {
    const page = async (q: string) => (await call(sb, "GET", `/api/projects?${q}`)).body;
    const all = sb.state.projects.where((p) => p.active).map((p) => p.name);
    const asc = [...all].sort((a, b) => a.localeCompare(b, "en"));
    const first = await page("sort=name&pageSize=3");
    expect(first.items.map((p: any) => p.name)).toEqual(asc.slice(0, 3));
    expect(first).toMatchObject({ totalItemCount: all.length, nextPageToken: "" });
    expect(first.remainingRecords).toBeUndefined();
    const second = await page("sort=name%20asc&pageSize=3&pageOffset=3");
    expect(second.items.map((p: any) => p.name)).toEqual(asc.slice(3, 6));
    const desc = await page("sort=name%20desc&pageOffset=0&pageSize=1000");
    expect(desc.items.map((p: any) => p.name)).toEqual([...asc].reverse());
    // pageOffset without sort: offset mode in insertion order.
    expect((await page("pageOffset=1&pageSize=2")).items.map((p: any) => p.name)).toEqual(all.slice(1, 3));
  });

  it("refuses conflicting or invalid paging parameters", async () => {
    const token = (await call(sb, "GET", "/api/projects?pageSize=1")).body.nextPageToken as string;
    const bad = async (q: string) => {
      const res = await call(sb, "GET", `/api/projects?${q}`);
      expectProblem(res, 400);
      return res.body;
    };
    expect((await bad(`sort=name&pageToken=${token}`)).detail).toMatch(
      /only supported with offset-based paging/,
    );
    await bad(`pageOffset=0&pageToken=${token}`);
    expect((await bad("sort=owner")).parameters.sort).toBe("owner");
    expect((await bad(`pageOffset=${OFFSET_ROW_LIMIT}`)).detail).toMatch(/200000/);
    await bad("pageSize=0");
    await bad("pageSize=abc");
    await bad("pageOffset=-1");
    await bad("pageToken=garbage");
    await bad(`pageToken=${token.slice(0, -2)}xx`);
    // A cursor belongs to its filters.
    await bad(`search=a&pageToken=${token}`);
  });
});

describe("paginate()", () => {
  const big = Array.from({ length: OFFSET_ROW_LIMIT + 50 }, (_, i) => ({ seq: i + 1, n: i }));
  const q = (s: string) => new URLSearchParams(s);

  it("shortens the page that crosses the 200,000-row offset limit", () => {
    const page = paginate(big, q("pageOffset=199990&pageSize=100"));
    expect(page.items.map((i) => i.n)).toEqual(Array.from({ length: 10 }, (_, i) => 199_990 + i));
    expect(page.totalItemCount).toBe(big.length);
    expect(() => paginate(big, q("pageOffset=200000"))).toThrow(ProblemError);
  });

  it("clamps pageSize and defaults it", () => {
    expect(paginate(big, q("pageSize=5000"), { maxPageSize: 1000 }).items).toHaveLength(1000);
    expect(paginate(big, q(""), { defaultPageSize: 7 }).items).toHaveLength(7);
    expect(paginate(big.slice(0, 300), q("")).items).toHaveLength(100);
  });

  it("walks a cursor to the end with accurate remainingRecords", () => {
    const items = big.slice(0, 25);
    let token: string | undefined;
    const seen: number[] = [];
    do {
      const page = paginate(items, q(`pageSize=10${token ? `&pageToken=${token}` : ""}`));
      seen.push(...page.items.map((i) => i.n));
      expect(page.remainingRecords).toBe(items.length - seen.length);
      token = page.nextPageToken;
    } while (token);
    expect(seen).toEqual(items.map((i) => i.n));
  });

  it("sorts on several keys with nulls last ascending", () => {
    const rows = [
      { seq: 1, a: "b", b: 2 },
      { seq: 2, a: null, b: 1 },
      { seq: 3, a: "a", b: 3 },
      { seq: 4, a: "b", b: 1 },
    ];
    const sortable = { a: (r: (typeof rows)[number]) => r.a, b: (r: (typeof rows)[number]) => r.b };
    expect(paginate(rows, q("sort=a,b desc"), { sortable }).items.map((r) => r.seq)).toEqual([3, 1, 4, 2]);
    expect(paginate(rows, q("sort=a desc"), { sortable }).items.map((r) => r.seq)).toEqual([2, 1, 4, 3]);
    try {
      paginate(rows, q("sort=c"), { sortable });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ProblemError);
      expect((err as ProblemError).parameters).toEqual({ sort: "c" });
    }
  });
});

describe("idempotency", () => {
  const path = "/api/test/items/x:touch";
  const send = (key: string, body: string, query = "") =>
    call(sb, "POST", `${path}${query}`, {
      headers: { "content-type": V4, accept: V4, "idempotency-key": key },
      body,
    });

  it("replays, conflicts and refuses reuse with another body", async () => {
    const first = await send("k-1", '{"a":1,"b":2}');
    const again = await send("k-1", '{ "b": 2, "a": 1 }');
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expectProblem(await send("k-1", '{"a":2}'), 422);

    const before = executions;
    const slow = send("k-slow", "{}", "?slow=1");
    while (executions === before) await new Promise((r) => setTimeout(r, 5));
    expectProblem(await send("k-slow", "{}", "?slow=1"), 409);
    releaseSlow?.();
    expect((await slow).status).toBe(201);
    expect((await send("k-slow", "{}", "?slow=1")).body.n).toBe((await slow).body.n);

    // Errors are not stored: the retry executes again.
    const failing = executions;
    expectProblem(await send("k-fail", "{}", "?fail=1"), 400);
    expectProblem(await send("k-fail", "{}", "?fail=1"), 400);
    expect(executions).toBe(failing + 2);

    expectProblem(await send("k".repeat(256), "{}"), 400);
  });

  it("forgets stored responses after 7 days", async () => {
    const first = await send("k-week", "{}");
    sb.state.clock.advance(7 * 24 * 3600 * 1000 + 1000);
    const later = await send("k-week", "{}");
    expect(later.body.n).toBeGreaterThan(first.body.n);
  });
});

describe("faults", () => {
  it("injects status errors with and without Retry-After", async () => {
    const injected = sb.faults.injected;
    sb.faults.add({
      kind: "status",
      status: 429,
      retryAfter: 2,
      match: { method: "GET", path: "/api/projects" },
    });
    const limited = await call(sb, "GET", "/api/projects");
    expectProblem(limited, 429);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect((await call(sb, "GET", "/api/projects")).status).toBe(200); // times defaults to 1

    sb.faults.add({ kind: "status", status: 503, times: 2, match: { operationId: "getProject" } });
    const unavailable = await call(sb, "GET", `/api/projects/${sb.seed.projects.rna}`);
    expectProblem(unavailable, 503);
    expect(unavailable.headers.get("retry-after")).toBeNull();
    expect((await call(sb, "GET", `/api/projects/${sb.seed.projects.rna}`)).status).toBe(503);
    expect((await call(sb, "GET", `/api/projects/${sb.seed.projects.rna}`)).status).toBe(200);

    // Faults hit the token endpoint too, and template paths match concrete ones.
    sb.faults.add({ kind: "status", status: 502, match: { path: "/api/tokens" } });
    expect((await mint(sb, { "x-api-key": KEY })).status).toBe(502);
    sb.faults.add({ kind: "status", status: 500, match: { path: "/api/projects/{projectId}" } });
    expect((await call(sb, "GET", `/api/projects/${sb.seed.projects.wgs}`)).status).toBe(500);
    expect(sb.faults.injected).toBe(injected + 5);
    expect(sb.faults.pending).toBe(0);
  });

  it("drops connections before or after executing", async () => {
    const path = "/api/test/items/drop:touch";
    const post = () =>
      fetch(`${sb.url}${path}`, {
        method: "POST",
        headers: { "x-api-key": KEY, "content-type": V3 },
        body: "{}",
      });
    const before = executions;
    sb.faults.add({ kind: "drop", match: { path } });
    await expect(post()).rejects.toThrow();
    expect(executions).toBe(before);
    sb.faults.add({ kind: "dropAfter", match: { path: /:touch$/ } });
    await expect(post()).rejects.toThrow();
    expect(executions).toBe(before + 1);
    const dropped = sb.exchanges.filter((e) => e.path === path && e.status === 0);
    expect(dropped).toHaveLength(2);
    expect(dropped.every((e) => e.injected)).toBe(true);
  });

  it("adds latency and serves proxy HTML pages", async () => {
    sb.faults.add({ kind: "latency", ms: 120, match: { path: "/api/system/info" } });
    const started = performance.now();
    expect((await call(sb, "GET", "/api/system/info")).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);

    sb.faults.add({ kind: "html", status: 502, match: { path: "/api/system/info" } });
    const html = await call(sb, "GET", "/api/system/info");
    expect(html.status).toBe(502);
    expect(html.headers.get("content-type")).toMatch(/^text\/html/);
    expect(html.text).toContain("<html>");
  });

  it("hangs until close() ends the connection", async () => {
    const hanging = await startSandbox();
    hanging.faults.add({ kind: "hang", times: Number.POSITIVE_INFINITY });
    const pending = fetch(`${hanging.url}/api/system/info`, { headers: { "x-api-key": KEY } });
    const outcome = pending.then(
      () => "answered",
      () => "failed",
    );
    while (hanging.requestLog.length === 0) await new Promise((r) => setTimeout(r, 5));
    await hanging.close();
    expect(await outcome).toBe("failed");
  });
});

describe("transport", () => {
  it("gzips large bodies when asked", async () => {
    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const req = httpRequest(
        `${sb.url}/api/projects`,
        { headers: { "x-api-key": KEY, "accept-encoding": "gzip" } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(raw.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(gunzipSync(raw.body).toString("utf8")).items.length).toBeGreaterThan(0);
    const small = await call(sb, "GET", "/api/system/info", { headers: { "accept-encoding": "gzip" } });
    expect(small.headers.get("content-encoding")).toBeNull();
  });

  it("records exchanges and the request log", async () => {
    const before = sb.requestLog.length;
    await call(sb, "POST", "/api/test/items/rec:touch", {
      headers: { "content-type": V3, accept: V3, "X-Custom-Header": "yes" },
      body: '{"hello":"world"}',
    });
    expect(sb.requestLog.length).toBe(before + 1);
    expect(sb.requestLog.at(-1)).toMatchObject({ method: "POST", path: "/api/test/items/rec:touch" });
    const ex = sb.exchanges.at(-1)!;
    expect(ex).toMatchObject({
      method: "POST",
      path: "/api/test/items/rec:touch",
      requestBody: { hello: "world" },
      status: 201,
      responseBody: { itemId: "rec", version: "v3" },
    });
    expect(ex.requestHeaders["x-custom-header"]).toBe("yes");
    expect(ex.responseHeaders["content-type"]).toBe(V3);
    expect(ex.injected).toBeUndefined();
    const listing = sb.exchanges.find((e) => e.path === "/api/projects" && e.query.length > 0)!;
    expect(listing.query.every((pair) => pair.length === 2)).toBe(true);
  });
});

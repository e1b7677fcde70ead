import { describe, expect, it } from "vitest";
import {
  IcaAbortError,
  IcaApiError,
  IcaAuthConfigError,
  IcaNetworkError,
  IcaResponseError,
  IcaTimeoutError,
} from "../src/ica/errors.js";
import { sandboxClient } from "./helpers/client.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();

const countOf = (method: string, suffix: string) =>
  sandbox().requestLog.filter((r) => r.method === method && r.path.endsWith(suffix)).length;

const listProjects = { method: "GET" as const, path: "/api/projects", query: { pageSize: "2" } };

describe("ICA client: auth", () => {
  it("exchanges the API key for a JWT once and reuses it", async () => {
    const ica = sandboxClient(sandbox());
    const mintsBefore = countOf("POST", "/api/tokens");
    await ica.request(listProjects);
    await ica.request(listProjects);
    await Promise.all([ica.request(listProjects), ica.request(listProjects), ica.request(listProjects)]);
    expect(countOf("POST", "/api/tokens") - mintsBefore).toBe(1);
    const last = sandbox().exchanges.at(-1)!;
    expect(last.requestHeaders.authorization).toMatch(/^Bearer eyJ/);
    expect(last.requestHeaders["x-api-key"]).toBeUndefined();
    await ica.close();
  });

  it("mints a new JWT when ICA answers 401 for an expired one, and the call still succeeds", async () => {
    const ica = sandboxClient(sandbox());
    await ica.request(listProjects);
    const mintsBefore = countOf("POST", "/api/tokens");
    sandbox().faults.expireTokens();
    const res = await ica.request<{ items: unknown[] }>(listProjects);
    expect(res.body.items.length).toBeGreaterThan(0);
    expect(countOf("POST", "/api/tokens") - mintsBefore).toBe(1);
    await ica.close();
  });

  it("uses a given access token directly, without minting", async () => {
    const minted = await sandboxClient(sandbox()).request<{ token: string }>({
      method: "POST",
      path: "/api/tokens",
      auth: { "x-api-key": TEST_API_KEY },
    });
    const ica = sandboxClient(sandbox(), { apiKey: undefined, accessToken: minted.body.token });
    const mintsBefore = countOf("POST", "/api/tokens");
    await ica.request(listProjects);
    expect(countOf("POST", "/api/tokens")).toBe(mintsBefore);
    expect(sandbox().exchanges.at(-1)!.requestHeaders.authorization).toBe(`Bearer ${minted.body.token}`);
    await ica.close();
  });

  it("falls back to the API key when the given token is rejected", async () => {
    const ica = sandboxClient(sandbox(), {
      accessToken: "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.bad-signature",
    });
    const res = await ica.request<{ items: unknown[] }>(listProjects);
    expect(res.status).toBe(200);
    await ica.close();
  });

  it("reports a rejected key as a configuration error naming ICA_API_KEY, without retrying", async () => {
    const ica = sandboxClient(sandbox(), { apiKey: "not-a-valid-key-123" });
    const before = countOf("POST", "/api/tokens");
    const err = await ica.request(listProjects).catch((e) => e);
    expect(err).toBeInstanceOf(IcaAuthConfigError);
    expect((err as IcaAuthConfigError).variable).toBe("ICA_API_KEY");
    expect(countOf("POST", "/api/tokens") - before).toBe(1);
    await ica.close();
  });

  it("names ICA_ACCESS_TOKEN when only a bad token is configured", async () => {
    const ica = sandboxClient(sandbox(), {
      apiKey: undefined,
      accessToken: "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.nope",
    });
    const err = await ica.request(listProjects).catch((e) => e);
    expect(err).toBeInstanceOf(IcaAuthConfigError);
    expect((err as IcaAuthConfigError).variable).toBe("ICA_ACCESS_TOKEN");
    await ica.close();
  });

  it("refuses to send anything without credentials", async () => {
    const ica = sandboxClient(sandbox(), { apiKey: undefined });
    const before = sandbox().requestLog.length;
    await expect(ica.request(listProjects)).rejects.toBeInstanceOf(IcaAuthConfigError);
    expect(sandbox().requestLog.length).toBe(before);
    await ica.close();
  });
});

describe("ICA client: media types and errors", () => {
  it("sends the vendor media type and reads the vendor response", async () => {
    const ica = sandboxClient(sandbox());
    const res = await ica.request(listProjects);
    expect(res.headers["content-type"]).toContain("application/vnd.illumina.v3+json");
    const ex = sandbox().exchanges.at(-1)!;
    expect(ex.requestHeaders.accept).toBe("application/vnd.illumina.v3+json");
    expect(ex.requestHeaders["user-agent"]).toMatch(/^ica-mcp\//);
    await ica.close();
  });

  it("turns a problem+json 404 into a typed error with title and detail", async () => {
    const ica = sandboxClient(sandbox());
    const err = await ica
      .request({
        method: "GET",
        path: "/api/projects/{projectId}",
        pathParams: { projectId: "no-such-project" },
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(IcaApiError);
    expect(err.status).toBe(404);
    expect(err.kind).toBe("not_found");
    expect(err.title.length).toBeGreaterThan(0);
    expect(err.detail).toContain("no-such-project");
    await ica.close();
  });

  it("asks for gzip and decodes it", async () => {
    const ica = sandboxClient(sandbox());
    const res = await ica.request<{ items: unknown[] }>({ ...listProjects, query: { pageSize: "50" } });
    expect(sandbox().exchanges.at(-1)!.requestHeaders["accept-encoding"]).toContain("gzip");
    expect(res.body.items.length).toBeGreaterThan(1);
    await ica.close();
  });
});

describe("ICA client: retries, timeouts, cancellation", () => {
  it("retries 429 bursts without Retry-After until the call succeeds", async () => {
    const ica = sandboxClient(sandbox());
    await ica.request(listProjects);
    const before = countOf("GET", "/api/projects");
    sandbox().faults.add({
      kind: "status",
      status: 429,
      times: 3,
      match: { method: "GET", path: "/api/projects" },
    });
    const res = await ica.request(listProjects);
    expect(res.status).toBe(200);
    expect(countOf("GET", "/api/projects") - before).toBe(4);
    await ica.close();
  });

  it("honours Retry-After on 429", async () => {
    const ica = sandboxClient(sandbox());
    await ica.request(listProjects);
    sandbox().faults.add({
      kind: "status",
      status: 429,
      retryAfter: 1,
      times: 1,
      match: { method: "GET", path: "/api/projects" },
    });
    const started = Date.now();
    await ica.request(listProjects);
    // Lower bound only: the client must not come back before ICA said it may.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    await ica.close();
  });

  it("retries a 429 on a POST too (ICA did not process it)", async () => {
    const ica = sandboxClient(sandbox(), { apiKey: TEST_API_KEY });
    sandbox().faults.add({
      kind: "status",
      status: 429,
      times: 2,
      match: { method: "POST", path: "/api/tokens" },
    });
    const before = countOf("POST", "/api/tokens");
    await ica.request(listProjects);
    expect(countOf("POST", "/api/tokens") - before).toBe(3);
    await ica.close();
  });

  it("retries 502/503/504 and dropped connections for GETs", async () => {
    const ica = sandboxClient(sandbox());
    await ica.request(listProjects);
    const before = countOf("GET", "/api/projects");
    const match = { method: "GET", path: "/api/projects" };
    sandbox().faults.add({ kind: "status", status: 502, times: 1, match });
    sandbox().faults.add({ kind: "status", status: 503, times: 1, match });
    sandbox().faults.add({ kind: "status", status: 504, times: 1, match });
    sandbox().faults.add({ kind: "drop", times: 1, match });
    const res = await ica.request(listProjects);
    expect(res.status).toBe(200);
    expect(countOf("GET", "/api/projects") - before).toBe(5);
    await ica.close();
  });

  it("does not retry a 503 on a create without an Idempotency-Key, and does with one", async () => {
    const ica = sandboxClient(sandbox());
    await ica.request(listProjects);
    const path = "/api/projects/{projectId}/analysis:nextflow";
    const concrete = "/api/projects/p-retry/analysis:nextflow";
    const body = { userReference: "retry-test", pipelineId: "x", analysisInput: { inputs: [] } };
    sandbox().faults.add({
      kind: "status",
      status: 503,
      times: 1,
      match: { method: "POST", path: concrete },
    });
    const err = await ica
      .request({ method: "POST", path, pathParams: { projectId: "p-retry" }, body, version: "v4" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(IcaApiError);
    expect(err.status).toBe(503);
    expect(countOf("POST", concrete)).toBe(1);

    sandbox().faults.add({
      kind: "status",
      status: 503,
      times: 1,
      match: { method: "POST", path: concrete },
    });
    await ica
      .request({
        method: "POST",
        path,
        pathParams: { projectId: "p-retry" },
        body,
        version: "v4",
        idempotencyKey: "k-1",
      })
      .catch(() => undefined); // the retried request reaches the sandbox; its answer does not matter here
    expect(countOf("POST", concrete)).toBe(3);
    expect(
      sandbox()
        .exchanges.filter((e) => e.path === concrete)
        .at(-1)!.requestHeaders["idempotency-key"],
    ).toBe("k-1");
    await ica.close();
  });

  it("turns a slow answer into a timeout error", async () => {
    const ica = sandboxClient(sandbox(), { timeoutMs: 200, retry: { maxAttempts: 1 } });
    await ica.request(listProjects);
    sandbox().faults.add({
      kind: "latency",
      ms: 1_500,
      times: 1,
      match: { method: "GET", path: "/api/projects" },
    });
    await expect(ica.request(listProjects)).rejects.toBeInstanceOf(IcaTimeoutError);
    await ica.close();
  });

  it("stops a hanging request when the caller cancels", async () => {
    const ica = sandboxClient(sandbox());
    await ica.request(listProjects);
    sandbox().faults.add({ kind: "hang", times: 1, match: { method: "GET", path: "/api/projects" } });
    const controller = new AbortController();
    const pending = ica.request({ ...listProjects, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toBeInstanceOf(IcaAbortError);
    await ica.close();
  });

  it("gives up on a persistent 502 HTML page from a proxy with a clear error", async () => {
    const ica = sandboxClient(sandbox(), { retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 } });
    await ica.request(listProjects);
    sandbox().faults.add({
      kind: "html",
      status: 502,
      times: 3,
      match: { method: "GET", path: "/api/projects" },
    });
    const err = await ica.request(listProjects).catch((e) => e);
    expect(err).toBeInstanceOf(IcaApiError);
    expect(err.status).toBe(502);
    expect(err.detail).toMatch(/proxy or gateway/);
    await ica.close();
  });

  it("reports an unreachable host as a network error", async () => {
    const ica = sandboxClient(sandbox(), {
      baseUrl: "http://127.0.0.1:1/ica/rest",
      retry: { maxAttempts: 2, baseDelayMs: 5 },
    });
    const err = await ica.request({ ...listProjects, auth: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(IcaNetworkError);
    expect(err.message).toContain("127.0.0.1:1");
    await ica.close();
  });

  it("refuses an HTML success page instead of parsing it", async () => {
    const ica = sandboxClient(sandbox(), { retry: { maxAttempts: 1 } });
    await ica.request(listProjects);
    sandbox().faults.add({
      kind: "html",
      status: 200,
      times: 1,
      match: { method: "GET", path: "/api/projects" },
    });
    await expect(ica.request(listProjects)).rejects.toBeInstanceOf(IcaResponseError);
    await ica.close();
  });
});

/** The most requests the sandbox saw in any sliding second from log index `start` on. */
function worstSecond(start: number): number {
  const times = sandbox()
    .requestLog.slice(start)
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

describe("ICA client: throttle", () => {
  it("requests that waited behind a full connection pool do not bunch up at ICA", async () => {
    // 40 per second, but the pool has 32 connections: while 32 slow answers hold them, the other requests
    // wait in the pool. Counting them from when they were let go made them leave together with the next
    // second's requests (48 in one second at ICA).
    const ica = sandboxClient(sandbox(), { maxRps: 40 });
    await ica.request(listProjects);
    const start = sandbox().requestLog.length;
    sandbox().faults.add({ kind: "latency", ms: 1_200, times: 32, match: { path: "/api/projects" } });
    await Promise.all(Array.from({ length: 90 }, () => ica.request(listProjects)));
    expect(sandbox().requestLog.length - start).toBe(90);
    expect(worstSecond(start)).toBeLessThanOrEqual(40);
    sandbox().faults.clear();
    await ica.close();
  });

  it("never lets more than maxRps requests into any sliding second", async () => {
    const ica = sandboxClient(sandbox(), { maxRps: 4 });
    await ica.request(listProjects); // mint first, so every later request is a listing
    const start = sandbox().requestLog.length;
    await Promise.all(Array.from({ length: 10 }, () => ica.request(listProjects)));
    const times = sandbox()
      .requestLog.slice(start)
      .map((r) => r.t)
      .sort((a, b) => a - b);
    expect(times.length).toBe(10);
    let worst = 0;
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length;
      worst = Math.max(worst, inWindow);
    }
    expect(worst).toBeLessThanOrEqual(4);
    await ica.close();
  });
});

import { describe, expect, it } from "vitest";
import { IcaAbortError } from "../src/ica/errors.js";
import { jwtExpiry } from "../src/ica/jwt.js";
import { SANDBOX_USER_EMAIL, SANDBOX_USER_PASSWORD } from "../src/sandbox/index.js";
import { sandboxClient } from "./helpers/client.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";

// Tokens live 60 s here; the client renews a token in the last fifth of its life (at most the last minute).
// The clients get a controllable clock, so "close to expiry" needs no sleeping (ICA's own clock is real).
const sandbox = useSandbox({ tokenTtlSeconds: 60 });
let clientNow = Date.now();
const now = () => clientNow;
const listProjects = { method: "GET" as const, path: "/api/projects", query: { pageSize: "1" } };
const count = (suffix: string) =>
  sandbox().requestLog.filter((r) => r.method === "POST" && r.path.endsWith(suffix)).length;
const lastAuth = () => sandbox().exchanges.at(-1)!.requestHeaders.authorization;

async function mint(headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${sandbox().url}/api/tokens`, {
    method: "POST",
    headers: { accept: "application/vnd.illumina.v3+json", ...headers },
  });
  return ((await res.json()) as { token: string }).token;
}

describe("a given ICA_ACCESS_TOKEN close to its expiry", () => {
  it("is refreshed where ICA allows it; otherwise used until rejected, or replaced from the key", async () => {
    const basic = Buffer.from(`${SANDBOX_USER_EMAIL}:${SANDBOX_USER_PASSWORD}`).toString("base64");
    const fromPassword = await mint({ authorization: `Basic ${basic}` });
    const fromKey = await mint({ "x-api-key": TEST_API_KEY });
    clientNow = Date.now();
    const refreshable = sandboxClient(sandbox(), { apiKey: undefined, accessToken: fromPassword, now });
    const onlyToken = sandboxClient(sandbox(), { apiKey: undefined, accessToken: fromKey, now });
    const withKey = sandboxClient(sandbox(), { accessToken: fromKey, now });

    // Fresh: used as given, nothing renewed.
    const refreshes = count("/api/tokens:refresh");
    await refreshable.request(listProjects);
    expect(lastAuth()).toBe(`Bearer ${fromPassword}`);
    expect(count("/api/tokens:refresh")).toBe(refreshes);

    // The clients' clock moves into the last fifth of the tokens' life (ICA still accepts them).
    clientNow = Math.max(jwtExpiry(fromPassword)!, jwtExpiry(fromKey)!) * 1000 - 5_000;

    await refreshable.request(listProjects);
    await refreshable.request(listProjects);
    expect(count("/api/tokens:refresh") - refreshes).toBe(1);
    expect(lastAuth()).toMatch(/^Bearer eyJ/);
    expect(lastAuth()).not.toBe(`Bearer ${fromPassword}`);

    await onlyToken.request(listProjects); // ICA refuses to refresh an API-key token: keep using it
    expect(lastAuth()).toBe(`Bearer ${fromKey}`);

    const mints = count("/api/tokens");
    await withKey.request(listProjects); // refresh refused, so a JWT is minted from the key
    expect(count("/api/tokens") - mints).toBe(1);
    expect(lastAuth()).not.toBe(`Bearer ${fromKey}`);
    await Promise.all([refreshable.close(), onlyToken.close(), withKey.close()]);
  });
});

describe("token renewal as a flight of its own (issue 11 item 5)", () => {
  const tokens = { method: "POST", path: "/api/tokens" };
  const refresh = { method: "POST", path: "/api/tokens:refresh" };

  it("a mint shared by several calls survives the first caller's cancellation", async () => {
    const ica = sandboxClient(sandbox());
    sandbox().faults.add({ kind: "latency", ms: 400, times: 1, match: tokens });
    const cancel = new AbortController();
    const first = ica.request({ ...listProjects, signal: cancel.signal });
    const second = ica.request(listProjects);
    const third = ica.request(listProjects);
    setTimeout(() => cancel.abort(), 100);
    await expect(first).rejects.toBeInstanceOf(IcaAbortError);
    expect((await second).status).toBe(200);
    expect((await third).status).toBe(200);
    await ica.close();
  });

  it("minting is retried like any safe request", async () => {
    const ica = sandboxClient(sandbox());
    const before = count("/api/tokens");
    sandbox().faults.add({ kind: "status", status: 503, times: 2, match: tokens });
    expect((await ica.request(listProjects)).status).toBe(200);
    expect(count("/api/tokens") - before).toBe(3);
    await ica.close();
  });

  it("a refresh that fails for a passing reason is retried, and never disables refreshing", async () => {
    const basic = Buffer.from(`${SANDBOX_USER_EMAIL}:${SANDBOX_USER_PASSWORD}`).toString("base64");
    const given = await mint({ authorization: `Basic ${basic}` });
    clientNow = Date.now();
    const ica = sandboxClient(sandbox(), { apiKey: undefined, accessToken: given, now });
    const refreshes = () => count("/api/tokens:refresh");
    clientNow = jwtExpiry(given)! * 1000 - 11_000; // due for renewal

    // Two 503s: the retries absorb them.
    let before = refreshes();
    sandbox().faults.add({ kind: "status", status: 503, times: 2, match: refresh });
    await ica.request(listProjects);
    expect(refreshes() - before).toBe(3);
    const renewed = lastAuth();
    expect(renewed).not.toBe(`Bearer ${given}`);

    // A new given token whose refresh keeps failing (503 beyond the retry budget): the call still works with
    // the given token, and refreshing is tried again later instead of being given up for good.
    const given2 = await mint({ authorization: `Basic ${basic}` });
    clientNow = Date.now();
    const ica2 = sandboxClient(sandbox(), {
      apiKey: undefined,
      accessToken: given2,
      now,
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10, maxTotalMs: 1_000 },
    });
    clientNow = jwtExpiry(given2)! * 1000 - 11_000;
    before = refreshes();
    const failing = sandbox().faults.add({ kind: "status", status: 503, times: 100, match: refresh });
    await ica2.request(listProjects);
    expect(lastAuth()).toBe(`Bearer ${given2}`);
    expect(refreshes() - before).toBe(2);
    await ica2.request(listProjects); // not due again yet: no new attempt
    expect(refreshes() - before).toBe(2);
    failing.remove();
    clientNow += 16_000;
    await ica2.request(listProjects);
    expect(refreshes() - before).toBe(3);
    expect(lastAuth()).not.toBe(`Bearer ${given2}`);
    await Promise.all([ica.close(), ica2.close()]);
  });

  it("a refresh that times out is not a refusal either", async () => {
    const basic = Buffer.from(`${SANDBOX_USER_EMAIL}:${SANDBOX_USER_PASSWORD}`).toString("base64");
    const given = await mint({ authorization: `Basic ${basic}` });
    clientNow = Date.now();
    const ica = sandboxClient(sandbox(), {
      apiKey: undefined,
      accessToken: given,
      now,
      timeoutMs: 300,
      retry: { maxAttempts: 1, baseDelayMs: 5, maxDelayMs: 10, maxTotalMs: 1_000 },
    });
    clientNow = jwtExpiry(given)! * 1000 - 11_000;
    const before = count("/api/tokens:refresh");
    sandbox().faults.add({ kind: "hang", times: 1, match: refresh });
    await ica.request(listProjects);
    expect(lastAuth()).toBe(`Bearer ${given}`);
    clientNow += 16_000;
    await ica.request(listProjects);
    expect(count("/api/tokens:refresh") - before).toBe(2);
    expect(lastAuth()).not.toBe(`Bearer ${given}`);
    await ica.close();
  });
});

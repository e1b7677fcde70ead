import { describe, expect, it } from "vitest";
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

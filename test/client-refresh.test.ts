import { describe, expect, it } from "vitest";
import { jwtExpiry } from "../src/ica/jwt.js";
import { SANDBOX_USER_EMAIL, SANDBOX_USER_PASSWORD } from "../src/sandbox/index.js";
import { sandboxClient } from "./helpers/client.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";

// Tokens live 5 s here; the client renews a token in the last fifth of its life (at most the last minute).
const sandbox = useSandbox({ tokenTtlSeconds: 5 });
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
    const refreshable = sandboxClient(sandbox(), { apiKey: undefined, accessToken: fromPassword });
    const onlyToken = sandboxClient(sandbox(), { apiKey: undefined, accessToken: fromKey });
    const withKey = sandboxClient(sandbox(), { accessToken: fromKey });

    // Fresh: used as given, nothing renewed.
    const refreshes = count("/api/tokens:refresh");
    await refreshable.request(listProjects);
    expect(lastAuth()).toBe(`Bearer ${fromPassword}`);
    expect(count("/api/tokens:refresh")).toBe(refreshes);

    // Into the last fifth of their life, but not expired yet.
    const due = Math.min(jwtExpiry(fromPassword)!, jwtExpiry(fromKey)!) * 1000 - 600;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));

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

/**
 * Team mode end to end: `--http` in-process, the SDK's StreamableHTTPClientTransport, the sandbox behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHttp, type TestHttp } from "./helpers/http.js";
import { textOf } from "./helpers/mcp.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
let http: TestHttp;
beforeAll(async () => {
  http = await startTestHttp(sandbox());
});
afterAll(async () => {
  await http?.close();
});

describe("--http serves the tools with the request's X-ICA-API-Key", () => {
  it("lists and calls tools; the key sent to ICA is the header's", async () => {
    const client = await http.connect({ "X-ICA-API-Key": TEST_API_KEY });
    const list = await client.listTools();
    expect(list.tools.map((t) => t.name)).toContain("ica_list_projects");
    const n = sandbox().exchanges.length;
    const res = await client.callTool({ name: "ica_list_projects", arguments: {} });
    expect(res.isError).toBeFalsy();
    expect(textOf(res)).toMatch(/project/);
    const minted = sandbox()
      .exchanges.slice(n)
      .filter((e) => e.path === "/api/tokens");
    expect(minted.length).toBeLessThanOrEqual(1);
    expect(
      sandbox()
        .exchanges.slice(n)
        .some((e) => e.path === "/api/projects"),
    ).toBe(true);
  });

  it("refuses a request without credentials (401) and says which header to send", async () => {
    const res = await fetch(http.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("X-ICA-API-Key");
  });

  it("answers an invalid key with an actionable isError result", async () => {
    const client = await http.connect({ "X-ICA-API-Key": "not-a-valid-sandbox-key" });
    const res = await client.callTool({ name: "ica_list_projects", arguments: {} });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain("ICA refused the API key");
    expect(textOf(res)).toContain("X-ICA-API-Key header of the request");
    expect(textOf(res)).not.toContain("environment");
  });
});

/**
 * Ids cannot change the endpoint (issue 12 item 5): dot segments in any path parameter, in any encoding, are
 * refused before anything is sent, and every built URL must stay on ICA's origin and below its base path.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { IcaClient } from "../../src/ica/client.js";
import { UserInputError } from "../../src/ica/errors.js";
import { apiUrl, buildPath } from "../../src/ica/url.js";
import { sandboxClient } from "../helpers/client.js";
import { type FakeIca, sendJson, startFakeIca } from "../helpers/fake-ica.js";
import { connectTools, textOf } from "../helpers/mcp.js";

const PROJECT = "11111111-2222-3333-4444-555555555555";
const DOT_FORMS = [
  ".",
  "..",
  "%2e",
  "%2e%2e",
  "%2E%2E",
  ".%2e",
  "%2e.",
  "%252e%252e",
  "a/../b",
  "..\\x",
  "x/.",
];
let fake: FakeIca | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("path parameters", () => {
  it("refuses dot segments in every encoding, with an actionable error naming the parameter", () => {
    for (const value of DOT_FORMS) {
      expect(
        () => buildPath("/api/projects/{projectId}/data/{dataId}", { projectId: PROJECT, dataId: value }),
        value,
      ).toThrow(/dataId .*dot segment/);
    }
    expect(() => buildPath("/api/projects/{projectId}", { projectId: ".." })).toThrow(UserInputError);
  });

  it("encodes everything else", () => {
    expect(
      buildPath("/api/data/{dataUrn}", { dataUrn: "urn:ilmn:ica:region:p:data:fil.1#/runs/a b.txt" }),
    ).toBe("/api/data/urn%3Ailmn%3Aica%3Aregion%3Ap%3Adata%3Afil.1%23%2Fruns%2Fa%20b.txt");
    expect(buildPath("/api/x/{id}", { id: "..." })).toBe("/api/x/...");
    expect(buildPath("/api/x/{id}", { id: "a?b#c" })).toBe("/api/x/a%3Fb%23c");
    expect(() => buildPath("/api/x/{id}", { id: "\ud800" })).toThrow(UserInputError);
  });

  it("ica_get_data with dataId '..' is an actionable error, and nothing but the token is requested", async () => {
    fake = await startFakeIca((_req, res) => sendJson(res, 200, { id: PROJECT, name: "not data" }));
    const c = await connectTools(fake.asSandbox(), { env: { ICA_PROJECT_ID: PROJECT } });
    for (const dataId of ["..", ".", "%2e%2e"]) {
      const res = await c.client.callTool({ name: "ica_get_data", arguments: { dataId } });
      expect(res.isError, dataId).toBe(true);
      expect(textOf(res)).toMatch(/dot segment/);
      expect(textOf(res)).not.toMatch(/Internal error/);
    }
    expect(fake.log.filter((r) => r.path !== "/api/tokens")).toEqual([]);
    await c.close();
  });
});

describe("built URLs stay on ICA", () => {
  it("a template starting with @host or //host never carries the Bearer token to another origin", async () => {
    let stolen = 0;
    const evil = createServer((req, res) => {
      if (req.headers.authorization) stolen++;
      res.end("{}");
    });
    await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
    const evilPort = (evil.address() as AddressInfo).port;
    fake = await startFakeIca((_req, res) => sendJson(res, 200, {}));
    // A base URL without a path: base + "@host/x" would be parsed as credentials@host.
    const ica = new IcaClient({
      baseUrl: new URL(fake.url).origin,
      apiKey: "k",
      maxRps: 100,
      timeoutMs: 2_000,
      useEnvProxy: false,
    });
    const templates = [
      `@127.0.0.1:${evilPort}/steal`,
      `//127.0.0.1:${evilPort}/steal`,
      `/@127.0.0.1:${evilPort}/../../steal`,
      "/api/projects/../tokens",
      "/api/%2e%2e/x",
      "api/projects",
      "/api/x?y=1",
      "/api\\x",
    ];
    for (const path of templates) {
      await expect(ica.request({ method: "GET", path }), path).rejects.toThrow(/refusing to send/);
    }
    expect(stolen).toBe(0);
    expect(fake.log.filter((r) => r.path !== "/api/tokens")).toEqual([]);
    await ica.close();
    await new Promise<void>((resolve) => evil.close(() => resolve()));
  });

  it("accepts ordinary templates below the base path", () => {
    const base = "https://ica.illumina.com/ica/rest";
    expect(apiUrl(base, "/api/projects/p1/analysis:search", "x").href).toBe(
      "https://ica.illumina.com/ica/rest/api/projects/p1/analysis:search",
    );
    expect(() => apiUrl(base, "/../api/x", "x")).toThrow(/dot segment/);
  });

  it("the sandbox still answers every ordinary call", async () => {
    fake = await startFakeIca((req, res) => sendJson(res, 200, { items: [], path: req.path }));
    const ica = sandboxClient(fake.asSandbox(), { apiKey: "k" });
    const res = await ica.request<{ path: string }>({
      method: "GET",
      path: "/api/projects/{projectId}/data/{dataId}",
      pathParams: { projectId: PROJECT, dataId: "fil.a b" },
    });
    expect(res.body.path).toBe(`/api/projects/${PROJECT}/data/fil.a%20b`);
    await ica.close();
  });
});

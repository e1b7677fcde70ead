/**
 * Every way out of the server passes the same redaction: tool results (values AND keys), resources, prompts and
 * errors, redacted before anything is cut; problem titles are scrubbed like details; presigned signatures in
 * ica_call_api results are masked. And the redaction cannot be poisoned into hiding ordinary words.
 * A hostile fake ICA echoes the Bearer token and the keys it is given wherever it can.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_SECRETS, registeredSecrets } from "../../src/redact.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type Connected, connectTools, textOf } from "../helpers/mcp.js";
import { type HostileIca, type Recorded, SPEC_YAML, startHostileIca } from "./hostile-ica.js";

const HAVE_SPEC = existsSync(SPEC_YAML);
const P = "0a0a0a0a-1111-4111-8111-aaaaaaaaaaaa";
/** 35 characters, as in the report: a cut at a length limit left 33 of them. */
const API_KEY = "Hk4mZq9Xw2Lc7Vb5Nt8Rs1Pd6Jf3Gy0AeUo";
const bearer = (r: Recorded) => String(r.headers.authorization ?? "").replace(/^Bearer /, "");

describe.skipIf(!HAVE_SPEC)("redaction on every path out (hostile fake ICA)", () => {
  let ica: HostileIca;
  let c: Connected;
  beforeAll(async () => {
    ica = await startHostileIca();
    const echoProject = (r: Recorded) => ({
      body: {
        id: P,
        name: `project ${bearer(r)}`,
        tags: { technicalTags: [bearer(r)], userTags: [], connectorTags: [] },
        [bearer(r)]: "a secret as a key",
        status: "FAILED",
      },
    });
    ica.route(`GET /api/projects/${P}`, echoProject);
    ica.route(`POST /api/projects/${P}/data/fil.1:createDownloadUrl`, {
      body: {
        url: `https://bucket.example/a.txt?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=${"f".repeat(64)}`,
      },
    });
    ica.route("GET /api/projects", {
      status: 400,
      body: { status: 400, title: "Bad", detail: `${"k".repeat(967)}${API_KEY}` },
    });
    c = await connectTools({ url: ica.url } as Sandbox, { env: { ICA_API_KEY: API_KEY } });
  });
  afterAll(async () => {
    await c?.close();
    await ica?.close();
  });

  it("resources/read of ica://projects/{id} does not echo the JWT ICA put in the name and tags", async () => {
    const read = await c.client.readResource({ uri: `ica://projects/${P}` });
    const text = (read.contents[0] as { text: string }).text;
    expect(ica.tokens.length).toBeGreaterThan(0);
    for (const token of ica.tokens) expect(text).not.toContain(token);
    expect(JSON.parse(text).name).toBe("project [REDACTED]");
  });

  it("a secret echoed as a JSON object key is redacted in ica_call_api results", async () => {
    const res = await c.client.callTool({
      name: "ica_call_api",
      arguments: { operationId: "getProject", path: { projectId: P } },
    });
    expect(res.isError, textOf(res)).toBeFalsy();
    const result = (res.structuredContent as { result: Record<string, unknown> }).result;
    expect(result["[REDACTED]"]).toBe("a secret as a key");
    for (const token of ica.tokens) expect(JSON.stringify(res)).not.toContain(token);
  });

  it("a key cut at ICA's length limit is still redacted (33 of its 35 characters were shown)", async () => {
    const res = await c.client.callTool({ name: "ica_list_projects", arguments: {} });
    expect(res.isError).toBe(true);
    expect(textOf(res)).not.toContain(API_KEY.slice(0, 12));
    expect(textOf(res)).toContain("k[REDACTED]");
  });

  it("presigned signatures in ica_call_api results are masked, and the summary says so", async () => {
    const res = await c.client.callTool({
      name: "ica_call_api",
      arguments: { operationId: "createDownloadUrlForData", path: { projectId: P, dataId: "fil.1" } },
    });
    expect(res.isError, textOf(res)).toBeFalsy();
    const s = res.structuredContent as { result: { url: string }; signaturesMasked?: boolean };
    expect(s.result.url).toBe(
      "https://bucket.example/a.txt?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]",
    );
    expect(s.signaturesMasked).toBe(true);
    expect(textOf(res)).not.toContain("ffffffff");
    expect(textOf(res).split("\n")[0]).toContain("presigned URL signatures are masked");
  });

  it("a problem title echoing the AWS secret is scrubbed like the detail", async () => {
    const secret = "Ab3x9"; // too short to register: only the scrub can catch it
    ica.route("POST /api/storageCredentials", (r) => {
      const keys = (r.body as { awsCredentials?: { secretAccessKey?: string } })?.awsCredentials;
      return {
        status: 400,
        body: {
          status: 400,
          title: `bad secret ${keys?.secretAccessKey}`,
          detail: `${keys?.secretAccessKey}`,
        },
      };
    });
    const res = await c.client.callTool({
      name: "ica_create_storage_credentials",
      arguments: { name: "cred", accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret },
    });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain("bad secret [REDACTED]");
    expect(textOf(res)).not.toContain(secret);
  });

  it("prompt arguments are redacted too", async () => {
    const token = ica.tokens[0]!;
    const prompt = await c.client.getPrompt({
      name: "launch_pipeline",
      arguments: { pipeline: "x", data: `s3://b/k?Signature=abc ${token}` },
    });
    const text = (prompt.messages[0]!.content as { text: string }).text;
    expect(text).not.toContain(token);
    expect(text).toContain("Signature=[REDACTED]");
  });
});

describe.skipIf(!HAVE_SPEC)("redaction cannot be poisoned", () => {
  let ica: HostileIca;
  let c: Connected;
  beforeAll(async () => {
    ica = await startHostileIca();
    ica.route(`GET /api/projects/${P}`, {
      body: { id: P, name: "p", status: "FAILED", password: "SUCCEEDED" },
    });
    c = await connectTools({ url: ica.url } as Sandbox);
  });
  afterAll(async () => {
    await c?.close();
    await ica?.close();
  });

  it('{password: "FAILED"} does not make later FAILED statuses show as [REDACTED]', async () => {
    const poisoned = await c.client.callTool({
      name: "ica_call_api",
      arguments: {
        operationId: "createFolder",
        path: { projectId: P },
        body: { name: "f", password: "FAILED" },
      },
    });
    expect(poisoned.isError).toBe(true);
    const res = await c.client.callTool({
      name: "ica_call_api",
      arguments: { operationId: "getProject", path: { projectId: P } },
    });
    const result = (res.structuredContent as { result: { status: string; password: string } }).result;
    expect(result.status).toBe("FAILED");
    expect(textOf(res)).toContain('"status":"FAILED"');
    // A word ICA returns under a secret-looking key is not learned either.
    expect(result.password).toBe("SUCCEEDED");
    expect(registeredSecrets()).not.toContain("FAILED");
  });

  it("values of a refused call are not registered, and the registry stays bounded", async () => {
    const before = registeredSecrets().length;
    const body: Record<string, string> = { name: "f" };
    for (let i = 0; i < 5_000; i++) body[`password${i}`] = `Rnd${i}x${Math.random().toString(36).slice(2)}Q`;
    const res = await c.client.callTool({
      name: "ica_call_api",
      arguments: { operationId: "createFolder", path: { projectId: P }, body },
    });
    expect(res.isError).toBe(true);
    expect(registeredSecrets().length).toBe(before);
    expect(registeredSecrets().length).toBeLessThanOrEqual(MAX_SECRETS);
  });
});

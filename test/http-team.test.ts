/**
 * Team mode over real HTTP with the SDK's StreamableHTTPClientTransport: what current clients do on GET and
 * DELETE /mcp, /healthz, Host and Origin checks, bounded bodies, narrowing headers, progress, errors,
 * redaction, confirmation tokens across two servers sharing ICA_CONFIRM_SECRET, and cancellation when the
 * client closes its request.
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { type FakeIca, sendJson, startFakeIca } from "./helpers/fake-ica.js";
import { startTestHttp, type TestHttp } from "./helpers/http.js";
import { textOf } from "./helpers/mcp.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
const KEY = { "X-ICA-API-Key": TEST_API_KEY };
const project = (name: string) => sandbox().state.projectByName(name)!;
const mcpPost = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const LIST = { jsonrpc: "2.0", id: 1, method: "tools/list" };

let http: TestHttp;
beforeAll(async () => {
  http = await startTestHttp(sandbox(), { env: { ICA_HTTP_ALLOWED_ORIGINS: "https://app.example.org" } });
});
afterAll(async () => {
  await http?.close();
});

describe("the endpoint as current clients use it", () => {
  it("answers GET and DELETE /mcp with 405 (stateless: no stream, no session), which the SDK client accepts", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(http.url, { method, headers: { accept: "text/event-stream", ...KEY } });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
    // The SDK client opens its standalone stream with GET after initialization; the 405 must not be an error.
    const errors: Error[] = [];
    const client = await http.connect(KEY);
    const transport = client.transport!;
    const previous = transport.onerror;
    transport.onerror = (e) => {
      errors.push(e);
      previous?.(e);
    };
    await client.listTools();
    await new Promise((r) => setTimeout(r, 100));
    expect(errors).toEqual([]);
    expect(http.handle.inFlight()).toBe(0);
  });

  it("serves /healthz to load balancers, whatever Host they use", async () => {
    const res = await fetch(`${http.handle.origin}/healthz`, { headers: { host: "10.1.2.3:8787" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("refuses a foreign Host (DNS rebinding) and a foreign Origin with 403", async () => {
    // fetch() sets Host itself: a raw request, as a rebinding page's browser would send it.
    const host = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        http.url,
        {
          method: "POST",
          headers: { host: "evil.example:8787", "content-type": "application/json", ...KEY },
        },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => {
            body += c.toString();
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify(LIST));
    });
    expect(host.status).toBe(403);
    expect(host.body).toContain("Host header");
    const origin = await mcpPost(http.url, LIST, { ...KEY, origin: "https://evil.example" });
    expect(origin.status).toBe(403);
    expect(origin.headers.get("access-control-allow-origin")).toBeNull();
    expect(await origin.text()).toContain("Origin");
    const allowed = await mcpPost(http.url, LIST, { ...KEY, origin: "https://app.example.org" });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.org");
    const preflight = await fetch(http.url, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.org", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("x-ica-api-key");
  });

  it("refuses bodies over the bound (413) and malformed JSON (400)", async () => {
    const big = await mcpPost(http.url, "x".repeat(1024 * 1024 + 10), KEY);
    expect(big.status).toBe(413);
    const bad = await mcpPost(http.url, "{not json", KEY);
    expect(bad.status).toBe(400);
  });

  it("refuses malformed credentials without echoing them", async () => {
    const res = await mcpPost(http.url, LIST, { "X-ICA-API-Key": "bad key with spaces" });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("X-ICA-API-Key");
    expect(text).not.toContain("bad key with spaces");
  });
});

describe("narrowing headers narrow, never widen", () => {
  const names = async (c: Awaited<ReturnType<TestHttp["connect"]>>) =>
    (await c.listTools()).tools.map((t) => t.name).sort();

  it("X-ICA-Tools keeps only the named tools; X-ICA-Read-Only: true drops every write tool", async () => {
    const some = await http.connect({ ...KEY, "X-ICA-Tools": "ica_list_projects, ica_get_project" });
    expect(await names(some)).toEqual(["ica_get_project", "ica_list_projects"]);
    const refused = await some.callTool({ name: "ica_list_data", arguments: {} });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain("Unknown tool");
    const ro = await http.connect({ ...KEY, "X-ICA-Read-Only": "true" });
    const roNames = await names(ro);
    expect(roNames).toContain("ica_list_projects");
    expect(roNames).not.toContain("ica_start_analysis");
    expect(roNames).not.toContain("ica_abort_analysis");
    const blank = await http.connect({ ...KEY, "X-ICA-Tools": " ", "X-ICA-Read-Only": "" });
    expect(await names(blank)).toContain("ica_start_analysis");
  });

  it("ignores what would widen the deployment's limits", async () => {
    const ceiling = await startTestHttp(sandbox(), {
      argv: ["--read-only", "--tools", "ica_list_projects,ica_get_project,ica_start_analysis"],
    });
    try {
      const c = await ceiling.connect({
        ...KEY,
        "X-ICA-Read-Only": "false",
        "X-ICA-Tools": "ica_list_projects,ica_start_analysis,ica_list_data",
      });
      expect(await names(c)).toEqual(["ica_list_projects"]);
    } finally {
      await ceiling.close();
    }
  });

  it("X-ICA-Allowed-Projects limits the projects, within the deployment's list", async () => {
    const wgs = project(SEED_PROJECTS.wgs).id;
    const training = project(SEED_PROJECTS.training).id;
    const c = await http.connect({ ...KEY, "X-ICA-Allowed-Projects": wgs });
    const listed = await c.callTool({ name: "ica_list_projects", arguments: {} });
    expect(JSON.stringify(listed.structuredContent)).toContain(wgs);
    expect(JSON.stringify(listed.structuredContent)).not.toContain(training);
    const other = await c.callTool({ name: "ica_get_project", arguments: { projectId: training } });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain("not in ICA_ALLOWED_PROJECTS");

    const ceiling = await startTestHttp(sandbox(), { env: { ICA_ALLOWED_PROJECTS: wgs } });
    try {
      const wider = await ceiling.connect({ ...KEY, "X-ICA-Allowed-Projects": `${wgs},${training}` });
      const res = await wider.callTool({ name: "ica_get_project", arguments: { projectId: training } });
      expect(res.isError).toBe(true);
      expect(textOf(res)).toContain("not in ICA_ALLOWED_PROJECTS");
      const ok = await wider.callTool({ name: "ica_get_project", arguments: { projectId: wgs } });
      expect(ok.isError).toBeFalsy();
    } finally {
      await ceiling.close();
    }
  });

  it("refuses invalid narrowing values clearly (400)", async () => {
    for (const [header, value, says] of [
      ["X-ICA-Read-Only", "maybe", "X-ICA-Read-Only"],
      ["X-ICA-Tools", "ica_list_projects,ica_no_such_tool", "unknown tools"],
      ["X-ICA-Allowed-Projects", "not-a-uuid", "project ids"],
      ["X-ICA-Tools", Array.from({ length: 70 }, () => "ica_list_projects").join(","), "too long"],
    ] as const) {
      const res = await mcpPost(http.url, LIST, { ...KEY, [header]: value });
      expect(res.status, header).toBe(400);
      expect(await res.text()).toContain(says);
    }
  });
});

describe("tool behaviour over the network", () => {
  it("delivers progress notifications within the request", async () => {
    const slow = sandbox().faults.add({
      kind: "latency",
      ms: 120,
      times: 5,
      match: { operationId: "searchAnalyses" },
    });
    const c = await http.connect(KEY);
    const progress: { progress: number; message?: string }[] = [];
    const res = await c.callTool(
      {
        name: "ica_list_analyses",
        arguments: { projectId: project(SEED_PROJECTS.wgs).id, maxItems: 100, pageSize: 20 },
      },
      undefined,
      { onprogress: (p) => progress.push(p) },
    );
    slow.remove();
    expect(res.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress[0]!.message).toMatch(/^collected 20 of \d+ analyses$/);
  });

  it("returns failures as actionable isError results", async () => {
    const c = await http.connect(KEY);
    const res = await c.callTool({
      name: "ica_get_project",
      arguments: { projectId: "00000000-0000-4000-8000-000000000000" },
    });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/404|not found/i);
    expect(textOf(res)).toContain("Next step");
  });

  it("redacts a secret ICA echoes back, registered in the identity's own scope", async () => {
    const c = await http.connect(KEY);
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYHTTPSECRET1";
    const args = { name: "http_bucket", accessKeyId: "AKIAIOSFODNNHTTP0001", secretAccessKey: secret };
    const first = await c.callTool({ name: "ica_create_storage_credentials", arguments: args });
    expect(first.isError).toBeFalsy();
    const again = await c.callTool({
      name: "ica_create_storage_credentials",
      arguments: { ...args, secretAccessKey: `${secret}X` },
    });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toContain("[REDACTED]");
    expect(textOf(again)).not.toContain(secret);
    const lease = http.handle.pool.lease({ apiKey: TEST_API_KEY });
    try {
      expect(lease.identity.scope.secrets.has(secret)).toBe(true);
    } finally {
      lease.release();
    }
  });
});

describe("confirmation in HTTP mode goes through confirmationToken", () => {
  const germline = (userReference: string) => ({
    projectId: project(SEED_PROJECTS.training).id,
    pipelineId: sandbox().state.pipelines.find((p) => p.code === "DRAGEN_Germline_4-3-6")!.id,
    userReference,
    inputs: [
      {
        parameterCode: "fastqs",
        dataIds: [
          "/tutorial/NA12878-chr20/NA12878_S1_L001_R1_001.fastq.gz",
          "/tutorial/NA12878-chr20/NA12878_S1_L001_R2_001.fastq.gz",
        ],
      },
      { parameterCode: "reference_tar", dataIds: ["/reference/dragen-hg38-chr20-v4-3.tar"] },
    ],
    parameters: [{ code: "sample_name", value: "NA12878" }],
  });

  it("a dry run's token from one replica launches on another sharing ICA_CONFIRM_SECRET; not on one without", async () => {
    const env = { ICA_CONFIRM: "required", ICA_CONFIRM_SECRET: "team-mode-confirm-secret-0001" };
    const a = await startTestHttp(sandbox(), { env });
    const b = await startTestHttp(sandbox(), { env });
    const lone = await startTestHttp(sandbox(), { env: { ICA_CONFIRM: "required" } });
    try {
      const ca = await a.connect(KEY);
      const cb = await b.connect(KEY);
      const cl = await lone.connect(KEY);
      const noToken = await cb.callTool({ name: "ica_start_analysis", arguments: germline("http-confirm") });
      expect(noToken.isError).toBe(true);
      expect(textOf(noToken)).toContain("cannot show a confirmation form");
      const dry = await ca.callTool({
        name: "ica_start_analysis",
        arguments: { ...germline("http-confirm"), dryRun: true },
      });
      const token = (dry.structuredContent as { confirmationToken?: string }).confirmationToken!;
      expect(token).toMatch(/^c1\./);
      const elsewhere = await cl.callTool({
        name: "ica_start_analysis",
        arguments: { ...germline("http-confirm"), confirmationToken: token },
      });
      expect(elsewhere.isError).toBe(true);
      expect(textOf(elsewhere)).toContain("issued by another server process");
      const launched = await cb.callTool({
        name: "ica_start_analysis",
        arguments: { ...germline("http-confirm"), confirmationToken: token },
      });
      expect(launched.isError).toBeFalsy();
      expect((launched.structuredContent as { outcome?: string }).outcome).toBe("started");
    } finally {
      await Promise.all([a.close(), b.close(), lone.close()]);
    }
  });
});

describe("cancellation and shutdown", () => {
  let fake: FakeIca;
  const hanging: { answered: boolean; closed: Promise<void> }[] = [];
  let arrived: () => void = () => {};
  beforeAll(async () => {
    fake = await startFakeIca((req, res) => {
      if (req.path !== "/api/projects") return;
      const closed = new Promise<void>((resolve) => res.on("close", () => resolve()));
      const entry = { answered: false, closed };
      hanging.push(entry);
      arrived();
      // Answers after 1.5 s unless the request is gone by then.
      return new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          entry.answered = true;
          sendJson(res, 200, { items: [], totalItemCount: 0 });
          resolve();
        }, 1_500);
        res.on("close", () => {
          clearTimeout(t);
          resolve();
        });
      });
    });
  });
  afterAll(async () => {
    await fake?.close();
  });
  const nextArrival = () => new Promise<void>((resolve) => (arrived = resolve));

  it("a client closing its request aborts the call: ICA's request is cancelled and the server lets go", async () => {
    const server = await startTestHttp(fake.asSandbox());
    try {
      const c = await server.connect(KEY);
      const came = nextArrival();
      const call = c.callTool({ name: "ica_list_projects", arguments: {} }).catch((e: unknown) => e);
      await came;
      expect(server.handle.inFlight()).toBe(1);
      await c.close();
      await call;
      // The upstream request was cut before its answer (1.5 s), and the server holds nothing any more.
      await hanging.at(-1)!.closed;
      expect(hanging.at(-1)!.answered).toBe(false);
      for (let i = 0; i < 50 && server.handle.inFlight() > 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(server.handle.inFlight()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it("on shutdown, an in-flight call still within the grace finishes with its result; new requests are refused", async () => {
    const server = await startTestHttp(fake.asSandbox());
    const c = await server.connect(KEY);
    const came = nextArrival();
    const call = c.callTool({ name: "ica_list_projects", arguments: {} });
    await came;
    const closing = server.handle.close(5_000);
    const health = await fetch(`${server.handle.origin}/healthz`).catch(() => undefined);
    if (health) expect(health.status).toBe(503);
    const res = await call;
    expect(res.isError).toBeFalsy();
    expect(textOf(res)).toMatch(/0 project/);
    await closing;
    await expect(fetch(`${server.handle.origin}/healthz`)).rejects.toThrow();
  });

  it("on shutdown, a call past the grace is cancelled: an isError result, and ICA's request is cut", async () => {
    const server = await startTestHttp(fake.asSandbox());
    const c = await server.connect(KEY);
    const came = nextArrival();
    const call = c.callTool({ name: "ica_list_projects", arguments: {} });
    await came;
    const upstream = hanging.at(-1)!;
    await server.handle.close(100);
    const res = await call;
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain("cancelled");
    await upstream.closed;
    expect(upstream.answered).toBe(false);
  });
});

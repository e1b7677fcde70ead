/**
 * `node dist/server.js --http` as a process: credentials in the environment refused unless --http-shared-key,
 * /healthz, and SIGTERM with a call in flight (it finishes, then the process exits 0).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeIca, sendJson, startFakeIca } from "./helpers/fake-ica.js";
import { childEnv, requireBuild, SERVER_ENTRY } from "./helpers/spawn.js";

interface Started {
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  exited: Promise<number | null>;
  origin?: string;
}

/** Spawns the built server and waits for its "ready on http://…/mcp" line (or its exit). */
async function startProcess(args: string[], env: Record<string, string>): Promise<Started> {
  requireBuild();
  const child = spawn(process.execPath, [SERVER_ENTRY, ...args], { env: childEnv(env), stdio: "pipe" });
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const origin = await new Promise<string | undefined>((resolve) => {
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      const m = /ready on (http:\/\/[^/\s]+)\/mcp/.exec(stderr);
      if (m) resolve(m[1]);
    });
    void exited.then(() => resolve(undefined));
    setTimeout(() => resolve(undefined), 15_000).unref();
  });
  void exited.then(() => {
    // stdout carries nothing in HTTP mode either.
    expect(stdout).toBe("");
  });
  return { child, stderr: () => stderr, exited, ...(origin ? { origin } : {}) };
}

let fake: FakeIca;
let arrived: () => void = () => {};
beforeAll(async () => {
  fake = await startFakeIca(async (req, res) => {
    if (req.path !== "/api/projects") return;
    arrived();
    await new Promise((r) => setTimeout(r, 1_000));
    sendJson(res, 200, { items: [], totalItemCount: 0 });
  });
});
afterAll(async () => {
  await fake?.close();
});

describe("ica-mcp --http as a process", () => {
  it("refuses to start with ICA_API_KEY in the environment, unless --http-shared-key", async () => {
    const refused = await startProcess(["--http", "--port", "0"], {
      ICA_BASE_URL: fake.url,
      ICA_API_KEY: "env-key-that-would-serve-everyone",
    });
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toContain("--http refuses to start with ICA_API_KEY set");
    expect(refused.stderr()).toContain("--http-shared-key");
    expect(refused.stderr()).not.toContain("env-key-that-would-serve-everyone");

    const shared = await startProcess(["--http", "--port", "0", "--http-shared-key"], {
      ICA_BASE_URL: fake.url,
      ICA_API_KEY: "env-key-that-serves-one-identity",
    });
    try {
      expect(shared.origin).toBeDefined();
      const health = await fetch(`${shared.origin}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      shared.child.kill("SIGTERM");
      expect(await shared.exited).toBe(0);
    }
  });

  it("refuses a wildcard address without a Host list; warns when ICA_CONFIRM_SECRET is unset or the address is not loopback", async () => {
    const wildcard = await startProcess(["--http", "--port", "0", "--host", "0.0.0.0"], {
      ICA_BASE_URL: fake.url,
    });
    expect(await wildcard.exited).toBe(1);
    expect(wildcard.stderr()).toContain("set ICA_HTTP_ALLOWED_HOSTS");
    const p = await startProcess(
      ["--http", "--port", "0", "--host", "0.0.0.0", "--http-allowed-hosts", "*"],
      { ICA_BASE_URL: fake.url },
    );
    try {
      expect(p.origin).toBeDefined();
      expect(p.stderr()).toContain("ICA_CONFIRM_SECRET is not set");
      expect(p.stderr()).toContain("is not a loopback address");
    } finally {
      p.child.kill("SIGTERM");
      await p.exited;
    }
  });

  it("on SIGTERM, stops accepting, lets the in-flight call finish, and exits 0", async () => {
    const p = await startProcess(["--http", "--port", "0"], { ICA_BASE_URL: fake.url });
    expect(p.origin).toBeDefined();
    const client = new Client({ name: "sigterm-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${p.origin}/mcp`), {
        requestInit: { headers: { "X-ICA-API-Key": "some-users-ica-key-0001" } },
      }),
    );
    const came = new Promise<void>((resolve) => (arrived = resolve));
    const call = client.callTool({ name: "ica_list_projects", arguments: {} });
    await came;
    p.child.kill("SIGTERM");
    const res = await call;
    expect(res.isError).toBeFalsy();
    expect(await p.exited).toBe(0);
    expect(p.stderr()).toContain("shutting down (SIGTERM)");
    await client.close().catch(() => {});
  });
});

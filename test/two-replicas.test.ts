import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxInWindow, startForwarder } from "./helpers/arrivals.js";
import { REDIS_SERVER, REDIS_SKIP_NOTICE, startRedis, type TestRedis } from "./helpers/redis.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";
import { childEnv, requireBuild, SERVER_ENTRY } from "./helpers/spawn.js";

/**
 * Two `ica-mcp --http` replicas (the built server, separate processes) behind a round-robin proxy, one identity,
 * many concurrent tool calls: with ICA_RATE_LIMIT_REDIS_URL the sandbox sees no sliding second above
 * ICA_MAX_REQUESTS_PER_SECOND across both; without it (the control) it sees the two budgets added up.
 */

if (!REDIS_SERVER) console.warn(REDIS_SKIP_NOTICE);

const LIMIT = 5;
const CALLS = 24;

interface Replica {
  child: ChildProcessWithoutNullStreams;
  origin: string;
  stderr(): string;
}

async function startReplica(env: Record<string, string>): Promise<Replica> {
  requireBuild();
  const child = spawn(process.execPath, [SERVER_ENTRY, "--http", "--port", "0"], {
    env: childEnv(env),
    stdio: "pipe",
  });
  let stderr = "";
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica did not start: ${stderr}`)), 20_000);
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
      const m = /ready on (http:\/\/127\.0\.0\.1:\d+)\/mcp/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`replica exited (${code}): ${stderr}`));
    });
  });
  return { child, origin, stderr: () => stderr };
}

const sandbox = useSandbox();

describe.skipIf(!REDIS_SERVER)("two --http replicas behind a round-robin proxy, one identity", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  /** Runs CALLS tool calls from three clients at once through the proxy; the ICA arrivals and where calls went. */
  async function run(env: Record<string, string>) {
    // A counter in front of the sandbox notes when each request reaches "ICA".
    const ica = await startForwarder([new URL(sandbox().url).origin]);
    const replicas = await Promise.all(
      [1, 2].map(() =>
        startReplica({
          ICA_BASE_URL: `${ica.origin}/ica/rest`,
          ICA_MAX_REQUESTS_PER_SECOND: String(LIMIT),
          ...env,
        }),
      ),
    );
    const proxy = await startForwarder(replicas.map((r) => r.origin));
    const clients: Client[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const client = new Client({ name: `replica-test-${i}`, version: "1.0.0" });
        await client.connect(
          new StreamableHTTPClientTransport(new URL(`${proxy.origin}/mcp`), {
            requestInit: { headers: { "X-ICA-API-Key": TEST_API_KEY } },
          }),
        );
        clients.push(client);
      }
      const before = ica.arrivals.length;
      const results = await Promise.all(
        Array.from({ length: CALLS }, (_, i) =>
          clients[i % clients.length]!.callTool({ name: "ica_list_projects", arguments: { pageSize: 1 } }),
        ),
      );
      const calls = proxy.arrivals.filter((a) => a.path === "/mcp");
      return {
        errors: results.filter((r) => r.isError).map((r) => JSON.stringify(r.content).slice(0, 300)),
        arrivals: ica.arrivals.slice(before),
        perReplica: [0, 1].map((i) => calls.filter((a) => a.upstream === i).length),
      };
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      for (const r of replicas) r.child.kill("SIGTERM");
      await proxy.close();
      await ica.close();
    }
  }

  it("keeps the identity within the limit in every sliding second across both replicas (shared Redis)", {
    timeout: 90_000,
  }, async () => {
    const { errors, arrivals, perReplica } = await run({ ICA_RATE_LIMIT_REDIS_URL: redis.url });
    expect(errors).toEqual([]);
    expect(perReplica.every((n) => n >= CALLS / 2 - 2)).toBe(true);
    // One GET per call, and a token minted by each replica.
    expect(arrivals.filter((a) => a.path === "/ica/rest/api/projects")).toHaveLength(CALLS);
    expect(maxInWindow(arrivals.map((a) => a.at))).toBeLessThanOrEqual(LIMIT);
  });

  it("(control) without Redis each replica throttles alone: together they exceed the limit", {
    timeout: 90_000,
  }, async () => {
    const { errors, arrivals } = await run({});
    expect(errors).toEqual([]);
    expect(maxInWindow(arrivals.map((a) => a.at))).toBeGreaterThan(LIMIT);
  });
});

#!/usr/bin/env node
// Team mode, side by side in one run: tool calls per second through one `ica-mcp --http` replica and through
// two (each behind the same loopback round-robin forwarder, sharing one Redis for the rate limit when
// redis-server is installed), with several identities and a high per-identity limit so that the limit is not
// what is measured (an untimed warm-up through each, then three timed runs each, interleaved); and the latency HTTP adds over stdio for one call (interleaved rounds). Loopback only,
// bounded in calls. Used by scripts/bench.mjs; runs alone as well:  node scripts/bench/http.mjs
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startSandbox } from "../../dist/sandbox/index.js";

const ENTRY = fileURLToPath(new URL("../../dist/server.js", import.meta.url));
const IDENTITIES = 8;
const KEYS = Array.from({ length: IDENTITIES }, (_, i) => `bench-http-key-${i}-${"x".repeat(8)}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(ICA_|ICAV2_|HTTPS?_PROXY|NO_PROXY)/i.test(k)) env[k] = v;
  return { ...env, ICA_LOG_LEVEL: "error", ...extra };
}

function waitFor(child, pattern, what) {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${text}`)), 20_000);
    const onData = (chunk) => {
      text += chunk;
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
  });
}

async function startRedis() {
  const bin = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((b) => existsSync(b));
  if (!bin) return undefined;
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(bin, [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ]);
  await waitFor(child, /Ready to accept connections/, "redis-server");
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill() };
}

async function startReplica(sb, redisUrl) {
  // Info level for the one line that says where it listens.
  const child = spawn(process.execPath, [ENTRY, "--http", "--port", "0"], {
    env: cleanEnv({
      ICA_BASE_URL: sb.url,
      ICA_MAX_REQUESTS_PER_SECOND: "1000",
      ICA_LOG_LEVEL: "info",
      ...(redisUrl ? { ICA_RATE_LIMIT_REDIS_URL: redisUrl } : {}),
    }),
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr.setEncoding("utf8");
  const m = await waitFor(child, /ready on (http:\/\/127\.0\.0\.1:\d+)\/mcp/, "ica-mcp --http");
  return { origin: m[1], stop: () => child.kill("SIGTERM") };
}

/** Round robin over `origins`, streamed both ways. */
async function startForwarder(origins) {
  let next = 0;
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? "/", origins[next++ % origins.length]);
    const out = httpRequest(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function httpClient(origin, key) {
  const client = new Client({ name: "bench-http", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
      requestInit: { headers: { "X-ICA-API-Key": key } },
    }),
  );
  return client;
}

/** `calls` tool calls, `concurrency` at a time, spread over the identities; calls per second. */
async function throughput(origin, projectId, { calls, concurrency }) {
  const clients = await Promise.all(
    Array.from({ length: concurrency }, (_, i) => httpClient(origin, KEYS[i % IDENTITIES])),
  );
  const call = (c) => c.callTool({ name: "ica_get_project", arguments: { projectId } });
  await Promise.all(clients.map(call)); // warm: tokens minted, connections open
  let left = calls;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      while (left-- > 0) if ((await call(c)).isError) failed++;
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  return { perSecond: calls / seconds, failed };
}

export async function printHttp(out, table, { calls = 600, concurrency = 16, rounds = 150 } = {}) {
  const sb = await startSandbox({ apiKeys: KEYS });
  const projectId = sb.seed?.projects?.wgs ?? [...sb.state.projects.values()][0].id;
  const redis = await startRedis();
  const replicas = [await startReplica(sb, redis?.url), await startReplica(sb, redis?.url)];
  const one = await startForwarder([replicas[0].origin]);
  const two = await startForwarder(replicas.map((r) => r.origin));
  try {
    // Interleaved: one, two, one, two, so that load on the machine hits both alike.
    const runs = { one: [], two: [] };
    let failed = 0;
    // An untimed run through each first: JIT, tokens of every identity minted on every replica.
    for (const fwd of [one, two]) await throughput(fwd.origin, projectId, { calls: 200, concurrency });
    const order = [
      ["one", one],
      ["two", two],
    ];
    for (let i = 0; i < 3; i++) {
      for (const [name, fwd] of i % 2 ? [...order].reverse() : order) {
        const r = await throughput(fwd.origin, projectId, { calls: Math.round(calls / 3), concurrency });
        runs[name].push(r.perSecond);
        failed += r.failed;
      }
    }

    // Latency of one call: stdio vs HTTP straight to one replica (no forwarder), interleaved rounds.
    const stdio = new Client({ name: "bench-stdio", version: "1.0.0" });
    await stdio.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [ENTRY],
        // The same rate limit as the replicas, so that only the transport differs.
        env: cleanEnv({
          ICA_BASE_URL: sb.url,
          ICA_API_KEY: KEYS[0],
          ICA_MAX_REQUESTS_PER_SECOND: "1000",
          ...(redis ? { ICA_RATE_LIMIT_REDIS_URL: redis.url } : {}),
        }),
        stderr: "ignore",
      }),
    );
    const http = await httpClient(replicas[0].origin, KEYS[0]);
    const call = (c) => c.callTool({ name: "ica_get_project", arguments: { projectId } });
    const lat = { stdio: [], http: [], diff: [] };
    // The order alternates every round, so that neither side always runs right after the other.
    for (let i = 0; i < rounds + 20; i++) {
      const took = {};
      for (const [name, c] of i % 2
        ? [
            ["http", http],
            ["stdio", stdio],
          ]
        : [
            ["stdio", stdio],
            ["http", http],
          ]) {
        const t0 = performance.now();
        await call(c);
        took[name] = performance.now() - t0;
      }
      if (i < 20) continue; // warm-up
      lat.stdio.push(took.stdio);
      lat.http.push(took.http);
      lat.diff.push(took.http - took.stdio);
    }
    await stdio.close();
    await http.close();

    const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
    out(
      `## Team mode (--http): ${calls} calls of ica_get_project per setup, ${concurrency} clients over ${IDENTITIES} identities, ` +
        `limit 1000/s per identity, ${redis ? "rate limit shared in Redis" : "no Redis (redis-server not installed): each replica throttles alone"}; ` +
        "both setups behind the same loopback round-robin forwarder",
    );
    table(
      ["measure", "figure"],
      [
        [
          "calls per second, one replica",
          `${mean(runs.one).toFixed(0)} (runs: ${runs.one.map((x) => x.toFixed(0)).join(", ")})`,
        ],
        [
          "calls per second, two replicas",
          `${mean(runs.two).toFixed(0)} (runs: ${runs.two.map((x) => x.toFixed(0)).join(", ")})`,
        ],
        ["failed calls", String(failed)],
        [
          `one call, stdio vs HTTP (one replica, no forwarder; ${rounds} interleaved rounds)`,
          `median ${median(lat.stdio).toFixed(2)} ms vs ${median(lat.http).toFixed(2)} ms: HTTP adds ${median(lat.diff).toFixed(2)} ms (median per round); p95 ${p95(lat.stdio).toFixed(2)} vs ${p95(lat.http).toFixed(2)} ms`,
        ],
      ],
    );
  } finally {
    await one.close();
    await two.close();
    for (const r of replicas) r.stop();
    redis?.stop();
    await sb.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = (s = "") => process.stdout.write(`${s}\n`);
  const table = (headers, rows) => {
    out(`| ${headers.join(" | ")} |`);
    out(`|${headers.map(() => "---").join("|")}|`);
    for (const r of rows) out(`| ${r.join(" | ")} |`);
    out();
  };
  await printHttp(out, table);
}

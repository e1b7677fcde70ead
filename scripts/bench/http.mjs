#!/usr/bin/env node
// Team mode, one replica: `node scripts/bench/http.mjs` after `npm run build`. Spawns `dist/server.js --http`
// and `dist/server.js` (stdio) in front of one sandbox and
// 1. calls ica_get_project alternately over stdio and over HTTP (one identity): the added latency of HTTP;
// 2. drives the HTTP replica with CLIENTS concurrent clients spread over IDENTITIES keys for SECONDS: calls
//    per second through one replica (several identities, so the per-identity throttle is not what is measured).
// Loopback only, bounded in count and time; asserts nothing.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startSandbox } from "../../dist/sandbox/index.js";

const ENTRY = fileURLToPath(new URL("../../dist/server.js", import.meta.url));
const IDENTITIES = 8;
const CLIENTS = 16;
const SECONDS = 5;
const ROUNDS = 200;
const keys = Array.from({ length: IDENTITIES }, (_, i) => `bench-key-${i}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

const sb = await startSandbox({ apiKeys: keys });
const projectId = sb.state.projects.all()[0].id;
const env = {
  PATH: process.env.PATH ?? "",
  ICA_BASE_URL: sb.url,
  ICA_LOG_LEVEL: "info",
  ICA_MAX_REQUESTS_PER_SECOND: "1000",
};

const child = spawn(process.execPath, [ENTRY, "--http", "--port", "0"], {
  env,
  stdio: ["ignore", "ignore", "pipe"],
});
const origin = await new Promise((resolve, reject) => {
  let err = "";
  child.stderr.on("data", (c) => {
    err += c;
    const m = /ready on (http:\/\/[^/\s]+)\/mcp/.exec(err);
    if (m) resolve(m[1]);
  });
  child.on("exit", () => reject(new Error(`the HTTP server exited: ${err}`)));
});
const httpClient = async (key) => {
  const c = new Client({ name: "bench-http", version: "1.0.0" });
  await c.connect(
    new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
      requestInit: { headers: { "X-ICA-API-Key": key } },
    }),
  );
  return c;
};
const stdio = new Client({ name: "bench-stdio", version: "1.0.0" });
await stdio.connect(
  new StdioClientTransport({
    command: process.execPath,
    args: [ENTRY],
    env: { ...env, ICA_API_KEY: keys[0] },
    stderr: "ignore",
  }),
);
const http = await httpClient(keys[0]);
const call = (c) => c.callTool({ name: "ica_get_project", arguments: { projectId } });

const times = { stdio: [], http: [] };
for (let i = 0; i < 20 + ROUNDS; i++) {
  for (const [name, c] of i % 2
    ? [
        ["stdio", stdio],
        ["http", http],
      ]
    : [
        ["http", http],
        ["stdio", stdio],
      ]) {
    const t0 = performance.now();
    await call(c);
    if (i >= 20) times[name].push(performance.now() - t0);
  }
}
const gap = times.http.map((t, i) => t - times.stdio[i]);

const clients = await Promise.all(
  Array.from({ length: CLIENTS }, (_, i) => httpClient(keys[i % IDENTITIES])),
);
await Promise.all(clients.map(call));
let done = 0;
const until = performance.now() + SECONDS * 1000;
await Promise.all(
  clients.map(async (c) => {
    while (performance.now() < until) {
      await call(c);
      done++;
    }
  }),
);

const f = (n) => `${n.toFixed(2)} ms`;
process.stdout.write(
  [
    `| HTTP vs stdio, ica_get_project, ${ROUNDS} interleaved calls | stdio median ${f(median(times.stdio))}, HTTP median ${f(median(times.http))} (p95 ${f(p95(times.http))}); added by HTTP: median ${f(median(gap))} |`,
    `| calls per second through one replica (${CLIENTS} clients, ${IDENTITIES} identities, ${SECONDS} s) | ${(done / SECONDS).toFixed(0)} calls/s |`,
    "",
  ].join("\n"),
);
await Promise.all([...clients, http, stdio].map((c) => c.close().catch(() => {})));
child.kill("SIGTERM");
await sb.close();

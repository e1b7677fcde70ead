// Cold start, side by side in one run: spawn to the first tools/list answer for ica-mcp (the bundled
// dist/server.js), a bare SDK stdio server (scripts/bench/startup-bare-server.mjs) and the generic
// OpenAPI-to-MCP server a user would pick instead (@ivotoby/openapi-mcp-server loaded with ICA's document).
// The peer is installed on demand into a temporary folder (never a project dependency) and removed afterwards.
// Runs are interleaved (the order rotates every round) so that load on the machine hits all servers alike;
// the ratio is the figure that holds across machines. Used by scripts/bench.mjs; runs alone as well:
//   node scripts/bench/startup.mjs [runs]
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const PEER = "@ivotoby/openapi-mcp-server";
export const PEER_VERSION = "1.16.1";
const root = fileURLToPath(new URL("../../", import.meta.url));
const ICA_DOCUMENT = join(root, "../shared/ica-openapi/openapi_public.json");
const BARE = fileURLToPath(new URL("./startup-bare-server.mjs", import.meta.url));
const ENTRY = join(root, "dist/server.js");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Installs the peer into a fresh temporary folder; returns its entry file and a cleanup. */
function installPeer(log) {
  const dir = mkdtempSync(join(tmpdir(), "ica-mcp-bench-peer-"));
  log(`installing ${PEER}@${PEER_VERSION} into ${dir} (temporary) …`);
  execFileSync(
    "npm",
    ["install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", `${PEER}@${PEER_VERSION}`],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  return {
    entry: join(dir, "node_modules", PEER, "bin", "mcp-server.js"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Spawns one server and resolves with the milliseconds from spawn to its tools/list answer. */
export function timeToToolsList(command, args, env, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: "pipe" });
    let buffer = "";
    let stderr = "";
    let tools = 0;
    const send = (msg) => child.stdin.write(`${JSON.stringify(msg)}\n`);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `${args.at(0)}: no tools/list answer within ${timeoutMs} ms; stderr: ${stderr.slice(-500)}`,
        ),
      );
    }, timeoutMs);
    const finish = (err, value) => {
      clearTimeout(timer);
      child.stdin.end();
      child.kill("SIGTERM");
      if (err) reject(err);
      else resolve(value);
    };
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", (err) => finish(err));
    child.on("exit", (code) => {
      if (tools === 0)
        finish(new Error(`${args.at(0)} exited (${code}) before tools/list; stderr: ${stderr.slice(-500)}`));
    });
    child.stdout.on("data", (d) => {
      buffer += d;
      let nl = buffer.indexOf("\n");
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf("\n");
        let msg;
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        if (msg.id === 1) {
          send({ jsonrpc: "2.0", method: "notifications/initialized" });
          send({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });
        } else if (msg.id === 2) {
          tools = msg.result?.tools?.length ?? 0;
          finish(undefined, { ms: performance.now() - t0, tools });
        }
      }
    });
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "bench", version: "1" },
      },
    });
  });
}

/**
 * Measures the servers `runs` times each, interleaved. Returns rows { name, tools, median, min, max, runs }
 * and the ratio ica-mcp / peer (undefined when the peer could not run).
 */
export async function benchStartup({ runs = 15, log = (s) => process.stderr.write(`${s}\n`) } = {}) {
  const servers = [
    {
      name: "ica-mcp (dist/server.js)",
      key: "ours",
      command: process.execPath,
      args: [ENTRY],
      // No network at start: the key is exchanged on the first call, which this bench never makes.
      env: {
        ICA_API_KEY: "bench-unused-key",
        ICA_BASE_URL: "http://127.0.0.1:9/ica/rest",
        ICA_LOG_LEVEL: "error",
      },
    },
    {
      name: "ica-mcp --sandbox",
      key: "sandbox",
      command: process.execPath,
      args: [ENTRY, "--sandbox"],
      env: { ICA_LOG_LEVEL: "error" },
    },
    { name: "bare SDK stdio server (1 tool)", key: "bare", command: process.execPath, args: [BARE], env: {} },
  ];
  let peer;
  if (!existsSync(ICA_DOCUMENT)) {
    log(`skipping ${PEER}: ICA's document ${ICA_DOCUMENT} is absent`);
  } else {
    try {
      peer = installPeer(log);
      servers.push({
        name: `${PEER} ${PEER_VERSION} with ICA's document`,
        key: "peer",
        command: process.execPath,
        args: [peer.entry],
        env: {
          API_BASE_URL: "http://127.0.0.1:9/ica/rest",
          OPENAPI_SPEC_PATH: ICA_DOCUMENT,
          API_HEADERS: "X-API-Key:bench-unused-key",
        },
      });
    } catch (err) {
      log(`skipping ${PEER}: npm install failed (${err.message.split("\n")[0]})`);
    }
  }
  try {
    const samples = new Map(servers.map((s) => [s.key, []]));
    const toolCounts = new Map();
    for (const s of servers) await timeToToolsList(s.command, s.args, s.env); // warm the file cache
    for (let round = 0; round < runs; round++) {
      for (let i = 0; i < servers.length; i++) {
        const s = servers[(round + i) % servers.length];
        const { ms, tools } = await timeToToolsList(s.command, s.args, s.env);
        samples.get(s.key).push(ms);
        toolCounts.set(s.key, tools);
      }
    }
    const rows = servers.map((s) => {
      const xs = samples.get(s.key);
      return {
        key: s.key,
        name: s.name,
        tools: toolCounts.get(s.key),
        median: median(xs),
        min: Math.min(...xs),
        max: Math.max(...xs),
        runs: xs.length,
      };
    });
    const by = (k) => rows.find((r) => r.key === k);
    const ratio = by("peer") ? by("ours").median / by("peer").median : undefined;
    return { rows, ratio };
  } finally {
    peer?.cleanup();
  }
}

/** Prints the section of `npm run bench`. */
export async function printStartup(out, table, options) {
  const { rows, ratio } = await benchStartup(options);
  const ms = (n) => `${n.toFixed(0)} ms`;
  out(`## Cold start: spawn to the first tools/list answer (${rows[0].runs} interleaved runs each)`);
  table(
    ["server", "tools", "median", "min–max"],
    rows.map((r) => [r.name, r.tools, ms(r.median), `${ms(r.min)}–${ms(r.max)}`]),
  );
  if (ratio !== undefined) {
    out(`ica-mcp / peer: ${ratio.toFixed(2)}× (goal: at most 0.5×) ${ratio <= 0.5 ? "— met" : "— NOT met"}`);
    out();
  }
  return { rows, ratio };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = (s = "") => process.stdout.write(`${s}\n`);
  const table = (headers, rows) => {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
    const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
    out(line(headers));
    out(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    for (const r of rows) out(line(r));
    out();
  };
  await printStartup(out, table, { runs: Number(process.argv[2] ?? 15) });
}

// Per-call overhead, interleaved: each round calls ica_get_project through ica-mcp, get_project through a
// bare SDK stdio server (bare-server.mjs) sending the same upstream request, the same bare server sending a
// plain GET (the baseline of earlier benches), and the same GET straight to the upstream, one after the other,
// so that load on the machine hits all of them alike. Returns table rows; asserts nothing.
// BENCH_CPU_PROF=<dir> starts the bare servers with --cpu-prof (bench.mjs does the same for ica-mcp).
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { request } from "undici";

const BARE = fileURLToPath(new URL("./bare-server.mjs", import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
const ms = (n) => `${n.toFixed(2)} ms`;

/** node arguments that write a CPU profile into BENCH_CPU_PROF, when it is set. */
export const profileArgs = () =>
  process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];

async function bareServer(sb, key, plain) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...profileArgs(), BARE],
    env: {
      PATH: process.env.PATH ?? "",
      ICA_BASE_URL: sb.url,
      ICA_API_KEY: key,
      ...(plain ? { BARE_PLAIN: "1" } : {}),
    },
    stderr: "ignore",
  });
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** `client`: an SDK client connected to ica-mcp over stdio. */
export async function perCall({ client, sb, key, projectId, rounds = 300, warmup = 30 }) {
  const bare = await bareServer(sb, key, false);
  const plain = await bareServer(sb, key, true);
  const token = (
    await (
      await request(`${sb.url}/api/tokens`, { method: "POST", headers: { "x-api-key": key } })
    ).body.json()
  ).token;
  const paths = {
    ica: () => client.callTool({ name: "ica_get_project", arguments: { projectId } }),
    bare: () => bare.callTool({ name: "get_project", arguments: { projectId } }),
    plain: () => plain.callTool({ name: "get_project", arguments: { projectId } }),
    direct: async () => {
      const res = await request(`${sb.url}/api/projects/${projectId}`, {
        headers: { authorization: `Bearer ${token}`, accept: "application/vnd.illumina.v3+json" },
      });
      await res.body.text();
    },
  };
  const times = { ica: [], bare: [], plain: [], direct: [] };
  const order = Object.keys(paths);
  for (let i = 0; i < warmup + rounds; i++) {
    // Rotate who goes first, so no path always runs on a warm (or cold) event loop.
    for (let k = 0; k < order.length; k++) {
      const name = order[(i + k) % order.length];
      const t0 = performance.now();
      await paths[name]();
      if (i >= warmup) times[name].push(performance.now() - t0);
    }
  }
  await bare.close();
  await plain.close();
  const gap = times.ica.map((t, i) => t - times.bare[i]);
  const plainGap = times.ica.map((t, i) => t - times.plain[i]);
  return {
    rounds,
    gap: median(gap),
    plainGap: median(plainGap),
    rows: [
      ["ica-mcp (ica_get_project over stdio)", ms(median(times.ica)), ms(p95(times.ica))],
      ["bare SDK stdio server, the same GET (gzip)", ms(median(times.bare)), ms(p95(times.bare))],
      ["bare SDK stdio server, a plain GET (no gzip)", ms(median(times.plain)), ms(p95(times.plain))],
      ["direct HTTP, a plain GET (no MCP)", ms(median(times.direct)), ms(p95(times.direct))],
      ["ica-mcp minus bare server, same GET (per round)", ms(median(gap)), ms(p95(gap))],
      ["ica-mcp minus bare server, plain GET (per round)", ms(median(plainGap)), ms(p95(plainGap))],
    ],
  };
}

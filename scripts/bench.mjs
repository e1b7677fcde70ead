// `npm run bench`: figures for the README's performance section. Prints tables; asserts nothing.
// Everything runs on loopback against the embedded sandbox; request loops are bounded.
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { request } from "undici";
import { startSandbox } from "../dist/sandbox/index.js";
import { ALL_TOOLS } from "../dist/tools/index.js";
import { perCall, profileArgs } from "./bench/per-call.mjs";
import { printStartup } from "./bench/startup.mjs";

const ENTRY = fileURLToPath(new URL("../dist/server.js", import.meta.url));
const KEY = "sandbox-api-key";
const out = (s = "") => process.stdout.write(`${s}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n) => `${n.toFixed(1)} ms`;
const kb = (n) => `${(n / 2 ** 20).toFixed(0)} MB`;

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
  out(line(headers));
  out(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) out(line(r));
  out();
}

function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kbValue = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kbValue * 1024;
  } catch {
    return Number.NaN;
  }
}

async function connect(sb, extraEnv = {}, nodeArgs = []) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...nodeArgs, ENTRY],
    env: {
      PATH: process.env.PATH ?? "",
      ICA_BASE_URL: sb.url,
      ICA_API_KEY: KEY,
      ICA_LOG_LEVEL: "error",
      ...extraEnv,
    },
    stderr: "ignore",
  });
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(transport);
  return { client, pid: transport.pid, close: () => client.close() };
}

const TOOLSETS = [
  ["projects", /project/],
  ["analyses", /analys(is|es)(?!_stor)|wait_for/],
  ["pipelines & launch", /pipeline|storage(?!_cred)|start_analysis/],
  ["data", /_data|download/],
  ["credentials", /credential/],
  ["samples & jobs", /sample|job/],
  ["api catalogue", /_api$/],
];

const has = (name) => ALL_TOOLS.some((t) => t.name === name);

async function main() {
  const sb = await startSandbox({ apiKeys: [KEY] });
  const wgs = sb.seed?.projects?.wgs ?? [...sb.state.projects.values()][0].id;
  out(`# ica-mcp benchmark — ${new Date().toISOString()}`);
  out(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
  );
  out();

  // 1. tools/list size. Overhead and load use a high throttle so that they measure ica-mcp, not the limit.
  const { client, pid, close } = await connect(sb, { ICA_MAX_REQUESTS_PER_SECOND: "1000" }, profileArgs());
  const throttled = await connect(sb);
  const rssAtStart = rssOf(pid);
  const { tools } = await client.listTools();
  const bytesOf = (list) => Buffer.byteLength(JSON.stringify({ tools: list }));
  const rows = TOOLSETS.map(([name, re]) => {
    const set = tools.filter((t) => re.test(t.name));
    return [name, set.length, bytesOf(set), Math.round(bytesOf(set) / 4)];
  });
  rows.push(["default set (all)", tools.length, bytesOf(tools), Math.round(bytesOf(tools) / 4)]);
  out("## tools/list size");
  table(["toolset", "tools", "bytes", "≈ tokens"], rows);

  // 2. per-call overhead: ica-mcp, a bare SDK stdio server and direct HTTP, interleaved (bench/per-call.mjs)
  const overhead = await perCall({ client, sb, key: KEY, projectId: wgs });
  out(
    `## Per-call overhead (${overhead.rounds} interleaved rounds of ica_get_project, a bare SDK server's get_project sending the same GET and a plain one, and GET /api/projects/{id}; goal: ica-mcp within 0.5 ms of the bare server)`,
  );
  table(["path", "median", "p95"], overhead.rows);

  // 3. cold start and memory
  const starts = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const c = await connect(sb);
    await c.client.listTools();
    starts.push(performance.now() - t0);
    await c.close();
  }
  const memory = [
    ["after start", kb(rssAtStart)],
    ["after the overhead rounds", kb(rssOf(pid))],
  ];

  // 4. auto-paging throughput (needs ica_list_analyses): sustained, 1,000 analyses through consecutive
  // auto-paging calls that continue where the previous one stopped, under the default throttle.
  const throughput = [];
  if (has("ica_list_analyses")) {
    const TARGET = 1000;
    const PAGE = 25;
    for (const mode of ["cursor", "offset"]) {
      let collected = 0;
      let requests = 0;
      let next = mode === "cursor" ? {} : { pageOffset: 0, sort: "reference" };
      const t0 = performance.now();
      while (collected < TARGET) {
        const res = await throttled.client.callTool({
          name: "ica_list_analyses",
          arguments: { projectId: wgs, maxItems: 100, pageSize: PAGE, ...next },
        });
        const sc = res.structuredContent ?? {};
        const got = sc.items?.rows?.length ?? 0;
        collected += got;
        requests += Math.ceil(got / PAGE);
        if (mode === "cursor" && sc.nextPageToken) next = { pageToken: sc.nextPageToken };
        else if (mode === "offset" && sc.nextPageOffset !== undefined)
          next = { pageOffset: sc.nextPageOffset, sort: "reference" };
        else break;
      }
      const seconds = (performance.now() - t0) / 1000;
      throughput.push([
        mode,
        `${(collected / seconds).toFixed(0)} analyses/s`,
        `${requests} requests in ${seconds.toFixed(1)} s`,
        `${10 * PAGE} analyses/s`,
      ]);
    }
    for (let i = 0; i < 10; i++) {
      await client.callTool({
        name: "ica_list_analyses",
        arguments: { projectId: wgs, maxItems: 100, pageSize: 100 },
      });
    }
    memory.push(["after 10 auto-paging runs of 100 analyses", kb(rssOf(pid))]);
  }

  // 5. load: bounded concurrent mixed calls, twice, to see whether memory keeps growing
  const mixed = ["ica_list_projects", "ica_get_project", "ica_list_analyses", "ica_list_data"].filter(has);
  for (let round = 1; round <= 6; round++) {
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const name = mixed[i % mixed.length];
        const args =
          name === "ica_list_projects"
            ? { pageSize: 5 }
            : { projectId: wgs, ...(name === "ica_get_project" ? {} : { pageSize: 10 }) };
        return client.callTool({ name, arguments: args });
      }),
    );
    memory.push([
      `after load round ${round} (300 concurrent calls, ${ms(performance.now() - t0)})`,
      kb(rssOf(pid)),
    ]);
  }

  // A leak check: with the heap capped, a leak would crash the server or keep its memory climbing.
  const capped = await connect(sb, { ICA_MAX_REQUESTS_PER_SECOND: "1000" }, ["--max-old-space-size=48"]);
  const cappedRss = [];
  for (let round = 1; round <= 20; round++) {
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        capped.client.callTool({
          name: mixed[i % mixed.length],
          arguments: mixed[i % mixed.length] === "ica_list_projects" ? { pageSize: 5 } : { projectId: wgs },
        }),
      ),
    );
    if (round % 5 === 0) cappedRss.push(`${(rssOf(capped.pid) / 2 ** 20).toFixed(0)} MB`);
  }
  await capped.close();
  memory.push([
    "with the heap capped at 48 MB, after 1,500 / 3,000 / 4,500 / 6,000 calls",
    cappedRss.join(" / "),
  ]);

  out("## Cold start and memory");
  table(
    ["measure", "value"],
    [
      ["start → first tools/list (median of 5)", ms(median(starts))],
      ...memory.map(([k, v]) => [`resident memory ${k}`, v]),
    ],
  );

  if (throughput.length) {
    out("## Auto-paging throughput (1,000 analyses, pageSize 25, default throttle of 10 requests/s)");
    table(["mode", "throughput", "requests", "throttle ceiling"], throughput);
  }

  // 6. result economy: bytes returned to the model per item vs ICA's raw JSON
  const economy = [];
  if (has("ica_list_analyses")) {
    const before = sb.exchanges?.length ?? 0;
    const res = await client.callTool({
      name: "ica_list_analyses",
      arguments: { projectId: wgs, pageSize: 100 },
    });
    economy.push(await economyRow(sb, "analysis", res, wgs, "analysis:search", before));
  }
  if (has("ica_list_data")) {
    const res = await client.callTool({
      name: "ica_list_data",
      arguments: { projectId: wgs, pageSize: 100 },
    });
    economy.push(await economyRow(sb, "data item", res, wgs, "/data", 0));
  }
  if (economy.length) {
    out("## Result economy (one page of 100)");
    table(["item", "to the model (text + structured)", "ICA raw JSON", "ratio"], economy);
  }
  await close();
  await throttled.close();
  await sb.close();

  // 7. cold start side by side with a bare SDK server and the generic OpenAPI peer (scripts/bench/startup.mjs)
  await printStartup(out, table, { runs: Number(process.env.BENCH_STARTUP_RUNS ?? 15) });
}

async function economyRow(sb, label, res, projectId, pathPart) {
  const items = res.structuredContent?.items?.rows ?? [];
  const text = res.content?.map((c) => c.text ?? "").join("") ?? "";
  const toModel = Buffer.byteLength(text) + Buffer.byteLength(JSON.stringify(res.structuredContent ?? {}));
  // Ask the sandbox for the same page the way the guide's curl does, and weigh it.
  const token = (
    await (
      await request(`${sb.url}/api/tokens`, { method: "POST", headers: { "x-api-key": KEY } })
    ).body.json()
  ).token;
  const url =
    pathPart === "analysis:search"
      ? `${sb.url}/api/projects/${projectId}/analysis:search?pageSize=100`
      : `${sb.url}/api/projects/${projectId}/data?pageSize=100`;
  const raw = await request(url, {
    method: pathPart === "analysis:search" ? "POST" : "GET",
    headers: {
      authorization: `Bearer ${token}`,
      accept: "application/vnd.illumina.v3+json",
      ...(pathPart === "analysis:search" ? { "content-type": "application/vnd.illumina.v3+json" } : {}),
    },
    body: pathPart === "analysis:search" ? "{}" : undefined,
  });
  const rawText = await raw.body.text();
  const rawItems = JSON.parse(rawText).items?.length || 1;
  const perModel = toModel / Math.max(1, items.length);
  const perRaw = Buffer.byteLength(rawText) / rawItems;
  return [
    label,
    `${perModel.toFixed(0)} B/item`,
    `${perRaw.toFixed(0)} B/item`,
    `${(perRaw / perModel).toFixed(1)}× smaller`,
  ];
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

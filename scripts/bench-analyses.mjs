// `npm run bench:analyses`: collecting every analysis of the seeded WGS project (2,000 analyses) through
// ica_list_analyses (the MCP server over stdio) versus the plain HTTP calls of the ICA guide's curl/jq example
// (GET …/analyses?pageOffset=0 for totalItemCount, then sorted offset pages). Prints tables; asserts nothing.
// Everything runs on loopback against the embedded sandbox. ICA_MCP_DIST points at another build (default dist/).
import { fileURLToPath, pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { request } from "undici";

const DIST = process.env.ICA_MCP_DIST
  ? pathToFileURL(`${process.env.ICA_MCP_DIST.replace(/\/+$/, "")}/`)
  : new URL("../dist/", import.meta.url);
const { startSandbox } = await import(new URL("sandbox/index.js", DIST).href);
const ENTRY = fileURLToPath(new URL("server.js", DIST));
const KEY = "sandbox-api-key";
const PAGE_SIZE = 100;
const out = (s = "") => process.stdout.write(`${s}\n`);
const bytes = (s) => Buffer.byteLength(s);

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
  out(line(headers));
  out(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) out(line(r));
  out();
}

async function connect(sb, env) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [ENTRY],
    env: {
      PATH: process.env.PATH ?? "",
      ICA_BASE_URL: sb.url,
      ICA_API_KEY: KEY,
      ICA_LOG_LEVEL: "error",
      ...env,
    },
    stderr: "ignore",
  });
  const client = new Client({ name: "bench-analyses", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** Every analysis through the tool: calls with maxItems, following the continuation until done. */
async function viaTool(sb, projectId, env, label) {
  const client = await connect(sb, env);
  await client.listTools();
  const requestsBefore = sb.requestLog.length;
  const t0 = performance.now();
  const ids = [];
  let toModel = 0;
  let textOnly = 0;
  let calls = 0;
  let pageToken;
  for (;;) {
    const res = await client.callTool({
      name: "ica_list_analyses",
      arguments: { projectId, maxItems: 500, pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) },
    });
    calls++;
    if (res.isError) throw new Error(res.content?.[0]?.text ?? "tool error");
    const text = res.content.map((c) => c.text ?? "").join("");
    textOnly += bytes(text);
    toModel += bytes(text) + bytes(JSON.stringify(res.structuredContent));
    ids.push(...res.structuredContent.items.map((i) => i.id));
    pageToken = res.structuredContent.nextPageToken;
    if (!res.structuredContent.truncated || !pageToken) break;
  }
  const wall = performance.now() - t0;
  await client.close();
  return {
    label,
    wall,
    calls,
    requests: sb.requestLog.length - requestsBefore,
    items: ids.length,
    unique: new Set(ids).size,
    toModel,
    textOnly,
  };
}

/** The guide's example: totalItemCount from pageOffset=0, then offset pages sorted by reference. */
async function viaGuide(sb, projectId) {
  const requestsBefore = sb.requestLog.length;
  const t0 = performance.now();
  const headers = { "x-api-key": KEY, accept: "application/vnd.illumina.v3+json" };
  const get = async (query) => {
    const res = await request(`${sb.url}/api/projects/${projectId}/analyses?${query}`, { headers });
    return res.body.text();
  };
  let rawBytes = 0;
  const first = await get("pageOffset=0");
  rawBytes += bytes(first);
  const total = JSON.parse(first).totalItemCount;
  const ids = [];
  let printed = 0;
  for (let offset = 0; offset < total; offset += PAGE_SIZE) {
    const text = await get(`pageOffset=${offset}&pageSize=${PAGE_SIZE}&sort=reference`);
    rawBytes += bytes(text);
    const items = JSON.parse(text).items;
    ids.push(...items.map((a) => a.id));
    printed += items.reduce((n, a) => n + bytes(`${a.reference}\n`), 0); // what `jq '.items[] | .reference'` prints
  }
  return {
    label: "guide's curl/jq loop (no throttle)",
    wall: performance.now() - t0,
    calls: "-",
    requests: sb.requestLog.length - requestsBefore,
    items: ids.length,
    unique: new Set(ids).size,
    rawBytes,
    printed,
  };
}

/**
 * The raw baseline for bytes per analysis: ICA's JSON from the endpoint ica_list_analyses calls
 * (POST …/analysis:search, src/ica/api/analyses.ts), cursor-paged like the tool, 100 per page.
 */
async function rawViaSearch(sb, projectId) {
  const headers = {
    "x-api-key": KEY,
    accept: "application/vnd.illumina.v3+json",
    "content-type": "application/vnd.illumina.v3+json",
  };
  let rawBytes = 0;
  let items = 0;
  let pageToken;
  do {
    const query = `pageSize=${PAGE_SIZE}${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""}`;
    const res = await request(`${sb.url}/api/projects/${projectId}/analysis:search?${query}`, {
      method: "POST",
      headers,
      body: "{}",
    });
    const text = await res.body.text();
    rawBytes += bytes(text);
    const page = JSON.parse(text);
    items += page.items.length;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return { rawBytes, items };
}

async function main() {
  const sb = await startSandbox({ apiKeys: [KEY] });
  const projectId = sb.seed.projects.wgs;
  const total = sb.state.analyses.where((a) => a.projectId === projectId).length;
  out(`# ica_list_analyses vs the guide's HTTP loop — ${total} analyses in the seeded WGS project`);
  out();
  const runs = [
    await viaTool(sb, projectId, {}, "ica_list_analyses, default throttle (10 req/s)"),
    await viaTool(
      sb,
      projectId,
      { ICA_MAX_REQUESTS_PER_SECOND: "1000" },
      "ica_list_analyses, throttle 1000 req/s",
    ),
  ];
  const guide = await viaGuide(sb, projectId);
  const ms = (n) => `${n.toFixed(0)} ms`;
  table(
    ["path", "wall time", "tool calls", "HTTP requests", "analyses", "distinct"],
    [...runs, guide].map((r) => [r.label, ms(r.wall), r.calls, r.requests, r.items, r.unique]),
  );
  const perTool = runs[0].toModel / runs[0].items;
  const perText = runs[0].textOnly / runs[0].items;
  const search = await rawViaSearch(sb, projectId);
  const perRaw = search.rawBytes / search.items;
  out("## Bytes per analysis");
  table(
    ["what", "bytes/analysis", "vs ICA raw JSON"],
    [
      ["ICA raw JSON of POST …/analysis:search (the endpoint the tool calls)", perRaw.toFixed(0), "1.0×"],
      [
        "ICA raw JSON of GET …/analyses (v3 items, as the guide's curl receives them)",
        (guide.rawBytes / guide.items).toFixed(0),
        "-",
      ],
      [
        "ica_list_analyses result (text + structuredContent)",
        perTool.toFixed(0),
        `${(perRaw / perTool).toFixed(1)}× smaller`,
      ],
      [
        "ica_list_analyses text only (what most clients show the model)",
        perText.toFixed(0),
        `${(perRaw / perText).toFixed(1)}× smaller`,
      ],
      ["printed by the guide's jq (references only)", (guide.printed / guide.items).toFixed(0), "-"],
    ],
  );
  out(
    "Notes: the tool returns at most 100 analyses per call (each call's result stays near 27 KB), following nextPageToken; the tool's request count includes one token mint (the guide's loop sends the API key on every request). Cursor paging lists every analysis exactly once; the guide's offset loop does not guarantee that while analyses are added.",
  );
  await sb.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

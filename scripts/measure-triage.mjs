// `node scripts/measure-triage.mjs` (after `npm run build`): "which of last week's analyses failed, and why?"
// answered against the sandbox's triage week (WGS cohort, 2026-10-25 to 2026-11-01, 20 failures) the way
// an assistant does it today (ica_list_analyses, then ica_get_analysis_steps per failure) and with
// ica_summarize_analyses (diagnose: true) plus one ica_diagnose_analysis. Counts tool calls and the bytes
// of text the model reads (tokens estimated as bytes / 4). Runs `ica-mcp --sandbox` over stdio; loopback only.
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const ENTRY = fileURLToPath(new URL("../dist/server.js", import.meta.url));
const SINCE = "2026-10-25";
const UNTIL = "2026-11-01";
const out = (s = "") => process.stdout.write(`${s}\n`);

const transport = new StdioClientTransport({
  command: process.execPath,
  args: [ENTRY, "--sandbox"],
  env: { PATH: process.env.PATH ?? "", ICA_LOG_LEVEL: "error" },
  stderr: "ignore",
});
const client = new Client({ name: "measure-triage", version: "1" });
await client.connect(transport);

let calls = 0;
let textBytes = 0;
async function call(name, args) {
  const res = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
  if (res.isError) throw new Error(`${name}: ${res.content?.[0]?.text}`);
  calls++;
  const bytes = (res.content ?? []).reduce((n, c) => n + Buffer.byteLength(c.text ?? ""), 0);
  textBytes += bytes;
  return { s: res.structuredContent, bytes };
}
function reset() {
  const r = { calls, bytes: textBytes };
  calls = 0;
  textBytes = 0;
  return r;
}

const projects = (await call("ica_list_projects", { search: "WGS-Germline" })).s;
const projectId = (projects.items ?? projects.rows?.map((r) => ({ id: r[0] })) ?? [])[0]?.id;
if (!projectId) throw new Error("no WGS project in the sandbox");
reset();

// Today: one listing of recent failures (sorted by start), then the steps of each failure in the week.
const listed = await call("ica_list_analyses", {
  projectId,
  status: ["FAILED", "FAILED_FINAL"],
  sort: "startDate desc",
  maxItems: 100,
});
const items =
  listed.s.items ?? listed.s.rows?.map((r) => Object.fromEntries(listed.s.columns.map((c, i) => [c, r[i]])));
const sinceMs = Date.parse(`${SINCE}T00:00:00Z`);
const untilMs = Date.parse(`${UNTIL}T00:00:00Z`);
const inWeek = items.filter(
  (a) => a.startDate && Date.parse(a.startDate) >= sinceMs && Date.parse(a.startDate) < untilMs,
);
for (const a of inWeek)
  await call("ica_get_analysis_steps", { projectId, analysisId: a.id, failedOnly: true });
const today = reset();

// New: one summary with diagnoses, then one diagnosis for the failure the user asks about.
const summary = await call("ica_summarize_analyses", {
  projectId,
  since: SINCE,
  until: UNTIL,
  diagnose: true,
});
const one = await call("ica_diagnose_analysis", { projectId, analysisId: inWeek[0].id });
const next = reset();
const windowed = await call("ica_list_analyses", {
  projectId,
  status: ["FAILED", "FAILED_FINAL"],
  since: SINCE,
  until: UNTIL,
});
reset();

const tokens = (b) => Math.round(b / 4).toLocaleString("en-US");
out(
  `Week ${SINCE} to ${UNTIL} in the sandbox's WGS cohort: ${summary.s.total} analyses, ${inWeek.length} failed.`,
);
out();
out("| Approach | Tool calls | Result text (bytes) | ≈ tokens |");
out("|---|---:|---:|---:|");
out(
  `| Today: ica_list_analyses + ica_get_analysis_steps per failure | ${today.calls} | ${today.bytes.toLocaleString("en-US")} | ${tokens(today.bytes)} |`,
);
out(
  `| ica_summarize_analyses (diagnose: true) + one ica_diagnose_analysis | ${next.calls} | ${next.bytes.toLocaleString("en-US")} | ${tokens(next.bytes)} |`,
);
out(
  `| … of which ica_summarize_analyses (${summary.s.failures.rows.length} failures classified, ${summary.s.requests} ICA requests) | 1 | ${summary.bytes.toLocaleString("en-US")} | ${tokens(summary.bytes)} |`,
);
out(
  `| … of which one ica_diagnose_analysis (${one.s.failureClass}, ${one.s.requests} ICA requests) | 1 | ${one.bytes.toLocaleString("en-US")} | ${tokens(one.bytes)} |`,
);
out(
  `| ica_list_analyses with since/until (the failures only, no causes) | 1 | ${windowed.bytes.toLocaleString("en-US")} | ${tokens(windowed.bytes)} |`,
);
await client.close();
process.exit(0);

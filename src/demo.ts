/**
 * `npm run demo`: starts the built server with --sandbox and drives it with the MCP SDK Client through a
 * short, realistic session, printing each call and a short view of its result. This file is a client of
 * the server, so printing to stdout is its job.
 */

import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { type Table, tableRows } from "./tools/columnar.js";

/** A columnar list of a result as objects (lists are `{columns, rows}`; see src/tools/columnar.ts). */
function itemsOf(result: { structuredContent?: Record<string, unknown> }, key = "items") {
  const t = result.structuredContent?.[key] as Table | undefined;
  return t && Array.isArray(t.rows) ? tableRows(t) : undefined;
}

type Result = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content?: { type: string; text?: string }[];
};
type Step = {
  title: string;
  tool: string;
  args: (memo: Record<string, unknown>) => Record<string, unknown>;
  after?: (r: Result, memo: Record<string, unknown>) => void;
};

const out = (line: string) => process.stdout.write(`${line}\n`);

/** Longest value shown in a list line; longer ones are cut with a visible "…". */
const VALUE_CHARS = 40;
/** Longest rendering of one field of a single result. */
const FIELD_CHARS = 110;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Compact JSON of at most about `budget` characters, cut only between fields or items (marked "…"), so what is
 * shown is always well-formed apart from the mark.
 */
export function brief(value: unknown, budget: number): string {
  if (typeof value === "string") return JSON.stringify(cut(value, VALUE_CHARS));
  if (value === null || typeof value !== "object") return String(JSON.stringify(value));
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v) => [undefined, v] as const) : Object.entries(value);
  const [open, close] = isArray ? ["[", "]"] : ["{", "}"];
  const parts: string[] = [];
  let used = 2;
  for (const [key, child] of entries) {
    const label = key === undefined ? "" : `${JSON.stringify(key)}:`;
    const room = budget - used - label.length - 2;
    const text = room > 4 ? `${label}${brief(child, room)}` : "";
    if (!text || used + text.length + 1 > budget) {
      parts.push("…");
      break;
    }
    parts.push(text);
    used += text.length + 1;
  }
  return `${open}${parts.join(",")}${close}`;
}

function preview(result: Result, maxLines = 8): string {
  const text = result.content?.find((c) => c.type === "text")?.text ?? "";
  const [summary = ""] = text.split("\n", 1);
  const lines = [`  ${result.isError ? "ERROR" : "ok"}: ${summary}`];
  if (result.isError) {
    lines.push(
      ...text
        .split("\n")
        .slice(1, maxLines)
        .map((l) => `    ${l}`),
    );
    return lines.join("\n");
  }
  const structured = result.structuredContent ?? {};
  const items = itemsOf(result);
  const steps = itemsOf(result, "steps") as
    | { name: string; status: string; exitCode?: number; stderrTail?: string }[]
    | undefined;
  if (steps) {
    for (const step of steps.filter((s) => s.status === "FAILED")) {
      lines.push(`    - ${step.name} FAILED, exit code ${step.exitCode ?? "?"}; end of stderr:`);
      for (const l of (step.stderrTail ?? "").trimEnd().split("\n").slice(-4))
        lines.push(`        ${cut(l, FIELD_CHARS)}`);
    }
  } else if (items) {
    for (const item of items.slice(0, 5)) {
      const shown = Object.entries(item)
        .filter(([, v]) => typeof v !== "object")
        .slice(0, 5)
        .map(([k, v]) => `${k}=${cut(String(v), VALUE_CHARS)}`)
        .join("  ");
      lines.push(`    - ${shown}`);
    }
    if (items.length > 5) lines.push(`    … ${items.length - 5} more`);
  } else {
    const fields = Object.entries(structured);
    for (const [key, value] of fields.slice(0, maxLines)) {
      lines.push(
        `    ${key}: ${typeof value === "object" && value !== null ? brief(value, FIELD_CHARS) : cut(String(value), FIELD_CHARS)}`,
      );
    }
    if (fields.length > maxLines)
      lines.push(`    … ${fields.length - maxLines} more field${fields.length - maxLines === 1 ? "" : "s"}`);
  }
  return lines.join("\n");
}

export const DEMO_STEPS: Step[] = [
  {
    title: "Find the projects",
    tool: "ica_list_projects",
    args: () => ({ pageSize: 5 }),
    after: (r, memo) => {
      const items = itemsOf(r) as { id: string; name: string }[];
      memo.projectId = items.find((p) => /WGS/i.test(p.name))?.id ?? items[0]?.id;
    },
  },
  {
    title: "Failed analyses, cursor paging (the default)",
    tool: "ica_list_analyses",
    args: (m) => ({ projectId: m.projectId, status: ["FAILED", "FAILED_FINAL"], pageSize: 5 }),
    after: (r, memo) => {
      const items = itemsOf(r) as { id: string }[] | undefined;
      memo.failedId = items?.[0]?.id;
    },
  },
  {
    title: "The same, sorted by reference (offset paging)",
    tool: "ica_list_analyses",
    args: (m) => ({
      projectId: m.projectId,
      status: ["FAILED", "FAILED_FINAL"],
      sort: "reference desc",
      pageSize: 5,
    }),
  },
  {
    title: "Why did it fail? Steps and the tail of stderr",
    tool: "ica_get_analysis_steps",
    args: (m) => ({ projectId: m.projectId, analysisId: m.failedId, failedOnly: true }),
  },
  {
    title: "Register S3 credentials (the secret never comes back)",
    tool: "ica_create_storage_credentials",
    args: () => ({
      name: `demo-bucket-${Date.now().toString(36)}`,
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }),
    after: (r, memo) => {
      memo.credentialsId = r.structuredContent?.id;
    },
  },
  {
    title: "Find a Nextflow pipeline",
    tool: "ica_list_pipelines",
    args: (m) => ({ projectId: m.projectId }),
    after: (r, memo) => {
      const items = itemsOf(r) as { id: string; language?: string; code?: string }[] | undefined;
      memo.pipelineId = items?.find((p) => p.language === "NEXTFLOW" && /sarek/i.test(p.code ?? ""))?.id;
    },
  },
  {
    title: "Dry-run a Nextflow launch with S3 input",
    tool: "ica_start_analysis",
    args: (m) => ({
      projectId: m.projectId,
      pipelineId: m.pipelineId,
      userReference: "demo-sarek-s3",
      inputs: [
        {
          parameterCode: "input",
          externalData: [
            {
              url: "s3://lab-bucket/run42/samplesheet.csv",
              storageCredentialsId: m.credentialsId,
              mountPath: "samplesheet.csv",
            },
          ],
        },
        {
          parameterCode: "fastqs",
          dataIds: [
            "/fastq/20261014_LH00123_0042_A22ABCDEFG/CHT-0001_S1_L001_R1_001.fastq.gz",
            "/fastq/20261014_LH00123_0042_A22ABCDEFG/CHT-0001_S1_L001_R2_001.fastq.gz",
          ],
        },
      ],
      dryRun: true,
    }),
  },
  {
    title: "Launch DRAGEN germline on one sample, after the user confirms the plan and its estimate",
    tool: "ica_start_analysis",
    args: (m) => ({
      projectId: m.projectId,
      pipelineCode: "DRAGEN_Germline_4-3-6",
      userReference: `demo-germline-${Date.now().toString(36)}`,
      inputs: [
        { parameterCode: "reference_tar", dataIds: ["/reference/dragen-hg38-alt-masked-graph-v4-3.tar"] },
        {
          parameterCode: "fastqs",
          dataIds: [
            "/fastq/20261014_LH00123_0042_A22ABCDEFG/CHT-0001_S1_L001_R1_001.fastq.gz",
            "/fastq/20261014_LH00123_0042_A22ABCDEFG/CHT-0001_S1_L001_R2_001.fastq.gz",
          ],
        },
      ],
      parameters: [{ code: "sample_name", value: "CHT-0001" }],
    }),
  },
];

async function main(): Promise<void> {
  const entry = fileURLToPath(new URL("./server.js", import.meta.url));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [entry, "--sandbox", "--log-level", "warn"],
    stderr: "inherit",
  });
  // The demo client shows confirmation forms (MCP elicitation) as a person would see them, and accepts.
  const client = new Client(
    { name: "ica-mcp-demo", version: "1.0.0" },
    { capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    out("  ? confirmation asked of the user:");
    for (const line of String(request.params.message).split("\n")) out(`      ${cut(line, 150)}`);
    out("    (the demo accepts)");
    return { action: "accept", content: {} };
  });
  await client.connect(transport);
  const { tools } = await client.listTools();
  out(`ica-mcp demo against the embedded sandbox ICA (${tools.length} tools)\n`);
  const memo: Record<string, unknown> = {};
  const shownSteps: string[] = [];
  for (const [i, step] of DEMO_STEPS.entries()) {
    if (!tools.some((t) => t.name === step.tool)) {
      out(`${i + 1}. ${step.title}: skipped (${step.tool} is not enabled)\n`);
      continue;
    }
    const args = step.args(memo);
    // The demo's own example secret is masked in what it prints, as the server masks it in results.
    const shown = JSON.stringify(args, (k, v) => (k === "secretAccessKey" ? "********" : v));
    out(`${i + 1}. ${step.title}\n  → ${step.tool} ${shown}`);
    const result = (await client.callTool({ name: step.tool, arguments: args })) as Result;
    out(preview(result));
    if (!result.isError) shownSteps.push(step.tool);
    step.after?.(result, memo);
    out("");
  }
  await client.close();
  const others = tools.map((t) => t.name).filter((name) => !shownSteps.includes(name));
  out(
    `Shown: ${shownSteps.length} of ${DEMO_STEPS.length} calls answered (${[...new Set(shownSteps)].join(", ")}), all against simulated data; the one launch ran in the sandbox, after its confirmation.`,
  );
  out(`Not shown: ${others.length} more tools, e.g. ${others.slice(0, 4).join(", ")}.`);
  out("Next: connect your MCP client to the sandbox and ask it, say, which analyses failed and why:");
  out(`  claude mcp add ica-sandbox -- node ${entry} --sandbox`);
  out(`  npx @modelcontextprotocol/inspector node ${entry} --sandbox   (Inspector 2.x needs Node 22.19+)`);
  out('For your own ICA, set ICA_API_KEY instead of --sandbox (README, "Use it from your assistant").');
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

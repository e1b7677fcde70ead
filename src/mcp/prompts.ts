import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { redactAndCut } from "../redact.js";
import { untrustedText } from "./untrusted.js";

/** Prompt arguments are echoed: bounded, redacted (a pasted key or presigned URL) and escaped like any text. */
const MAX_ARGUMENT_CHARS = 2_000;
const promptText = (lines: string[]) =>
  untrustedText(redactAndCut(lines.join("\n"), 4 * MAX_ARGUMENT_CHARS + 2_000));

/** Prompts for the workflows users repeat. They only sequence tools; the tools carry the details. */
export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    "triage_failed_analyses",
    {
      title: "Triage failed analyses",
      description: "Find the analyses that failed in a project recently and explain why each one failed.",
      argsSchema: {
        projectId: z
          .string()
          .max(MAX_ARGUMENT_CHARS)
          .optional()
          .describe("Project id (UUID); omit to use the server's default project."),
        days: z.string().max(20).optional().describe("How many days back to look (default 7)."),
      },
    },
    ({ projectId, days }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text: promptText([
              `Triage the failed analyses of ${projectId ? `project ${projectId}` : "the default ICA project"} from the last ${days ?? "7"} days.`,
              "1. ica_list_analyses with status FAILED and FAILED_FINAL, sorted by startDate desc (offset paging), enough rows to cover the period.",
              "2. For each failed analysis (at most 10), ica_get_analysis_steps to find the failed step and read the tail of its stderr.",
              "3. Group the failures by cause (bad input, resource limits, pipeline error, infrastructure) and say, per group, what to change before a rerun.",
              "Report a short table: analysis reference, pipeline, failed step, cause, suggested fix.",
            ]),
          },
        },
      ],
    }),
  );

  server.registerPrompt(
    "launch_pipeline",
    {
      title: "Launch a pipeline (dry run first)",
      description:
        "Prepare a CWL or Nextflow launch on given data, validate it with a dry run, then start it on confirmation.",
      argsSchema: {
        pipeline: z.string().max(MAX_ARGUMENT_CHARS).describe("Pipeline code or id, e.g. DRAGEN Germline."),
        data: z
          .string()
          .max(MAX_ARGUMENT_CHARS)
          .describe("The input data: data ids, project paths such as /fastq/, or s3:// URLs."),
        projectId: z
          .string()
          .max(MAX_ARGUMENT_CHARS)
          .optional()
          .describe("Project id (UUID); omit to use the server's default project."),
      },
    },
    ({ pipeline, data, projectId }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text: promptText([
              `Launch pipeline "${pipeline}" on: ${data}${projectId ? ` in project ${projectId}` : ""}.`,
              "1. ica_list_pipelines / ica_get_pipeline to find the pipeline and its required input and configuration parameters.",
              "2. ica_list_data (or ica_get_data by path) to turn the named data into data ids; s3:// inputs need storage credentials (ica_list_storage_credentials).",
              "3. ica_start_analysis with dryRun: true; show me the resolved request (storage, activation code, inputs, parameters) and any problems.",
              "4. Only after I confirm, call ica_start_analysis again without dryRun, then report the analysis id and status.",
            ]),
          },
        },
      ],
    }),
  );
}

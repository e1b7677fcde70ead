import { z } from "zod";
import { abortAnalysis, getAnalysis, isTerminalStatus } from "../ica/api/analyses.js";
import { IcaApiError, UserInputError } from "../ica/errors.js";
import { defineTool } from "../mcp/adapter.js";
import { analysisIdParam, projectIdParam } from "./params.js";

const NOTE =
  "ICA updates the status only once the abort has actually started (ABORTING, then ABORTED); follow it with ica_wait_for_analysis or ica_get_analysis.";

export const abortAnalysisTool = defineTool({
  name: "ica_abort_analysis",
  title: "Abort an ICA analysis",
  description:
    "Aborts a queued or running analysis for good. ICA updates the status only once the abort has started (ABORTING, then ABORTED): follow with ica_wait_for_analysis. Finished analyses cannot be aborted.",
  inputSchema: {
    projectId: projectIdParam.optional(),
    analysisId: analysisIdParam,
  },
  outputSchema: {
    analysisId: z.string(),
    userReference: z.string(),
    abortRequested: z.boolean(),
    status: z.string().describe("The status ICA reports right after the request (v4 spelling)."),
    note: z.string(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    try {
      await abortAnalysis(ctx.ica, projectId, args.analysisId, ctx.signal);
    } catch (err) {
      if (!(err instanceof IcaApiError) || (err.status !== 409 && err.status !== 400)) throw err;
      const a = await getAnalysis(ctx.ica, projectId, args.analysisId, ctx.signal);
      if (!isTerminalStatus(a.status)) throw err;
      throw new UserInputError(
        `analysis ${a.userReference} (${a.id}) has already ended with status ${a.status}, so there is nothing to abort`,
        a.status === "SUCCEEDED"
          ? "its results are listed by ica_get_analysis_outputs."
          : "ica_get_analysis_steps shows how far it got and why it stopped.",
      );
    }
    const a = await getAnalysis(ctx.ica, projectId, args.analysisId, ctx.signal);
    return {
      structured: {
        analysisId: a.id,
        userReference: a.userReference,
        abortRequested: true,
        status: a.status,
        note: NOTE,
      },
      summary: `Abort requested for ${a.userReference} (${a.id}); ICA now reports ${a.status}. ${NOTE}`,
    };
  },
});

import { z } from "zod";
import { abortAnalysis, getAnalysis, type IcaAnalysis, isTerminalStatus } from "../ica/api/analyses.js";
import { IcaApiError, UserInputError } from "../ica/errors.js";
import { defineTool } from "../mcp/adapter.js";
import {
  confirmationTokenParam,
  confirmedText,
  confirmStep,
  issueConfirmationToken,
  notConfirmedText,
  planNeeded,
} from "./launch/confirm.js";
import { analysisIdParam, projectIdParam } from "./params.js";

const NOTE =
  "ICA updates the status only once the abort has actually started (ABORTING, then ABORTED); follow it with ica_wait_for_analysis or ica_get_analysis.";

function ended(a: IcaAnalysis): UserInputError {
  return new UserInputError(
    `analysis ${a.userReference} (${a.id}) has already ended with status ${a.status}, so there is nothing to abort`,
    a.status === "SUCCEEDED"
      ? "its results are listed by ica_get_analysis_outputs."
      : "ica_get_analysis_steps shows how far it got and why it stopped.",
  );
}

function runTime(a: IcaAnalysis, now = Date.now()): string {
  const since = a.startDate ?? a.timeCreated;
  const t = Date.parse(since ?? "");
  if (!since || !Number.isFinite(t)) return "run time unknown";
  const minutes = Math.round((now - t) / 60_000);
  // Only a plausible span is shown: a clock that differs from ICA's would give nonsense.
  const span =
    minutes >= 0 && minutes < 7 * 24 * 60
      ? `, ${minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`} so far`
      : "";
  return `${a.startDate ? "running since" : "waiting since"} ${since}${span}`;
}

/** What will be aborted, in the words the confirmation, the dry run and the result share. */
export function abortPlan(a: IcaAnalysis, projectId: string): string {
  return `Abort analysis "${a.userReference}" (${a.id})${a.pipeline?.code ? ` of ${a.pipeline.code}` : ""} in project ${projectId}: status ${a.status}, ${runTime(a)}. Aborting is final; work done so far is billed.`;
}

export const abortAnalysisTool = defineTool({
  name: "ica_abort_analysis",
  title: "Abort an ICA analysis",
  description:
    "Aborts a queued or running analysis for good. ICA updates the status only once the abort has started (ABORTING, then ABORTED): follow with ica_wait_for_analysis. Finished analyses cannot be aborted.",
  inputSchema: {
    projectId: projectIdParam.optional(),
    analysisId: analysisIdParam,
    dryRun: z
      .boolean()
      .optional()
      .describe("Show what would be aborted and a confirmationToken; abort nothing."),
    confirmationToken: confirmationTokenParam,
  },
  outputSchema: {
    analysisId: z.string(),
    userReference: z.string(),
    abortRequested: z.boolean(),
    status: z.string().describe("The status ICA reports right after the request (v4 spelling)."),
    note: z.string(),
    plan: z.string().optional(),
    confirmationToken: z.string().optional(),
    confirmation: z.string().optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    let plan: string | undefined;
    let confirmation: string | undefined;
    if (planNeeded(ctx, { dryRun: args.dryRun, token: args.confirmationToken })) {
      const before = await getAnalysis(ctx.ica, projectId, args.analysisId, ctx.signal);
      if (isTerminalStatus(before.status)) throw ended(before);
      plan = abortPlan(before, projectId);
      const binding = { projectId, analysisId: before.id };
      const shown = {
        analysisId: before.id,
        userReference: before.userReference,
        status: before.status,
        plan,
      };
      if (args.dryRun) {
        return {
          structured: {
            ...shown,
            abortRequested: false,
            note: "Dry run: nothing was aborted.",
            confirmationToken: issueConfirmationToken(ctx.config, "abort", binding),
          },
          summary: `Dry run: nothing was aborted. ${plan} Next: show this to the user; to abort call again without dryRun (with confirmationToken).`,
        };
      }
      const c = await confirmStep(ctx, {
        kind: "abort",
        plan,
        binding,
        ...(args.confirmationToken ? { token: args.confirmationToken } : {}),
      });
      if (!c.go) {
        const text = notConfirmedText(c, "the analysis goes on");
        return { structured: { ...shown, abortRequested: false, note: text }, summary: text };
      }
      confirmation = confirmedText(c);
    } else {
      // ICA_CONFIRM=required without a form or token refuses here; auto and off go on.
      const c = await confirmStep(ctx, { kind: "abort", plan: "", binding: {} });
      if (c.go && c.via !== "client" && c.via !== "off") confirmation = confirmedText(c);
    }
    try {
      await abortAnalysis(ctx.ica, projectId, args.analysisId, ctx.signal);
    } catch (err) {
      if (!(err instanceof IcaApiError) || (err.status !== 409 && err.status !== 400)) throw err;
      const a = await getAnalysis(ctx.ica, projectId, args.analysisId, ctx.signal);
      if (!isTerminalStatus(a.status)) throw err;
      throw ended(a);
    }
    const a = await getAnalysis(ctx.ica, projectId, args.analysisId, ctx.signal);
    return {
      structured: {
        analysisId: a.id,
        userReference: a.userReference,
        abortRequested: true,
        status: a.status,
        note: NOTE,
        ...(plan ? { plan } : {}),
        ...(confirmation ? { confirmation } : {}),
      },
      summary: `Abort requested for ${a.userReference} (${a.id}); ICA now reports ${a.status}. ${NOTE}`,
    };
  },
});

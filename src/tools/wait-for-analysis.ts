import { z } from "zod";
import {
  type AnalysisStatus,
  getAnalysis,
  type IcaAnalysis,
  isTerminalStatus,
  normaliseAnalysisStatus,
} from "../ica/api/analyses.js";
import { IcaAbortError, UserInputError } from "../ica/errors.js";
import { defineTool } from "../mcp/adapter.js";
import { nextStepFor } from "./get-analysis.js";
import { analysisIdParam, projectIdParam } from "./params.js";

const DEFAULT_TIMEOUT_SECONDS = 50;
const MAX_TIMEOUT_SECONDS = 600;
/** Default polling: every 2 s at first, then 1.5 times longer each time, up to 15 s. */
const FIRST_INTERVAL_MS = 2_000;
const MAX_INTERVAL_MS = 15_000;
/** The order a run moves through before it ends; a target behind the current status cannot be reached. */
const RUN_ORDER: readonly string[] = [
  "REQUESTED",
  "QUEUED",
  "INITIALIZING",
  "PREPARING_INPUTS",
  "IN_PROGRESS",
  "GENERATING_OUTPUTS",
];

type Outcome = "terminal" | "awaiting_input" | "target" | "passed" | "timeout";

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new IcaAbortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new IcaAbortError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function outcomeOf(status: string, target: AnalysisStatus | undefined): Outcome | undefined {
  if (target !== undefined && status === target) return "target";
  if (isTerminalStatus(status)) return "terminal";
  if (status === "AWAITING_INPUT") return "awaiting_input";
  if (
    target !== undefined &&
    RUN_ORDER.includes(target) &&
    RUN_ORDER.indexOf(status) > RUN_ORDER.indexOf(target)
  ) {
    return "passed";
  }
  return undefined;
}

export const waitForAnalysisTool = defineTool({
  name: "ica_wait_for_analysis",
  title: "Wait for an ICA analysis",
  description:
    "Waits until an analysis ends, needs input or reaches untilStatus, polling politely with progress notifications. Returns the state then, or at timeoutSeconds (default 50, inside 60-second client limits): call again to keep waiting.",
  inputSchema: {
    projectId: projectIdParam.optional(),
    analysisId: analysisIdParam,
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(MAX_TIMEOUT_SECONDS)
      .optional()
      .describe(`Default ${DEFAULT_TIMEOUT_SECONDS}, at most ${MAX_TIMEOUT_SECONDS}.`),
    untilStatus: z.string().min(1).max(40).optional().describe("Also stop at this status, e.g. IN_PROGRESS."),
    pollSeconds: z
      .number()
      .int()
      .min(1)
      .max(60)
      .optional()
      .describe("Fixed poll interval (default 2 s growing to 15 s)."),
  },
  outputSchema: {
    analysisId: z.string(),
    userReference: z.string(),
    status: z.string().describe("The last status seen (v4 spelling)."),
    outcome: z
      .enum(["terminal", "awaiting_input", "target", "passed", "timeout"])
      .describe(
        "terminal: it ended; awaiting_input: it needs input; target: it reached untilStatus; passed: it is already beyond untilStatus; timeout: still going.",
      ),
    waitedSeconds: z.number(),
    polls: z.number(),
    statusesSeen: z.array(z.string()).describe("Each status observed, in order."),
    summary: z.string().optional().describe("ICA's summary of the analysis."),
    startDate: z.string().optional(),
    endDate: z.string().optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    let target: AnalysisStatus | undefined;
    if (args.untilStatus !== undefined) {
      target = normaliseAnalysisStatus(args.untilStatus);
      if (target === undefined) {
        throw new UserInputError(
          `untilStatus "${args.untilStatus}" is not an analysis status; use one of REQUESTED, QUEUED, INITIALIZING, PREPARING_INPUTS, IN_PROGRESS, GENERATING_OUTPUTS, AWAITING_INPUT, ABORTING, SUCCEEDED, FAILED, FAILED_FINAL, ABORTED`,
        );
      }
    }
    const timeoutSeconds = args.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    const started = Date.now();
    const deadline = started + timeoutSeconds * 1000;
    let interval = args.pollSeconds !== undefined ? args.pollSeconds * 1000 : FIRST_INTERVAL_MS;
    const seen: string[] = [];
    let polls = 0;
    let a: IcaAnalysis;
    let outcome: Outcome | undefined;
    for (;;) {
      a = await getAnalysis(ctx.ica, projectId, args.analysisId, ctx.signal);
      polls++;
      if (seen.at(-1) !== a.status) seen.push(a.status);
      const waited = (Date.now() - started) / 1000;
      void ctx.progress(
        Math.min(waited, timeoutSeconds),
        timeoutSeconds,
        `${a.userReference}: ${a.status} after ${Math.round(waited)} s`,
      );
      outcome = outcomeOf(a.status, target);
      if (outcome) break;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        outcome = "timeout";
        break;
      }
      await sleep(Math.min(interval, remaining), ctx.signal);
      if (args.pollSeconds === undefined) interval = Math.min(MAX_INTERVAL_MS, Math.round(interval * 1.5));
    }
    const waitedSeconds = Math.round((Date.now() - started) / 100) / 10;
    const who = `${a.userReference} (${a.id})`;
    const summaries: Record<Outcome, string> = {
      terminal: `${who} ended: ${a.status} after waiting ${waitedSeconds} s. ${nextStepFor(a.status)}`,
      awaiting_input: `${who} is AWAITING_INPUT: it needs input in ICA before it can continue.`,
      target: `${who} reached ${a.status} after waiting ${waitedSeconds} s.`,
      passed: `${who} is already ${a.status}, past ${target}; wait without untilStatus for the end.`,
      timeout: `${who} is still ${a.status} after ${waitedSeconds} s: call ica_wait_for_analysis again to keep waiting.`,
    };
    return {
      structured: {
        analysisId: a.id,
        userReference: a.userReference,
        status: a.status,
        outcome,
        waitedSeconds,
        polls,
        statusesSeen: seen,
        ...(a.summary ? { summary: a.summary.slice(0, 1000) } : {}),
        ...(a.startDate ? { startDate: a.startDate } : {}),
        ...(a.endDate ? { endDate: a.endDate } : {}),
      },
      summary: summaries[outcome],
    };
  },
});

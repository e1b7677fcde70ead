/**
 * The requests behind a diagnosis, shared by ica_diagnose_analysis and ica_summarize_analyses: the steps,
 * and the tail of the first failed step's log (stderr, or stdout when stderr is empty). At most 1 + 2 + 2
 * requests.
 */
import { getAnalysisSteps, type IcaAnalysis, type IcaAnalysisStep } from "../../ica/api/analyses.js";
import type { IcaData } from "../../ica/api/data.js";
import type { IcaClient } from "../../ica/client.js";
import { IcaAbortError } from "../../ica/errors.js";
import { redact } from "../../redact.js";
import { tailOf } from "../get-analysis-steps.js";
import { type Classification, classify, type EvidenceBudget } from "./classify.js";

/** Log bytes read from the end of the failed step's log. */
export const EVIDENCE_TAIL_BYTES = 8192;

const BAD_END = new Set(["FAILED", "ABORTED", "INTERRUPTED"]);

export interface StepLog {
  text: string;
  source: "stderr" | "stdout";
  truncated: boolean;
}

/** The first failed step, else (for an aborted run) the first aborted or interrupted step. */
export function firstBadStep(steps: IcaAnalysisStep[]): IcaAnalysisStep | undefined {
  return steps.find((s) => s.status === "FAILED") ?? steps.find((s) => BAD_END.has(s.status));
}

/** The log tail of one step; a note instead when it cannot be read. Throws only on cancellation. */
export async function readStepLog(
  ica: IcaClient,
  projectId: string,
  step: IcaAnalysisStep,
  signal: AbortSignal,
): Promise<{ log?: StepLog; note?: string; requests: number }> {
  const err = step.logs?.stdErrData;
  const out = step.logs?.stdOutData;
  let requests = 0;
  if (!err?.id && !out?.id) return { note: `ICA exposes no log files for step "${step.name}".`, requests };
  // tailOf: a download URL, then the ranged download (nothing for a file ICA says is empty).
  const tail = (d: IcaData) => {
    if (d.details?.fileSizeInBytes !== 0) requests += 2;
    return tailOf(ica, projectId, d, EVIDENCE_TAIL_BYTES, signal);
  };
  try {
    if (err?.id) {
      const t = await tail(err);
      if (t.text.trim() !== "")
        return { log: { text: t.text, source: "stderr", truncated: t.truncated }, requests };
    }
    if (out?.id) {
      const t = await tail(out);
      return { log: { text: t.text, source: "stdout", truncated: t.truncated }, requests };
    }
    return { note: `stderr of step "${step.name}" is empty.`, requests };
  } catch (e) {
    if (e instanceof IcaAbortError || signal.aborted) throw e;
    const why = redact(e instanceof Error ? e.message : String(e)).slice(0, 200);
    return { note: `could not read the log of step "${step.name}": ${why}`, requests };
  }
}

export interface Diagnosed {
  classification: Classification;
  steps: IcaAnalysisStep[];
  failedStep?: IcaAnalysisStep;
  log?: StepLog;
  notes: string[];
  /** ICA requests sent. */
  requests: number;
}

/** Steps, one log tail and the classification of one ended analysis. */
export async function diagnoseFailure(
  ica: IcaClient,
  projectId: string,
  a: IcaAnalysis,
  budget: EvidenceBudget,
  signal: AbortSignal,
): Promise<Diagnosed> {
  const notes: string[] = [];
  const steps = await getAnalysisSteps(ica, projectId, a.id, signal);
  const failedStep = firstBadStep(steps);
  let log: StepLog | undefined;
  let requests = 1;
  if (failedStep) {
    const read = await readStepLog(ica, projectId, failedStep, signal);
    requests += read.requests;
    log = read.log;
    if (read.note) notes.push(read.note);
  }
  const classification = classify(
    {
      status: a.status,
      ...(a.summary ? { summary: a.summary } : {}),
      ...(failedStep ? { step: failedStep.name } : {}),
      ...(typeof failedStep?.exitCode === "number" ? { exitCode: failedStep.exitCode } : {}),
      ...(a.analysisStorage?.name ? { storage: a.analysisStorage.name } : {}),
      ...(log ? { log: log.text } : {}),
    },
    budget,
  );
  return {
    classification,
    steps,
    ...(failedStep ? { failedStep } : {}),
    ...(log ? { log } : {}),
    notes,
    requests,
  };
}

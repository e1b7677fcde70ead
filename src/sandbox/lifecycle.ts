/**
 * How analyses change over time in the sandbox. Applied lazily: every analyses route calls
 * `advanceAnalyses` before it reads, so statuses follow the sandbox clock (`state.clock`, which tests can
 * `advance()` or `freeze()`).
 *
 * - Simulated analyses (`AnalysisRecord.simulation`, inserted with status REQUESTED, e.g. by a launch route or
 *   `newSimulatedAnalysis`) move REQUESTED -> QUEUED -> INITIALIZING -> PREPARING_INPUTS -> IN_PROGRESS ->
 *   GENERATING_OUTPUTS -> outcome, one status per `stepMs` after `startedAtMs`, filling startDate/endDate,
 *   three steps (with stdout/stderr log files once each step ends), the output folder with a few files
 *   (SUCCEEDED) and a summary.
 * - Aborts (`abortAnalysis`): ICA's :abort "is not updated immediately, only when the abortion of the analysis
 *   has actually started". The sandbox shows ABORTING at once and ABORTED one step interval later (the
 *   simulation's `stepMs`, else DEFAULT_ABORT_MS); the running step ends ABORTED with exit code 143.
 *   Aborting an analysis that has ended is a 409 Conflict.
 */
import { iso } from "./clock.js";
import { ProblemError } from "./problem.js";
import type {
  AnalysisRecord,
  AnalysisStatus,
  AnalysisStepRecord,
  AnalysisTags,
  DataRecord,
  SandboxState,
} from "./state.js";
import { TERMINAL_ANALYSIS_STATUSES } from "./state.js";

/** The statuses a simulated analysis passes through before its outcome (index = phase). */
export const SIMULATED_SEQUENCE: readonly AnalysisStatus[] = [
  "REQUESTED",
  "QUEUED",
  "INITIALIZING",
  "PREPARING_INPUTS",
  "IN_PROGRESS",
  "GENERATING_OUTPUTS",
];
const OUTCOME_PHASE = SIMULATED_SEQUENCE.length;
export const DEFAULT_STEP_MS = 3_000;
export const DEFAULT_ABORT_MS = 3_000;
const ABORT_EXIT_CODE = 143;
const MB = 1024 * 1024;

export function isTerminal(status: AnalysisStatus): boolean {
  return TERMINAL_ANALYSIS_STATUSES.includes(status);
}

/** Brings every simulated or aborting analysis (of one project, when given) up to the sandbox clock. */
export function advanceAnalyses(state: SandboxState, projectId?: string): void {
  const now = state.clock.now();
  for (const a of state.analyses.all()) {
    if (!a.simulation && !a.abort) continue;
    if (projectId !== undefined && a.projectId !== projectId) continue;
    advanceAnalysis(state, a, now);
  }
}

export function advanceAnalysis(state: SandboxState, a: AnalysisRecord, now = state.clock.now()): void {
  if (isTerminal(a.status)) return;
  if (a.abort) {
    const at = a.abort.requestedAtMs + a.abort.afterMs;
    if (now >= at) finishAborted(state, a, at);
    else a.status = "ABORTING";
    return;
  }
  const sim = a.simulation;
  if (!sim) return;
  const current = SIMULATED_SEQUENCE.indexOf(a.status);
  if (current < 0) return; // e.g. AWAITING_INPUT set by a test: the simulation leaves it alone
  const reached = Math.min(OUTCOME_PHASE, Math.floor((now - sim.startedAtMs) / sim.stepMs));
  for (let phase = current + 1; phase <= reached; phase++) {
    enterPhase(state, a, phase, sim.startedAtMs + phase * sim.stepMs);
  }
}

/**
 * Accepts an :abort. Throws a 409 problem when the analysis has already ended; a repeated abort while
 * ABORTING changes nothing.
 */
export function abortAnalysis(state: SandboxState, a: AnalysisRecord): void {
  const now = state.clock.now();
  advanceAnalysis(state, a, now);
  if (isTerminal(a.status)) {
    throw new ProblemError(
      409,
      "Conflict",
      `Analysis '${a.id}' has already ended with status ${a.status}; only analyses that have not ended can be aborted`,
      { analysisId: a.id, status: a.status },
    );
  }
  if (a.abort) return;
  a.abort = { requestedAtMs: now, afterMs: a.simulation?.stepMs ?? DEFAULT_ABORT_MS };
  a.status = "ABORTING";
  a.timeModified = iso(now);
}

export interface SimulatedAnalysisFields {
  projectId: string;
  pipelineId: string;
  userReference: string;
  id?: string;
  reference?: string;
  analysisStorageId?: string;
  activationCodeDetailId?: string | null;
  analysisPriority?: AnalysisRecord["analysisPriority"];
  tags?: Partial<AnalysisTags>;
  ownerId?: string;
  inputs?: AnalysisRecord["inputs"];
  configurations?: AnalysisRecord["configurations"];
  outputFolderId?: string | null;
  logsFolderId?: string | null;
}

/**
 * Inserts an analysis that runs on its own (status REQUESTED now; outcome after 6 × stepMs of sandbox time).
 * Launch routes may call this, or insert an AnalysisRecord with `status: "REQUESTED"` and `simulation` set.
 */
export function newSimulatedAnalysis(
  state: SandboxState,
  fields: SimulatedAnalysisFields,
  sim: { outcome?: "SUCCEEDED" | "FAILED"; stepMs?: number } = {},
): AnalysisRecord {
  const pipeline = state.pipelines.get(fields.pipelineId);
  if (!pipeline) throw new Error(`newSimulatedAnalysis: unknown pipeline ${fields.pipelineId}`);
  const now = state.clock.now();
  const created = iso(now);
  const reference =
    fields.reference ??
    `${fields.userReference.slice(0, 180)}-${pipeline.code.slice(0, 40)}-${created.slice(0, 10).replace(/-/g, "")}-${state.rng.hex(6)}`;
  return state.analyses.insert({
    id: fields.id ?? state.newUuid(),
    projectId: fields.projectId,
    reference,
    userReference: fields.userReference,
    pipelineId: pipeline.id,
    analysisStorageId: fields.analysisStorageId ?? pipeline.analysisStorageId,
    activationCodeDetailId: fields.activationCodeDetailId ?? null,
    status: "REQUESTED",
    analysisPriority: fields.analysisPriority ?? "MEDIUM",
    tags: {
      technicalTags: [...(fields.tags?.technicalTags ?? [])],
      userTags: [...(fields.tags?.userTags ?? [])],
      referenceTags: [...(fields.tags?.referenceTags ?? [])],
    },
    ownerId: fields.ownerId ?? state.defaultUserId,
    timeCreated: created,
    timeModified: created,
    startDate: null,
    endDate: null,
    summary: null,
    inputs: fields.inputs ?? [],
    configurations: fields.configurations ?? [],
    outputs: [],
    steps: null,
    outputFolderId: fields.outputFolderId ?? null,
    logsFolderId: fields.logsFolderId ?? null,
    simulation: {
      startedAtMs: now,
      outcome: sim.outcome ?? "SUCCEEDED",
      stepMs: sim.stepMs ?? DEFAULT_STEP_MS,
    },
  });
}

// --- phases -----------------------------------------------------------------------------------------------

function stepBaseName(code: string): string {
  return `run_${code.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "")}`.slice(0, 80);
}

function enterPhase(state: SandboxState, a: AnalysisRecord, phase: number, atMs: number): void {
  const at = iso(atMs);
  a.timeModified = at;
  switch (phase) {
    case 1:
      a.status = "QUEUED";
      return;
    case 2:
      a.status = "INITIALIZING";
      a.startDate = at;
      return;
    case 3: {
      a.status = "PREPARING_INPUTS";
      const pipeline = state.pipelines.get(a.pipelineId);
      const step = (name: string, technical: boolean, computeType: string): AnalysisStepRecord => ({
        id: state.newUuid(),
        name,
        status: "WAITING",
        technical,
        queueDate: null,
        startDate: null,
        endDate: null,
        exitCode: null,
        computeType,
        stdOutDataId: null,
        stdErrDataId: null,
      });
      a.steps ??= [
        step("prepare_input_data", true, "standard-small"),
        step(stepBaseName(pipeline?.code ?? "pipeline"), false, "standard-medium"),
        step("upload_outputs", true, "standard-small"),
      ];
      startStep(a.steps[0], atMs);
      return;
    }
    case 4:
      a.status = "IN_PROGRESS";
      if (a.steps?.[0]) endStep(state, a, a.steps[0], atMs, "DONE");
      if (a.steps?.[1]) startStep(a.steps[1], atMs);
      return;
    case 5: {
      a.status = "GENERATING_OUTPUTS";
      const failed = a.simulation?.outcome === "FAILED";
      if (a.steps?.[1]) endStep(state, a, a.steps[1], atMs, failed ? "FAILED" : "DONE");
      if (a.steps?.[2]) startStep(a.steps[2], atMs);
      return;
    }
    default: {
      const outcome = a.simulation?.outcome ?? "SUCCEEDED";
      if (a.steps?.[2]) endStep(state, a, a.steps[2], atMs, "DONE");
      if (outcome === "SUCCEEDED") writeOutputs(state, a, atMs);
      a.status = outcome;
      a.endDate = at;
      const minutes = a.startDate ? Math.max(0, Math.round((atMs - Date.parse(a.startDate)) / 60_000)) : 0;
      const failedStep = a.steps?.find((s) => s.status === "FAILED")?.name;
      a.summary =
        outcome === "SUCCEEDED"
          ? `Analysis completed successfully in ${minutes} minutes`
          : `Step '${failedStep ?? "main"}' failed with exit code 1: simulated failure (sandbox simulation outcome FAILED)`;
    }
  }
}

function startStep(step: AnalysisStepRecord | undefined, atMs: number): void {
  if (step?.status !== "WAITING") return;
  step.status = "RUNNING";
  step.queueDate = iso(atMs);
  step.startDate = iso(atMs);
}

function endStep(
  state: SandboxState,
  a: AnalysisRecord,
  step: AnalysisStepRecord,
  atMs: number,
  status: "DONE" | "FAILED" | "ABORTED",
): void {
  if (step.status !== "RUNNING") return;
  step.status = status;
  step.endDate = iso(atMs);
  step.exitCode = status === "DONE" ? 0 : status === "FAILED" ? 1 : ABORT_EXIT_CODE;
  const logs = logsFolder(state, a, atMs);
  const base = step.name.replace(/[^A-Za-z0-9_.-]+/g, "_");
  const stdout = [
    `${step.startDate ?? ""} INFO  starting ${step.name} for ${a.userReference} (${a.reference})`,
    status === "DONE"
      ? `${step.endDate} INFO  ${step.name} finished successfully`
      : status === "FAILED"
        ? `${step.endDate} ERROR ${step.name} failed (exit code 1)`
        : `${step.endDate} WARN  ${step.name} interrupted by abort request`,
    "",
  ].join("\n");
  const stderr =
    status === "FAILED"
      ? [
          `[${step.name}] processing ${a.userReference}`,
          "WARNING: retrying task once after a transient error",
          "ERROR: simulated failure: the sandbox was asked to fail this analysis (simulation outcome FAILED)",
          `ERROR: ${step.name} exited with status 1`,
          "",
        ].join("\n")
      : status === "ABORTED"
        ? "Received SIGTERM: the analysis was aborted by a user\n"
        : "";
  step.stdOutDataId = addFile(state, a, logs, `${base}.stdout.log`, atMs, {
    format: "TXT",
    content: stdout,
  }).id;
  step.stdErrDataId = addFile(state, a, logs, `${base}.stderr.log`, atMs, {
    format: "TXT",
    content: stderr,
  }).id;
}

function finishAborted(state: SandboxState, a: AnalysisRecord, atMs: number): void {
  for (const step of a.steps ?? []) {
    if (step.status === "RUNNING") endStep(state, a, step, atMs, "ABORTED");
  }
  a.status = "ABORTED";
  a.endDate = iso(atMs);
  a.timeModified = iso(atMs);
  a.summary = "Aborted by user";
}

function writeOutputs(state: SandboxState, a: AnalysisRecord, atMs: number): void {
  const folder = outputFolder(state, a, atMs);
  const name = a.userReference.replace(/[^A-Za-z0-9_.-]+/g, "_");
  const tags = { runOutTags: [a.reference] };
  addFile(state, a, folder, `${name}.summary.txt`, atMs, {
    format: "TXT",
    content: `Analysis ${a.reference} completed successfully.\n`,
    tags,
  });
  addFile(state, a, folder, `${name}.hard-filtered.vcf.gz`, atMs, { format: "VCF", size: 84 * MB, tags });
  addFile(state, a, folder, `${name}.metrics.csv`, atMs, {
    format: "CSV",
    content: "metric,value\nreads,812345678\nmean_coverage,31.7\n",
    tags,
  });
  a.outputs = [{ code: "output_folder", dataIds: [folder.id] }];
}

// --- data helpers -------------------------------------------------------------------------------------------

function outputFolder(state: SandboxState, a: AnalysisRecord, atMs: number): DataRecord {
  const existing = a.outputFolderId ? state.data.get(a.outputFolderId) : undefined;
  if (existing) return existing;
  const folder = ensureFolder(state, a, `/analyses/${a.reference.replace(/\//g, "_")}/`, atMs);
  a.outputFolderId = folder.id;
  return folder;
}

function logsFolder(state: SandboxState, a: AnalysisRecord, atMs: number): DataRecord {
  const existing = a.logsFolderId ? state.data.get(a.logsFolderId) : undefined;
  if (existing) return existing;
  const out = outputFolder(state, a, atMs);
  const folder = ensureFolder(state, a, `${state.fullPath(out)}logs/`, atMs);
  a.logsFolderId = folder.id;
  return folder;
}

function emptyTags(): DataRecord["tags"] {
  return {
    technicalTags: [],
    userTags: [],
    connectorTags: [],
    runInTags: [],
    runOutTags: [],
    referenceTags: [],
  };
}

/** The folder at `path` ("/a/b/") in the analysis's project, created with its missing ancestors. */
function ensureFolder(state: SandboxState, a: AnalysisRecord, path: string, atMs: number): DataRecord {
  const existing = state.data.find(
    (d) => d.projectId === a.projectId && d.dataType === "FOLDER" && state.fullPath(d) === path,
  );
  if (existing) return existing;
  const trimmed = path.slice(1, -1);
  const cut = trimmed.lastIndexOf("/");
  const name = trimmed.slice(cut + 1);
  const parentPath = cut < 0 ? "/" : `/${trimmed.slice(0, cut)}/`;
  const parent = parentPath === "/" ? undefined : ensureFolder(state, a, parentPath, atMs);
  const t = iso(atMs);
  return state.data.insert({
    id: state.newDataId("FOLDER"),
    projectId: a.projectId,
    name,
    path: parentPath,
    dataType: "FOLDER",
    status: "AVAILABLE",
    fileSizeInBytes: null,
    formatCode: null,
    tags: emptyTags(),
    creatorId: a.ownerId,
    timeCreated: t,
    timeModified: t,
    parentId: parent?.id ?? null,
    objectETag: null,
    willBeArchivedAt: null,
    willBeDeletedAt: null,
    nonIndexed: false,
  });
}

function addFile(
  state: SandboxState,
  a: AnalysisRecord,
  folder: DataRecord,
  name: string,
  atMs: number,
  opts: { format: string; content?: string; size?: number; tags?: Partial<DataRecord["tags"]> },
): DataRecord {
  const t = iso(atMs);
  return state.data.insert({
    id: state.newDataId("FILE"),
    projectId: a.projectId,
    name,
    path: state.fullPath(folder),
    dataType: "FILE",
    status: "AVAILABLE",
    fileSizeInBytes: opts.content !== undefined ? Buffer.byteLength(opts.content) : (opts.size ?? 0),
    formatCode: opts.format,
    tags: { ...emptyTags(), ...opts.tags },
    creatorId: a.ownerId,
    timeCreated: t,
    timeModified: t,
    parentId: folder.id,
    objectETag: state.rng.hex(32),
    willBeArchivedAt: null,
    willBeDeletedAt: null,
    nonIndexed: false,
    ...(opts.content !== undefined ? { content: opts.content } : {}),
  });
}

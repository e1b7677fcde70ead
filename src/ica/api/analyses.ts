/**
 * Project analyses: search/list, get, steps, inputs, outputs, configurations, logs folder, usage and abort.
 * Status spellings: ICA's v3 objects say INPROGRESS/AWAITINGINPUT/FAILEDFINAL, v4 objects (and the
 * analysis:search body) IN_PROGRESS/AWAITING_INPUT/FAILED_FINAL plus five newer states. Everything that
 * leaves this module uses the v4 spelling.
 */
import type { IcaClient } from "../client.js";
import { UserInputError } from "../errors.js";
import { type Page, type PagingPlan, pageQuery, readPage } from "../paging.js";
import type { IcaData } from "./data.js";

/** The fields analysis listings can sort on (OpenAPI `sort` description of getAnalyses/searchAnalyses). */
export const ANALYSIS_SORT_FIELDS = [
  "reference",
  "userReference",
  "pipeline",
  "status",
  "startDate",
  "endDate",
  "summary",
] as const;

/** ICA's v4 analysis statuses (AnalysisV4.status pattern), in lifecycle order. */
export const ANALYSIS_STATUSES = [
  "REQUESTED",
  "QUEUED",
  "INITIALIZING",
  "PREPARING_INPUTS",
  "IN_PROGRESS",
  "GENERATING_OUTPUTS",
  "AWAITING_INPUT",
  "ABORTING",
  "SUCCEEDED",
  "FAILED",
  "FAILED_FINAL",
  "ABORTED",
] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<AnalysisStatus> = new Set([
  "SUCCEEDED",
  "FAILED",
  "FAILED_FINAL",
  "ABORTED",
]);

/** Whether a (v4-spelled) status is final: SUCCEEDED, FAILED, FAILED_FINAL or ABORTED. */
export function isTerminalStatus(status: string): boolean {
  return (TERMINAL_STATUSES as ReadonlySet<string>).has(status);
}

const V4_SET: ReadonlySet<string> = new Set(ANALYSIS_STATUSES);
/** v3 spellings that differ from v4. */
const FROM_V3: Readonly<Record<string, AnalysisStatus>> = {
  INPROGRESS: "IN_PROGRESS",
  AWAITINGINPUT: "AWAITING_INPUT",
  FAILEDFINAL: "FAILED_FINAL",
};

/**
 * The v4 name of a status given in either spelling, case-insensitively ("inprogress", "In_Progress",
 * "in progress"); undefined when it is not an analysis status. Exact set lookups, never pattern containment
 * (the OpenAPI pattern is unanchored, so "FAILEDFINAL" would "match" FAILED).
 */
export function normaliseAnalysisStatus(value: string): AnalysisStatus | undefined {
  const upper = value
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, "_");
  if (V4_SET.has(upper)) return upper as AnalysisStatus;
  return FROM_V3[upper.replace(/_/g, "")];
}

/** Normalises a list of user-given statuses; unknown values become one UserInputError naming them all. */
export function parseAnalysisStatuses(values: readonly string[]): AnalysisStatus[] {
  const out: AnalysisStatus[] = [];
  const unknown: string[] = [];
  for (const v of values) {
    const s = normaliseAnalysisStatus(v);
    if (s === undefined) unknown.push(v);
    else if (!out.includes(s)) out.push(s);
  }
  if (unknown.length > 0) {
    throw new UserInputError(
      `unknown analysis status ${unknown.map((u) => `"${u}"`).join(", ")}; use one of: ${ANALYSIS_STATUSES.join(", ")} (the v3 spellings INPROGRESS, AWAITINGINPUT and FAILEDFINAL work too)`,
    );
  }
  return out;
}

/** The status of an analysis object of either version, in the v4 spelling (unknown values pass unchanged). */
export function v4Status(value: string | undefined): string {
  if (value === undefined) return "UNKNOWN";
  return normaliseAnalysisStatus(value) ?? value;
}

export interface IcaAnalysisStorage {
  id: string;
  name?: string;
  description?: string | null;
}

export interface IcaPipelineRef {
  id: string;
  code?: string;
  description?: string;
  language?: string;
  status?: string | null;
  statusAsString?: string | null;
  urn?: string | null;
}

/** AnalysisV4 (or AnalysisV3 with its status normalised); loose, like the other ICA types. */
export interface IcaAnalysis {
  id: string;
  reference: string;
  userReference: string;
  status: string;
  timeCreated?: string;
  timeModified?: string;
  startDate?: string | null;
  endDate?: string | null;
  summary?: string | null;
  analysisPriority?: string | null;
  pipeline?: IcaPipelineRef;
  analysisStorage?: IcaAnalysisStorage;
  tags?: { technicalTags?: string[]; userTags?: string[]; referenceTags?: string[] };
  owner?: { id: string };
  ownerId?: string;
  tenant?: { id: string; name?: string | null };
}

export interface AnalysisFilters {
  /** v4 statuses (normalise user input with parseAnalysisStatuses first). */
  status?: AnalysisStatus[];
  reference?: string;
  userReference?: string;
  userTags?: string[];
  technicalTags?: string[];
  referenceTags?: string[];
}

function normalise(a: IcaAnalysis): IcaAnalysis {
  return { ...a, status: v4Status(a.status) };
}

/** POST /api/projects/{projectId}/analysis:search: v4 items, several statuses at once. */
export async function searchAnalyses(
  ica: IcaClient,
  projectId: string,
  filters: AnalysisFilters,
  plan: PagingPlan,
  signal?: AbortSignal,
): Promise<Page<IcaAnalysis>> {
  const body: Record<string, unknown> = {};
  if (filters.status?.length) body.status = filters.status;
  if (filters.reference) body.reference = filters.reference;
  if (filters.userReference) body.userReference = filters.userReference;
  if (filters.userTags?.length) body.userTags = filters.userTags;
  if (filters.technicalTags?.length) body.technicalTags = filters.technicalTags;
  if (filters.referenceTags?.length) body.referenceTags = filters.referenceTags;
  const res = await ica.request({
    method: "POST",
    path: "/api/projects/{projectId}/analysis:search",
    pathParams: { projectId },
    query: pageQuery(plan),
    body,
    version: "v3", // the spec serves AnalysisPagedListV4 under the v3 media type
    safe: true,
    signal,
  });
  const page = readPage<IcaAnalysis>(res.body);
  return { ...page, items: page.items.map(normalise) };
}

/**
 * GET /api/projects/{projectId}/analyses (deprecated; v3 items; one status; lower-case filter names). Kept
 * for ICA deployments without analysis:search; statuses come back in the v4 spelling.
 */
export async function listAnalysesV3(
  ica: IcaClient,
  projectId: string,
  filters: { status?: AnalysisStatus; reference?: string; userReference?: string; userTag?: string },
  plan: PagingPlan,
  signal?: AbortSignal,
): Promise<Page<IcaAnalysis>> {
  const toV3: Partial<Record<AnalysisStatus, string>> = {
    IN_PROGRESS: "INPROGRESS",
    AWAITING_INPUT: "AWAITINGINPUT",
    FAILED_FINAL: "FAILEDFINAL",
  };
  const res = await ica.request({
    method: "GET",
    path: "/api/projects/{projectId}/analyses",
    pathParams: { projectId },
    query: {
      status: filters.status ? (toV3[filters.status] ?? filters.status) : undefined,
      reference: filters.reference,
      userreference: filters.userReference,
      usertag: filters.userTag,
      ...pageQuery(plan),
    },
    version: "v3",
    signal,
  });
  const page = readPage<IcaAnalysis>(res.body);
  return { ...page, items: page.items.map(normalise) };
}

type AnalysisPath = "" | "/steps" | "/inputs" | "/outputs" | "/configurations" | "/logs" | "/usage";

async function getSub<T>(
  ica: IcaClient,
  projectId: string,
  analysisId: string,
  sub: AnalysisPath,
  signal?: AbortSignal,
  version: "v3" | "v4" = "v3",
): Promise<T> {
  const res = await ica.request<T>({
    method: "GET",
    path: `/api/projects/{projectId}/analyses/{analysisId}${sub}`,
    pathParams: { projectId, analysisId },
    version,
    signal,
  });
  return res.body;
}

export async function getAnalysis(
  ica: IcaClient,
  projectId: string,
  analysisId: string,
  signal?: AbortSignal,
): Promise<IcaAnalysis> {
  return normalise(await getSub<IcaAnalysis>(ica, projectId, analysisId, "", signal, "v4"));
}

export interface IcaAnalysisStep {
  id: string;
  name: string;
  status: string;
  technical?: boolean;
  queueDate?: string | null;
  startDate?: string | null;
  endDate?: string | null;
  exitCode?: number | null;
  computeType?: string | null;
  logs?: {
    stdOutData?: IcaData;
    stdErrData?: IcaData;
    stdOutStream?: string | null;
    stdErrStream?: string | null;
  };
}

export async function getAnalysisSteps(
  ica: IcaClient,
  projectId: string,
  analysisId: string,
  signal?: AbortSignal,
): Promise<IcaAnalysisStep[]> {
  const body = await getSub<{ items?: IcaAnalysisStep[] }>(ica, projectId, analysisId, "/steps", signal);
  return body?.items ?? [];
}

export interface IcaAnalysisData {
  dataId: string;
  name: string;
  dataType: "FILE" | "FOLDER";
  format?: { code?: string } | null;
  mountPath?: string;
  children?: IcaAnalysisData[];
}

export interface IcaAnalysisOutput {
  code: string;
  projectId?: string;
  data?: IcaAnalysisData[];
}

export async function getAnalysisOutputs(
  ica: IcaClient,
  projectId: string,
  analysisId: string,
  signal?: AbortSignal,
): Promise<IcaAnalysisOutput[]> {
  const body = await getSub<{ items?: IcaAnalysisOutput[] }>(ica, projectId, analysisId, "/outputs", signal);
  return body?.items ?? [];
}

export interface IcaAnalysisInput {
  code: string;
  analysisData?: IcaAnalysisData[] | null;
  externalData?: { url: string; type: string; mountPath?: string }[] | null;
}

export async function getAnalysisInputs(
  ica: IcaClient,
  projectId: string,
  analysisId: string,
  signal?: AbortSignal,
): Promise<IcaAnalysisInput[]> {
  const body = await getSub<{ items?: IcaAnalysisInput[] }>(ica, projectId, analysisId, "/inputs", signal);
  return body?.items ?? [];
}

export interface IcaExecutionConfiguration {
  name: string;
  multiValue?: boolean;
  values?: string[];
}

export async function getAnalysisConfigurations(
  ica: IcaClient,
  projectId: string,
  analysisId: string,
  signal?: AbortSignal,
): Promise<IcaExecutionConfiguration[]> {
  const body = await getSub<{ items?: IcaExecutionConfiguration[] }>(
    ica,
    projectId,
    analysisId,
    "/configurations",
    signal,
  );
  return body?.items ?? [];
}

/** The analysis's logs folder, when ICA knows it (analyses started after ICA v2.23). */
export async function getAnalysisLogsFolder(
  ica: IcaClient,
  projectId: string,
  analysisId: string,
  signal?: AbortSignal,
): Promise<IcaData | undefined> {
  const body = await getSub<{ logsFolder?: IcaData }>(ica, projectId, analysisId, "/logs", signal);
  return body?.logsFolder ?? undefined;
}

/**
 * The analysis price, or undefined while ICA has none (it answers 404 until usage is processed, some minutes
 * after a SUCCEEDED/FAILED analysis ends).
 */
export async function getAnalysisUsage(
  ica: IcaClient,
  projectId: string,
  analysisId: string,
  signal?: AbortSignal,
): Promise<{ amount?: number; currency?: string } | undefined> {
  const body = await getSub<{ price?: { amount?: number; currency?: string } | null }>(
    ica,
    projectId,
    analysisId,
    "/usage",
    signal,
  );
  return body?.price ?? undefined;
}

/** POST …:abort (204). ICA changes the status only once the abort has actually started. */
export async function abortAnalysis(
  ica: IcaClient,
  projectId: string,
  analysisId: string,
  signal?: AbortSignal,
): Promise<void> {
  await ica.request({
    method: "POST",
    path: "/api/projects/{projectId}/analyses/{analysisId}:abort",
    pathParams: { projectId, analysisId },
    version: "v3",
    // Aborting twice has no further effect, so a lost answer may be retried.
    safe: true,
    signal,
  });
}

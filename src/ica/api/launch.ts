/**
 * Starting analyses ("Starting a Pipeline", "File output behavior" and "Using data from your own S3 Storage"
 * in the ICA API guide): the best matching activation code, the create calls for CWL and Nextflow, and the
 * search for a launch already made (its technical tag), which makes a repeated launch return the analysis
 * already started instead of a second one.
 */
import type { IcaClient } from "../client.js";
import { IcaApiError } from "../errors.js";
import { pageQuery, readPage } from "../paging.js";
import { type IcaAnalysis, v4Status } from "./analyses.js";
import type { PipelineLanguage } from "./pipelines.js";

/** CreateCwlAnalysis.userReference / CreateNextflowAnalysis.userReference: 1-255 characters and this pattern. */
export const USER_REFERENCE_PATTERN = /^[a-zA-Z0-9 _-]*(\/[a-zA-Z0-9 _-]+)*$/;
export const USER_REFERENCE_MAX = 255;

export interface AnalysisInputExternalData {
  url: string;
  type: "s3" | "http" | "basespace";
  mountPath?: string;
  s3Details?: { storageCredentialsId: string };
}

/** AnalysisDataInput. */
export interface AnalysisDataInput {
  parameterCode: string;
  dataIds?: string[];
  mounts?: { dataId: string; mountPath: string }[];
  externalData?: AnalysisInputExternalData[];
}

/** AnalysisParameterInput: exactly one of value / multiValue. */
export interface AnalysisParameterInput {
  code: string;
  value?: string;
  multiValue?: string[];
}

/** NextflowAnalysisInput / CwlAnalysisWithStructuredInput (CwlAnalysisStructuredInput adds objectType). */
export interface StructuredAnalysisInput {
  inputs: AnalysisDataInput[];
  parameters?: AnalysisParameterInput[];
}

export interface AnalysisOutputMapping {
  sourcePath: string;
  targetPath: string;
  targetProjectId: string;
  type?: "FILE" | "FOLDER";
  actionOnExist: "OVERWRITE" | "RENAME" | "SKIP";
}

export interface AnalysisTagsInput {
  userTags?: string[];
  technicalTags?: string[];
  referenceTags?: string[];
}

/** The fields shared by CreateCwlAnalysis and CreateNextflowAnalysis, with the structured input. */
export interface LaunchSpec {
  userReference: string;
  pipelineId: string;
  tags?: AnalysisTagsInput;
  analysisStorageId: string;
  outputParentFolderId?: string;
  analysisOutput?: AnalysisOutputMapping[];
  analysisInput: StructuredAnalysisInput;
}

export type CreateEndpoint = "analysis:cwl" | "analysis:nextflow" | "analysis:cwlWithStructuredInput";

export interface CreateRequest {
  endpoint: CreateEndpoint;
  /** "POST /api/projects/{id}/analysis:…" with the project id filled in. */
  display: string;
  version: "v3" | "v4";
  body: Record<string, unknown>;
  idempotencyKey: string;
}

export interface IcaActivationCode {
  id: string;
  allowedSlots?: number;
  usedSlots?: number;
  pipelineBundle?: { id?: string; name?: string };
}

export interface IcaCreatedAnalysis {
  id: string;
  reference: string;
  userReference: string;
  status: string;
  timeCreated?: string;
  analysisStorage?: { id: string; name?: string };
  pipeline?: { id: string; code?: string };
}

/** The analysisInput as the language's create endpoint (and the activation-code search) expects it. */
export function wireAnalysisInput(
  language: PipelineLanguage,
  input: StructuredAnalysisInput,
  endpoint?: CreateEndpoint,
): Record<string, unknown> {
  const base: Record<string, unknown> = { inputs: input.inputs };
  if (input.parameters && input.parameters.length > 0) base.parameters = input.parameters;
  // CwlAnalysisInput is a oneOf on objectType; the v4 structured-input creator has no objectType.
  return language === "CWL" && endpoint !== "analysis:cwlWithStructuredInput"
    ? { objectType: "STRUCTURED", ...base }
    : base;
}

/**
 * The best matching activation code ICA proposes for this launch (POST
 * /api/activationCodes:findBestMatchingForCwl or …ForNextflow with the same analysisInput as the launch).
 */
export async function findBestActivationCode(
  ica: IcaClient,
  language: PipelineLanguage,
  query: { projectId: string; pipelineId: string; analysisInput: StructuredAnalysisInput },
  signal?: AbortSignal,
): Promise<IcaActivationCode> {
  const res = await ica.request<IcaActivationCode>({
    method: "POST",
    path:
      language === "CWL"
        ? "/api/activationCodes:findBestMatchingForCwl"
        : "/api/activationCodes:findBestMatchingForNextflow",
    body: {
      projectId: query.projectId,
      pipelineId: query.pipelineId,
      analysisInput: wireAnalysisInput(language, query.analysisInput),
    },
    version: "v3",
    // A search: it changes nothing, so a lost answer may be asked for again.
    safe: true,
    signal,
  });
  return res.body;
}

/** JSON with sorted keys and no undefined values: equal requests give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** How a launch is known again: its Idempotency-Key and the technical tag carrying the key's hash. */
export interface LaunchIdentity {
  idempotencyKey: string;
  tag: string;
}

/**
 * The create request for a launch: analysis:cwl (structured, with activation code) or analysis:nextflow. The
 * launch tag joins the technical tags; the key is the caller's (see src/tools/launch/key.ts), never derived
 * from this body, which holds values ICA chose (the best matching activation code).
 */
export function buildCreateRequest(
  language: PipelineLanguage,
  projectId: string,
  spec: LaunchSpec,
  activationCodeDetailId: string | undefined,
  identity: LaunchIdentity,
  endpoint: CreateEndpoint = language === "CWL" ? "analysis:cwl" : "analysis:nextflow",
): CreateRequest {
  const technicalTags = [...(spec.tags?.technicalTags ?? []).filter((t) => t !== identity.tag), identity.tag];
  const body: Record<string, unknown> = {
    userReference: spec.userReference,
    pipelineId: spec.pipelineId,
    tags: { ...spec.tags, technicalTags },
    analysisStorageId: spec.analysisStorageId,
    ...(spec.outputParentFolderId ? { outputParentFolderId: spec.outputParentFolderId } : {}),
    ...(spec.analysisOutput && spec.analysisOutput.length > 0 ? { analysisOutput: spec.analysisOutput } : {}),
    analysisInput: wireAnalysisInput(language, spec.analysisInput, endpoint),
    // Only CreateCwlAnalysis and CreateNextflowAnalysis carry an activation code.
    ...(activationCodeDetailId && endpoint !== "analysis:cwlWithStructuredInput"
      ? { activationCodeDetailId }
      : {}),
  };
  return {
    endpoint,
    display: `POST /api/projects/${projectId}/${endpoint}`,
    version: "v4",
    body,
    idempotencyKey: identity.idempotencyKey,
  };
}

/**
 * Whether ICA refused the deprecated analysis:cwl itself (gone, not routed, or a problem saying it is
 * deprecated/removed), as opposed to refusing this particular request.
 */
export function refusesDeprecatedCwl(err: unknown): boolean {
  if (!(err instanceof IcaApiError)) return false;
  if (err.status === 405 || err.status === 410 || err.status === 501) return true;
  const text = `${err.title} ${err.detail ?? ""}`;
  if (err.status === 404) return !/pipeline|project|data|storage|folder|credential/i.test(text);
  return err.status === 400 && /deprecat|no longer (supported|available)|removed|discontinued/i.test(text);
}

export async function sendCreate(
  ica: IcaClient,
  projectId: string,
  req: CreateRequest,
  signal?: AbortSignal,
): Promise<IcaCreatedAnalysis> {
  const res = await ica.request<IcaCreatedAnalysis>({
    method: "POST",
    path: `/api/projects/{projectId}/${req.endpoint}`,
    pathParams: { projectId },
    body: req.body,
    version: req.version,
    idempotencyKey: req.idempotencyKey,
    signal,
  });
  return res.body;
}

/**
 * Whether a 422 means "this Idempotency-Key was already used with another body": only when the request
 * carried a key and ICA's problem text says so; any other 422 is a validation error about the request.
 */
export function isIdempotencyMismatch(err: unknown, req: { idempotencyKey?: string }): boolean {
  if (!(err instanceof IcaApiError) || err.status !== 422 || !req.idempotencyKey) return false;
  const text = [err.title, err.detail ?? "", ...Object.keys(err.parameters)].join(" ");
  return /idempoten/i.test(text);
}

/** An analysis found by its launch tag. */
export interface ExistingLaunch {
  id: string;
  /** Left out when ICA's item lacks it (never invented). */
  reference?: string;
  userReference?: string;
  status: string;
  timeCreated?: string;
  /** How many analyses carry the tag (more than one after a rerun); the newest is the one shown. */
  matches: number;
}

const EXISTING_PAGE_SIZE = 100;
/** Pages read at most: with the filter honoured one page holds every match; this bounds an ICA that ignores it. */
const EXISTING_MAX_PAGES = 10;

/**
 * The newest analysis of the project carrying the launch tag `tag` (POST analysis:search with technicalTags),
 * or undefined. Items are checked for the tag themselves, so an ICA that ignored the filter cannot make an
 * unrelated analysis look like this launch; the search pages on until the cursor ends, repeats, a page comes
 * back empty or the page bound is reached.
 */
export async function findExistingLaunch(
  ica: IcaClient,
  projectId: string,
  tag: string,
  signal?: AbortSignal,
): Promise<ExistingLaunch | undefined> {
  const found: IcaAnalysis[] = [];
  const seenTokens = new Set<string>();
  let pageToken: string | undefined;
  for (let page = 0; page < EXISTING_MAX_PAGES; page++) {
    // Read here rather than through searchAnalyses: every item is checked before anything else looks at it.
    const res = readPage<IcaAnalysis | null>(
      (
        await ica.request({
          method: "POST",
          path: "/api/projects/{projectId}/analysis:search",
          pathParams: { projectId },
          query: pageQuery({
            mode: "cursor",
            pageSize: EXISTING_PAGE_SIZE,
            ...(pageToken ? { pageToken } : {}),
          }),
          body: { technicalTags: [tag] },
          version: "v3", // AnalysisPagedListV4 under the v3 media type, as the spec has it
          safe: true,
          signal,
        })
      ).body,
    );
    for (const a of res.items) {
      // AnalysisV4.tags is required: an item that does not show the tag is not this launch (fail closed).
      const tags = a?.tags?.technicalTags;
      if (typeof a?.id === "string" && Array.isArray(tags) && tags.includes(tag)) found.push(a);
    }
    const next = res.nextPageToken;
    if (!next || res.items.length === 0 || seenTokens.has(next)) break;
    seenTokens.add(next);
    pageToken = next;
  }
  if (found.length === 0) return undefined;
  // Ties go to the later item: listings come in creation order.
  const newest = found.reduce((a, b) => ((b.timeCreated ?? "") >= (a.timeCreated ?? "") ? b : a));
  return {
    id: newest.id,
    ...(typeof newest.reference === "string" ? { reference: newest.reference } : {}),
    ...(typeof newest.userReference === "string" ? { userReference: newest.userReference } : {}),
    status: v4Status(typeof newest.status === "string" ? newest.status : undefined),
    ...(newest.timeCreated ? { timeCreated: newest.timeCreated } : {}),
    matches: found.length,
  };
}

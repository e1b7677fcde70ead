/**
 * Creating analyses (OpenAPI tag "Project Analysis Creation"), the endpoints the ICA API guide's "Starting a
 * Pipeline" names, plus the current CWL creator:
 * - POST /api/projects/{projectId}/analysis:cwl (createCwlAnalysis, deprecated): body `CreateCwlAnalysis` as
 *   v4, v3 or application/json; `analysisInput.objectType` STRUCTURED or JSON.
 * - POST …/analysis:nextflow (createNextflowAnalysis): `CreateNextflowAnalysis`, v4 or v3 bodies only.
 * - POST …/analysis:cwlWithStructuredInput (createCwlAnalysisWithStructuredInput): v4 only, no
 *   `activationCodeDetailId`, no `objectType`.
 * All answer 201 with the new analysis (AnalysisV4 / AnalysisV3) and honour `Idempotency-Key` (idempotency.ts:
 * replay of the stored 201, 409 while the first call runs, 422 for another body under the same key).
 *
 * The whole body is checked before anything is created; every problem is reported in one 400 problem whose
 * `parameters` map the JSON path of each offending field to what is wrong with it. Checks: declared properties
 * only; userReference (1-255, ICA's pattern); the pipeline is linked to the project and written in the
 * endpoint's language; input parameter codes exist, required ones are present, single-value ones get one
 * value; data ids exist in the project, are AVAILABLE and have the input's data type (file or folder); mount
 * paths end with a file name; external data: type s3|http|basespace consistent with the URL, s3 needs stored,
 * visible storage credentials (public buckets are not supported); configuration parameters: known codes,
 * value XOR multiValue, types (INTEGER, BOOLEAN, OPTIONS), required ones without defaults present; storage,
 * output/logs folders and output mapping target projects exist; actionOnExist is OVERWRITE|RENAME|SKIP.
 * Without `activationCodeDetailId` ICA picks the best matching activation code (see activation-codes.ts); a
 * given one must cover the pipeline and have free slots. A created analysis starts REQUESTED and runs on its
 * own (lifecycle.ts), one status every 2 s of sandbox time.
 */
import type { RequestContext, RouteDef } from "../context.js";
import { withIdempotency } from "../idempotency.js";
import { newSimulatedAnalysis } from "../lifecycle.js";
import { ProblemError } from "../problem.js";
import type {
  ActivationCodeRecord,
  AnalysisRecord,
  DataRecord,
  PipelineRecord,
  ProjectRecord,
  SandboxState,
} from "../state.js";
import { analysisV3, analysisV4 } from "../views.js";
import { referenceDataProblem } from "./reference-sets.js";

export type CreateVariant = "cwl" | "nextflow" | "cwlStructured";
type Json = Record<string, unknown>;

export const LAUNCH_STEP_MS = 2_000;
const USER_REFERENCE = /^[a-zA-Z0-9 _-]*(\/[a-zA-Z0-9 _-]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOGS_FOLDER_PATH = /^\/([^/]+\/?)*$/;
const EXTERNAL_TYPES = ["s3", "http", "basespace"];
const ACTIONS_ON_EXIST = ["OVERWRITE", "RENAME", "SKIP"];
/** Bounds the problem list (and so the problem document) for absurd bodies. */
const MAX_PROBLEMS = 50;

const COMMON_FIELDS = [
  "userReference",
  "pipelineId",
  "tags",
  "analysisStorageId",
  "outputParentFolderId",
  "logs",
  "analysisOutput",
  "analysisInput",
];
const STRUCTURED_FIELDS = ["inputs", "parameters", "referenceDataParameters"];

/** Collects problems as JSON path -> message, the shape of Problem.parameters. */
export class Problems {
  readonly items: Record<string, string> = {};
  private count = 0;

  add(path: string, message: string): void {
    if (this.count >= MAX_PROBLEMS) return;
    const key = path in this.items ? `${path} (${this.count})` : path;
    this.items[key] = message;
    this.count++;
  }

  get empty(): boolean {
    return this.count === 0;
  }

  get size(): number {
    return this.count;
  }

  throwIfAny(what: string): void {
    if (this.empty) return;
    const first = Object.entries(this.items)
      .slice(0, 3)
      .map(([k, v]) => `${k}: ${v}`)
      .join("; ");
    throw new ProblemError(
      400,
      "Bad Request",
      `${what}: ${this.count} problem(s), e.g. ${first}`,
      this.items,
    );
  }
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function onlyDeclared(p: Problems, path: string, value: Json, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      p.add(`${path}${path ? "." : ""}${key}`, `unknown property; allowed here: ${allowed.join(", ")}`);
    }
  }
}

function str(p: Problems, path: string, v: unknown, opts: { required?: boolean; nullable?: boolean } = {}) {
  if (v === undefined || (v === null && opts.nullable)) {
    if (opts.required) p.add(path, "is required");
    return undefined;
  }
  if (typeof v !== "string") {
    p.add(path, "must be a string");
    return undefined;
  }
  return v;
}

function arr(p: Problems, path: string, v: unknown, opts: { required?: boolean; nullable?: boolean } = {}) {
  if (v === undefined || (v === null && opts.nullable)) {
    if (opts.required) p.add(path, "is required");
    return [];
  }
  if (!Array.isArray(v)) {
    p.add(path, "must be an array");
    return [];
  }
  return v as unknown[];
}

function obj(p: Problems, path: string, v: unknown, allowed: readonly string[]): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) {
    p.add(path, "must be an object");
    return undefined;
  }
  onlyDeclared(p, path, v, allowed);
  return v;
}

// --- analysisInput shape -----------------------------------------------------------------------------------

export interface ParsedDataInput {
  path: string;
  parameterCode: string;
  /** Some part of the entry was malformed (reported); counts of values are then not judged. */
  malformed: boolean;
  dataIds: { path: string; id: string }[];
  mounts: { path: string; dataId: string; mountPath: string }[];
  external: {
    path: string;
    url: string;
    type: string;
    mountPath?: string;
    storageCredentialsId?: string;
  }[];
}

export interface ParsedParameter {
  path: string;
  code: string;
  value?: string | null;
  multiValue?: (string | null)[] | null;
}

export interface ParsedInput {
  inputs: ParsedDataInput[];
  parameters: ParsedParameter[];
  referenceData: { path: string; parameterCode: string; referenceDataId: string }[];
}

function parseDataInput(p: Problems, path: string, v: unknown): ParsedDataInput | undefined {
  const o = obj(p, path, v, ["parameterCode", "dataIds", "mounts", "externalData"]);
  if (!o) {
    if (v === null || v === undefined) p.add(path, "must be an object");
    return undefined;
  }
  const before = p.size;
  const parameterCode = str(p, `${path}.parameterCode`, o.parameterCode, { required: true });
  const dataIds = arr(p, `${path}.dataIds`, o.dataIds).flatMap((d, i) => {
    const id = str(p, `${path}.dataIds[${i}]`, d, { required: true });
    return id === undefined ? [] : [{ path: `${path}.dataIds[${i}]`, id }];
  });
  const mounts = arr(p, `${path}.mounts`, o.mounts, { nullable: true }).flatMap((m, i) => {
    const mp = `${path}.mounts[${i}]`;
    const mo = obj(p, mp, m, ["dataId", "mountPath"]);
    if (!mo) return [];
    const dataId = str(p, `${mp}.dataId`, mo.dataId, { required: true });
    const mountPath = str(p, `${mp}.mountPath`, mo.mountPath, { required: true });
    return dataId === undefined || mountPath === undefined ? [] : [{ path: mp, dataId, mountPath }];
  });
  const external = arr(p, `${path}.externalData`, o.externalData, { nullable: true }).flatMap((e, i) => {
    const ep = `${path}.externalData[${i}]`;
    const eo = obj(p, ep, e, ["url", "type", "mountPath", "s3Details", "basespaceDetails"]);
    if (!eo) return [];
    const url = str(p, `${ep}.url`, eo.url, { required: true });
    const type = str(p, `${ep}.type`, eo.type, { required: true });
    if (type !== undefined && !EXTERNAL_TYPES.includes(type)) {
      p.add(`${ep}.type`, `must be one of ${EXTERNAL_TYPES.join(", ")}`);
    }
    const mountPath = str(p, `${ep}.mountPath`, eo.mountPath, { nullable: true });
    const s3 = obj(p, `${ep}.s3Details`, eo.s3Details, ["storageCredentialsId"]);
    const storageCredentialsId = s3
      ? str(p, `${ep}.s3Details.storageCredentialsId`, s3.storageCredentialsId, { nullable: true })
      : undefined;
    const bs = obj(p, `${ep}.basespaceDetails`, eo.basespaceDetails, [
      "workgroupId",
      "extensions",
      "pathPrefix",
    ]);
    if (bs) {
      for (const k of ["workgroupId", "extensions", "pathPrefix"]) {
        str(p, `${ep}.basespaceDetails.${k}`, bs[k], { nullable: true });
      }
    }
    if (url === undefined || type === undefined) return [];
    return [
      {
        path: ep,
        url,
        type,
        ...(mountPath !== undefined ? { mountPath } : {}),
        ...(storageCredentialsId !== undefined ? { storageCredentialsId } : {}),
      },
    ];
  });
  if (parameterCode === undefined) return undefined;
  return { path, parameterCode, malformed: p.size > before, dataIds, mounts, external };
}

function parseParameter(p: Problems, path: string, v: unknown): ParsedParameter | undefined {
  const o = obj(p, path, v, ["code", "value", "multiValue"]);
  if (!o) return undefined;
  const code = str(p, `${path}.code`, o.code, { required: true });
  const value = str(p, `${path}.value`, o.value, { nullable: true });
  let multiValue: (string | null)[] | null | undefined;
  if (o.multiValue !== undefined && o.multiValue !== null) {
    multiValue = arr(p, `${path}.multiValue`, o.multiValue).map((x, i) => {
      if (x !== null && typeof x !== "string") p.add(`${path}.multiValue[${i}]`, "must be a string");
      return typeof x === "string" ? x : null;
    });
  }
  const hasValue = o.value !== undefined && o.value !== null;
  const hasMulti = multiValue !== undefined;
  if (hasValue && hasMulti) p.add(path, "provide only one of 'value' or 'multiValue'");
  if (!hasValue && !hasMulti) p.add(path, "provide 'value' or 'multiValue'");
  if (code === undefined) return undefined;
  return { path, code, ...(hasValue ? { value } : {}), ...(hasMulti ? { multiValue } : {}) };
}

/**
 * Checks `analysisInput` against CwlAnalysisInput (variant cwl), NextflowAnalysisInput (nextflow) or
 * CwlAnalysisWithStructuredInput (cwlStructured). JSON-style CWL input (objectType JSON) yields its data
 * references as inputs without a parameter code.
 */
export function parseAnalysisInput(
  p: Problems,
  value: unknown,
  variant: CreateVariant,
): ParsedInput | undefined {
  const path = "analysisInput";
  if (value === undefined || value === null) {
    p.add(path, "is required");
    return undefined;
  }
  if (!isObject(value)) {
    p.add(path, "must be an object");
    return undefined;
  }
  if (variant === "cwl") {
    const objectType = value.objectType;
    if (objectType !== "STRUCTURED" && objectType !== "JSON") {
      p.add(
        `${path}.objectType`,
        objectType === undefined ? "is required (STRUCTURED or JSON)" : "must be STRUCTURED or JSON",
      );
      return undefined;
    }
    if (objectType === "JSON") {
      onlyDeclared(p, path, value, ["objectType", "inputJson", "dataIds", "mounts", "externalData"]);
      const inputJson = str(p, `${path}.inputJson`, value.inputJson, { required: true });
      if (inputJson !== undefined) {
        try {
          if (!isObject(JSON.parse(inputJson))) p.add(`${path}.inputJson`, "must be a JSON object");
        } catch {
          p.add(`${path}.inputJson`, "is not valid JSON (an escaped JSON string is expected)");
        }
      }
      const refs = parseDataInput(p, path, {
        parameterCode: "",
        dataIds: value.dataIds,
        mounts: value.mounts,
        externalData: value.externalData,
      });
      return { inputs: refs ? [refs] : [], parameters: [], referenceData: [] };
    }
    onlyDeclared(p, path, value, ["objectType", ...STRUCTURED_FIELDS]);
  } else {
    onlyDeclared(p, path, value, STRUCTURED_FIELDS);
  }
  const inputs = arr(p, `${path}.inputs`, value.inputs, { required: true }).flatMap((x, i) => {
    const parsed = parseDataInput(p, `${path}.inputs[${i}]`, x);
    return parsed ? [parsed] : [];
  });
  const parameters = arr(p, `${path}.parameters`, value.parameters, { nullable: true }).flatMap((x, i) => {
    const parsed = parseParameter(p, `${path}.parameters[${i}]`, x);
    return parsed ? [parsed] : [];
  });
  const referenceData = arr(p, `${path}.referenceDataParameters`, value.referenceDataParameters, {
    nullable: true,
  }).flatMap((x, i) => {
    const rp = `${path}.referenceDataParameters[${i}]`;
    const o = obj(p, rp, x, ["parameterCode", "referenceDataId"]);
    if (!o) return [];
    const parameterCode = str(p, `${rp}.parameterCode`, o.parameterCode, { required: true });
    const referenceDataId = str(p, `${rp}.referenceDataId`, o.referenceDataId, { required: true });
    return parameterCode === undefined || referenceDataId === undefined
      ? []
      : [{ path: rp, parameterCode, referenceDataId }];
  });
  return { inputs, parameters, referenceData };
}

// --- activation codes ----------------------------------------------------------------------------------------

function freeSlots(c: ActivationCodeRecord): number {
  return c.allowedSlots === -1 ? Number.POSITIVE_INFINITY : c.allowedSlots - c.usedSlots;
}

/** Why a code cannot run this pipeline in this project, or undefined when it can. */
export function activationCodeUnusable(
  c: ActivationCodeRecord,
  project: ProjectRecord,
  pipeline: PipelineRecord,
): string | undefined {
  if (!c.bundle.activePipelineIds.includes(pipeline.id)) {
    return `activation code ${c.id} (${c.bundle.name}) does not cover pipeline ${pipeline.code}`;
  }
  if (!c.bundle.regionIds.includes(project.regionId)) {
    return `activation code ${c.id} (${c.bundle.name}) is not valid in the project's region`;
  }
  if (freeSlots(c) <= 0) {
    return `activation code ${c.id} (${c.bundle.name}) has no free slots (${c.usedSlots} of ${c.allowedSlots} used)`;
  }
  return undefined;
}

/** Usable codes, best first: unlimited ones, then the most free slots, then the oldest. */
export function matchingActivationCodes(
  state: SandboxState,
  project: ProjectRecord,
  pipeline: PipelineRecord,
): ActivationCodeRecord[] {
  return state.activationCodes
    .where((c) => activationCodeUnusable(c, project, pipeline) === undefined)
    .sort((a, b) => freeSlots(b) - freeSlots(a) || a.seq - b.seq);
}

function useSlot(c: ActivationCodeRecord, projectId: string, state: SandboxState): void {
  c.usedSlots += 1;
  const usage = c.usages.find((u) => u.projectId === projectId);
  if (usage) usage.usedSlots += 1;
  else c.usages.push({ id: state.newUuid(), projectId, usedSlots: 1, allowedSlots: -1 });
}

// --- the create handler -----------------------------------------------------------------------------------------

function projectOr404(state: SandboxState, projectId: string): ProjectRecord {
  const project = state.projects.get(projectId);
  if (!project)
    throw new ProblemError(404, "Not Found", `No project with id '${projectId}' exists`, { projectId });
  return project;
}

/** A folder of the project by id or data URN ("urn:ilmn:ica:region:…:data:<id>#<path>"). */
function folderByIdOrUrn(state: SandboxState, projectId: string, value: string): DataRecord | undefined {
  const id = value.startsWith("urn:") ? (/:data:([^#]+)/.exec(value)?.[1] ?? value) : value;
  const d = state.data.get(id);
  return d && d.projectId === projectId && d.dataType === "FOLDER" ? d : undefined;
}

function checkData(
  p: Problems,
  state: SandboxState,
  projectId: string,
  path: string,
  dataId: string,
  expected: "FILE" | "FOLDER",
): DataRecord | undefined {
  const d = state.data.get(dataId);
  if (!d || d.projectId !== projectId) {
    p.add(path, `no data with id '${dataId}' exists in project ${projectId}`);
    return undefined;
  }
  if (d.status !== "AVAILABLE") {
    p.add(
      path,
      `data '${dataId}' (${state.fullPath(d)}) is ${d.status}; only AVAILABLE data can be used as input`,
    );
  } else if (d.dataType !== expected) {
    p.add(path, `data '${dataId}' (${state.fullPath(d)}) is a ${d.dataType}; this input takes a ${expected}`);
  }
  return d;
}

function endsWithFileName(mountPath: string): boolean {
  const last = mountPath.split("/").at(-1) ?? "";
  return last !== "" && last !== "." && last !== "..";
}

function checkInputs(
  p: Problems,
  ctx: RequestContext,
  project: ProjectRecord,
  pipeline: PipelineRecord,
  input: ParsedInput,
): AnalysisRecord["inputs"] {
  const state = ctx.state;
  const byCode = new Map(pipeline.inputParameters.map((ip) => [ip.code, ip]));
  const seen = new Set<string>();
  const recorded: AnalysisRecord["inputs"] = [];
  for (const inp of input.inputs) {
    const param = byCode.get(inp.parameterCode);
    if (!param) {
      p.add(
        `${inp.path}.parameterCode`,
        `unknown input parameter '${inp.parameterCode}'; this pipeline's inputs are ${[...byCode.keys()].join(", ")}`,
      );
      continue;
    }
    if (seen.has(param.code)) {
      p.add(`${inp.path}.parameterCode`, `input parameter '${param.code}' is given more than once`);
      continue;
    }
    seen.add(param.code);
    const count = inp.dataIds.length + inp.mounts.length + inp.external.length;
    if (!inp.malformed && !param.multiValue && count > 1) {
      p.add(inp.path, `input parameter '${param.code}' takes a single value, got ${count}`);
    }
    if (!inp.malformed && param.required && count === 0) {
      p.add(inp.path, `input parameter '${param.code}' is required and has no data`);
    }
    const ids: string[] = [];
    for (const d of inp.dataIds) {
      if (checkData(p, state, project.id, d.path, d.id, param.dataType)) ids.push(d.id);
    }
    for (const m of inp.mounts) {
      if (checkData(p, state, project.id, `${m.path}.dataId`, m.dataId, param.dataType)) ids.push(m.dataId);
      if (!endsWithFileName(m.mountPath)) p.add(`${m.path}.mountPath`, "must end with a file name");
    }
    for (const e of inp.external) checkExternal(p, ctx, e);
    recorded.push({ code: param.code, dataIds: ids });
  }
  for (const param of pipeline.inputParameters) {
    if (param.required && !seen.has(param.code)) {
      p.add("analysisInput.inputs", `required input parameter '${param.code}' is missing`);
    }
  }
  return recorded;
}

function checkExternal(p: Problems, ctx: RequestContext, e: ParsedDataInput["external"][number]): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(e.url)?.[1]?.toLowerCase();
  if (e.type === "s3") {
    if (scheme !== "s3") p.add(`${e.path}.url`, "an s3 input needs an s3://bucket/key URL");
    if (!e.storageCredentialsId) {
      p.add(
        `${e.path}.s3Details.storageCredentialsId`,
        "is required for s3 data: public S3 buckets without credentials are not supported",
      );
    } else if (!UUID.test(e.storageCredentialsId)) {
      p.add(`${e.path}.s3Details.storageCredentialsId`, "must be a UUID");
    } else {
      const c = ctx.state.storageCredentials.get(e.storageCredentialsId);
      if (!c || (c.ownerId !== ctx.principal!.userId && !c.shared)) {
        p.add(
          `${e.path}.s3Details.storageCredentialsId`,
          `no storage credentials with id '${e.storageCredentialsId}'`,
        );
      }
    }
  } else if (e.type === "http" && scheme !== "http" && scheme !== "https") {
    p.add(`${e.path}.url`, "an http input needs an http:// or https:// URL");
  }
  if (e.mountPath !== undefined && !endsWithFileName(e.mountPath)) {
    p.add(`${e.path}.mountPath`, "must end with a file name");
  }
}

function checkParameters(
  p: Problems,
  pipeline: PipelineRecord,
  input: ParsedInput,
): AnalysisRecord["configurations"] {
  const byCode = new Map(pipeline.configurationParameters.map((c) => [c.code, c]));
  const given = new Map<string, string[]>();
  for (const param of input.parameters) {
    const def = byCode.get(param.code);
    if (!def) {
      p.add(
        `${param.path}.code`,
        `unknown configuration parameter '${param.code}'; this pipeline's are ${[...byCode.keys()].join(", ") || "(none)"}`,
      );
      continue;
    }
    if (given.has(def.code)) {
      p.add(`${param.path}.code`, `configuration parameter '${def.code}' is given more than once`);
      continue;
    }
    const values = (param.multiValue ?? (param.value !== undefined ? [param.value] : [])).filter(
      (v): v is string => v !== null,
    );
    if (!def.multiValue && values.length > 1) {
      p.add(param.path, `configuration parameter '${def.code}' takes a single value, got ${values.length}`);
    }
    for (const v of values) {
      if (def.type === "INTEGER" && !/^-?\d+$/.test(v)) {
        p.add(param.path, `'${def.code}' is an INTEGER; '${v}' is not a whole number`);
      } else if (def.type === "BOOLEAN" && v !== "true" && v !== "false") {
        p.add(param.path, `'${def.code}' is a BOOLEAN; use "true" or "false", not '${v}'`);
      } else if (def.type === "OPTIONS" && !(def.settings.options ?? []).includes(v)) {
        p.add(
          param.path,
          `'${v}' is not an option of '${def.code}'; options: ${(def.settings.options ?? []).join(", ")}`,
        );
      }
    }
    given.set(def.code, values);
  }
  const out: AnalysisRecord["configurations"] = [];
  for (const def of pipeline.configurationParameters) {
    const defaults = (def.settings.defaultValues ?? []).map(String);
    const values = given.get(def.code) ?? defaults;
    if (def.required && values.length === 0) {
      p.add(
        "analysisInput.parameters",
        `required configuration parameter '${def.code}' is missing (it has no default)`,
      );
    }
    out.push({ name: def.code, multiValue: def.multiValue, values });
  }
  return out;
}

function checkTags(p: Problems, value: unknown): AnalysisRecord["tags"] {
  const tags = { technicalTags: [] as string[], userTags: [] as string[], referenceTags: [] as string[] };
  const o = obj(p, "tags", value, ["technicalTags", "userTags", "referenceTags"]);
  if (!o) return tags;
  for (const k of ["technicalTags", "userTags", "referenceTags"] as const) {
    arr(p, `tags.${k}`, o[k], { nullable: true }).forEach((t, i) => {
      if (t === null) return;
      if (typeof t !== "string") p.add(`tags.${k}[${i}]`, "must be a string");
      else tags[k].push(t);
    });
  }
  return tags;
}

function checkOutputMappings(p: Problems, state: SandboxState, value: unknown): void {
  arr(p, "analysisOutput", value, { nullable: true }).forEach((m, i) => {
    const mp = `analysisOutput[${i}]`;
    const o = obj(p, mp, m, ["sourcePath", "type", "targetProjectId", "targetPath", "actionOnExist"]);
    if (!o) return;
    for (const k of ["sourcePath", "targetPath"]) {
      const v = str(p, `${mp}.${k}`, o[k], { required: true });
      if (v === "") p.add(`${mp}.${k}`, "must not be empty");
    }
    const target = str(p, `${mp}.targetProjectId`, o.targetProjectId, { required: true });
    if (target !== undefined && !state.projects.get(target)) {
      p.add(`${mp}.targetProjectId`, `no project with id '${target}' exists`);
    }
    const type = str(p, `${mp}.type`, o.type);
    if (type !== undefined && type !== "FILE" && type !== "FOLDER")
      p.add(`${mp}.type`, "must be FILE or FOLDER");
    const action = str(p, `${mp}.actionOnExist`, o.actionOnExist);
    if (action !== undefined && !ACTIONS_ON_EXIST.includes(action)) {
      p.add(`${mp}.actionOnExist`, `must be one of ${ACTIONS_ON_EXIST.join(", ")}`);
    }
  });
}

function insertFolder(state: SandboxState, parent: DataRecord, name: string, ownerId: string): DataRecord {
  const now = state.now();
  return state.data.insert({
    id: state.newDataId("FOLDER"),
    projectId: parent.projectId,
    name,
    path: state.fullPath(parent),
    dataType: "FOLDER",
    status: "AVAILABLE",
    fileSizeInBytes: null,
    formatCode: null,
    tags: {
      technicalTags: [],
      userTags: [],
      connectorTags: [],
      runInTags: [],
      runOutTags: [],
      referenceTags: [],
    },
    creatorId: ownerId,
    timeCreated: now,
    timeModified: now,
    parentId: parent.id,
    objectETag: null,
    willBeArchivedAt: null,
    willBeDeletedAt: null,
    nonIndexed: false,
  });
}

export function createAnalysis(ctx: RequestContext, variant: CreateVariant) {
  const state = ctx.state;
  const project = projectOr404(state, ctx.params.projectId!);
  const p = new Problems();
  if (!isObject(ctx.body))
    throw new ProblemError(400, "Bad Request", "The request body must be a JSON object", {
      body: "must be an object",
    });
  const body = ctx.body;
  onlyDeclared(
    p,
    "",
    body,
    variant === "cwlStructured" ? COMMON_FIELDS : [...COMMON_FIELDS, "activationCodeDetailId"],
  );

  const userReference = str(p, "userReference", body.userReference, { required: true });
  if (userReference !== undefined) {
    if (userReference.length < 1 || userReference.length > 255)
      p.add("userReference", "must be 1-255 characters");
    else if (!USER_REFERENCE.test(userReference)) {
      p.add(
        "userReference",
        "may contain letters, digits, spaces, '_' and '-', in '/'-separated parts (pattern ^[a-zA-Z0-9 _-]*(/[a-zA-Z0-9 _-]+)*$)",
      );
    }
  }
  const pipelineId = str(p, "pipelineId", body.pipelineId, { required: true });
  const tags = checkTags(p, body.tags);
  const input = parseAnalysisInput(p, body.analysisInput, variant);

  let pipeline: PipelineRecord | undefined;
  if (pipelineId !== undefined) {
    pipeline = state.pipelines.get(pipelineId);
    if (!pipeline?.projectIds.includes(project.id)) {
      throw new ProblemError(
        404,
        "Not Found",
        `No pipeline with id '${pipelineId}' is available in project '${project.id}'`,
        {
          pipelineId,
        },
      );
    }
    const wanted = variant === "nextflow" ? "NEXTFLOW" : "CWL";
    if (pipeline.language !== wanted) {
      p.add(
        "pipelineId",
        `pipeline ${pipeline.code} is a ${pipeline.language} pipeline; start it with analysis:${pipeline.language === "CWL" ? "cwl" : "nextflow"}`,
      );
    }
  }

  let storageId: string | undefined;
  const storage = str(p, "analysisStorageId", body.analysisStorageId, { nullable: true });
  if (storage !== undefined) {
    if (!UUID.test(storage)) p.add("analysisStorageId", "must be a UUID");
    else if (!state.analysisStorages.get(storage))
      p.add("analysisStorageId", `no analysis storage with id '${storage}'`);
    else storageId = storage;
  }

  let outputParent: DataRecord | undefined;
  const outputParentFolderId = str(p, "outputParentFolderId", body.outputParentFolderId, { nullable: true });
  if (outputParentFolderId !== undefined) {
    outputParent = folderByIdOrUrn(state, project.id, outputParentFolderId);
    if (!outputParent)
      p.add(
        "outputParentFolderId",
        `no folder with id or urn '${outputParentFolderId}' in project ${project.id}`,
      );
  }
  let logsFolder: DataRecord | undefined;
  const logs = obj(p, "logs", body.logs, ["logsFolderId", "logsFolderPath"]);
  if (logs) {
    const logsFolderId = str(p, "logs.logsFolderId", logs.logsFolderId, { nullable: true });
    if (logsFolderId !== undefined) {
      logsFolder = folderByIdOrUrn(state, project.id, logsFolderId);
      if (!logsFolder)
        p.add("logs.logsFolderId", `no folder with id or urn '${logsFolderId}' in project ${project.id}`);
    }
    const logsFolderPath = str(p, "logs.logsFolderPath", logs.logsFolderPath, { nullable: true });
    if (logsFolderPath !== undefined && !LOGS_FOLDER_PATH.test(logsFolderPath))
      p.add("logs.logsFolderPath", "must start with a '/'");
  }
  checkOutputMappings(p, state, body.analysisOutput);

  let inputs: AnalysisRecord["inputs"] = [];
  let configurations: AnalysisRecord["configurations"] = [];
  if (pipeline && input) {
    if (variant === "cwl" && isObject(body.analysisInput) && body.analysisInput.objectType === "JSON") {
      for (const d of input.inputs.flatMap((i) => i.dataIds)) {
        const rec = state.data.get(d.id);
        if (!rec || rec.projectId !== project.id)
          p.add(d.path, `no data with id '${d.id}' exists in project ${project.id}`);
      }
      for (const e of input.inputs.flatMap((i) => i.external)) checkExternal(p, ctx, e);
    } else {
      inputs = checkInputs(p, ctx, project, pipeline, input);
      configurations = checkParameters(p, pipeline, input);
    }
    for (const r of input.referenceData) {
      const why = referenceDataProblem(state, pipeline, r.parameterCode, r.referenceDataId);
      if (why) p.add(`${r.path}.${why.field}`, why.message);
    }
  }

  let code: ActivationCodeRecord | undefined;
  if (pipeline && variant !== "cwlStructured") {
    const given = str(p, "activationCodeDetailId", body.activationCodeDetailId, { nullable: true });
    if (given !== undefined) {
      code = UUID.test(given) ? state.activationCodes.get(given) : undefined;
      const why = code
        ? activationCodeUnusable(code, project, pipeline)
        : `no activation code with id '${given}'`;
      if (why) {
        p.add("activationCodeDetailId", why);
        code = undefined;
      }
    }
  }
  p.throwIfAny("The analysis request is invalid");
  // Only reached with a pipeline (a missing pipelineId is a problem above).
  const pl = pipeline!;
  if (!code) {
    code = matchingActivationCodes(state, project, pl)[0];
    if (!code) {
      throw new ProblemError(
        400,
        "Bad Request",
        `No activation code with free slots covers pipeline ${pl.code} in project ${project.name}`,
        { pipelineId: pl.id, activationCodeDetailId: "no matching activation code" },
      );
    }
  }
  useSlot(code, project.id, state);
  const analysis = newSimulatedAnalysis(
    state,
    {
      projectId: project.id,
      pipelineId: pl.id,
      userReference: userReference!,
      analysisStorageId: storageId ?? pl.analysisStorageId,
      activationCodeDetailId: code.id,
      analysisPriority: project.analysisPriority,
      tags,
      ownerId: ctx.principal!.userId,
      inputs,
      configurations,
      logsFolderId: logsFolder?.id ?? null,
    },
    { stepMs: LAUNCH_STEP_MS },
  );
  if (outputParent) {
    analysis.outputFolderId = insertFolder(
      state,
      outputParent,
      analysis.reference.replace(/\//g, "_"),
      analysis.ownerId,
    ).id;
  }
  return ctx.json(201, ctx.version === "v4" ? analysisV4(state, analysis) : analysisV3(state, analysis));
}

function route(
  path: string,
  operationId: string,
  variant: CreateVariant,
  consumes: RouteDef["consumes"],
): RouteDef {
  return {
    method: "POST",
    path,
    operationId,
    produces: variant === "cwlStructured" ? ["v4"] : ["v4", "v3"],
    consumes,
    handler: (ctx) => withIdempotency(ctx, operationId, () => createAnalysis(ctx, variant)),
  };
}

export const analysisCreateRoutes: RouteDef[] = [
  route("/api/projects/{projectId}/analysis:cwl", "createCwlAnalysis", "cwl", ["v4", "v3", "json"]),
  route("/api/projects/{projectId}/analysis:nextflow", "createNextflowAnalysis", "nextflow", ["v4", "v3"]),
  route(
    "/api/projects/{projectId}/analysis:cwlWithStructuredInput",
    "createCwlAnalysisWithStructuredInput",
    "cwlStructured",
    ["v4"],
  ),
];

/** Checks of a create body against the pipeline, the project and the tenant (data, credentials, codes, folders). */
import type { RequestContext } from "../../context.js";
import type { AnalysisRecord, DataRecord, PipelineRecord, ProjectRecord, SandboxState } from "../../state.js";
import type { ParsedDataInput, ParsedInput } from "./analysis-input.js";
import { arr, obj, type Problems, str } from "./problems.js";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACTIONS_ON_EXIST = ["OVERWRITE", "RENAME", "SKIP"];

/** A folder of the project by id or data URN ("urn:ilmn:ica:region:…:data:<id>#<path>"). */
export function folderByIdOrUrn(
  state: SandboxState,
  projectId: string,
  value: string,
): DataRecord | undefined {
  const id = value.startsWith("urn:") ? (/:data:([^#]+)/.exec(value)?.[1] ?? value) : value;
  const d = state.data.get(id);
  return d && d.projectId === projectId && d.dataType === "FOLDER" ? d : undefined;
}

export function checkData(
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

export function endsWithFileName(mountPath: string): boolean {
  const last = mountPath.split("/").at(-1) ?? "";
  return last !== "" && last !== "." && last !== "..";
}

export function checkInputs(
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

export function checkExternal(
  p: Problems,
  ctx: RequestContext,
  e: ParsedDataInput["external"][number],
): void {
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

export function checkParameters(
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

export function checkTags(p: Problems, value: unknown): AnalysisRecord["tags"] {
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

export function checkOutputMappings(p: Problems, state: SandboxState, value: unknown): void {
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

/**
 * The checks of ica_start_analysis that need no ICA call: user reference, external data, output mappings,
 * and the inputs/parameters against the pipeline's parameter lists. Each problem says what to fix.
 */

import { S3_NEEDS_CREDENTIALS } from "../../ica/api/credentials.js";
import type {
  AnalysisInputExternalData,
  AnalysisOutputMapping,
  AnalysisParameterInput,
} from "../../ica/api/launch.js";
import { USER_REFERENCE_MAX, USER_REFERENCE_PATTERN } from "../../ica/api/launch.js";
import type { IcaConfigurationParameter, IcaInputParameter } from "../../ica/api/pipelines.js";
import { UserInputError } from "../../ica/errors.js";
import { registerSecret } from "../../redact.js";
import type { StartAnalysisArgs } from "./schema.js";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACTIONS: Record<string, AnalysisOutputMapping["actionOnExist"]> = {
  overwrite: "OVERWRITE",
  rename: "RENAME",
  skip: "SKIP",
};
const LIST_CODES = 40;

function codes(list: { code: string }[]): string {
  const shown = list.slice(0, LIST_CODES).map((c) => c.code);
  return `${shown.join(", ") || "(none)"}${list.length > LIST_CODES ? ", …" : ""}`;
}

export function checkUserReference(value: string, problems: string[]): void {
  if (value.length >= 1 && value.length <= USER_REFERENCE_MAX && USER_REFERENCE_PATTERN.test(value)) return;
  const suggestion = value
    .replace(/[^a-zA-Z0-9 _/-]+/g, "_")
    .replace(/\/+/g, "/")
    .replace(/^\/|\/$/g, "")
    .slice(0, USER_REFERENCE_MAX);
  problems.push(
    `userReference "${value.slice(0, 80)}${value.length > 80 ? "…" : ""}" is not allowed: use 1-${USER_REFERENCE_MAX} characters: letters, digits, spaces, "_" and "-", with "/" only between parts (ICA's pattern ^[a-zA-Z0-9 _-]*(/[a-zA-Z0-9 _-]+)*$)${
      suggestion ? `, e.g. "${suggestion}"` : ""
    }`,
  );
}

/** The file name at the end of a URL or path ("" when it ends with "/"). */
function lastSegment(path: string): string {
  const clean = path.split(/[?#]/)[0] ?? "";
  return clean.split("/").at(-1) ?? "";
}

export function endsWithFileName(path: string): boolean {
  const last = lastSegment(path);
  return last !== "" && last !== "." && last !== "..";
}

/** Query parameters of presigned URLs (S3 SigV4/SigV2, Azure SAS, GCS) that are credentials in themselves. */
const SIGNED_PARAMS =
  /^(x-amz-signature|x-amz-credential|x-amz-security-token|signature|awsaccesskeyid|sig|x-goog-signature|x-goog-credential)$/i;

/** Registers the credential parts of a presigned URL, so no result, error or log line shows them. */
function registerUrlSecrets(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return;
  }
  for (const [key, value] of parsed.searchParams) {
    if (SIGNED_PARAMS.test(key)) {
      registerSecret(value);
      // The URL carries it percent-encoded as well.
      registerSecret(encodeURIComponent(value));
    }
  }
  if (parsed.password) registerSecret(decodeURIComponent(parsed.password));
}

/** AnalysisInputExternalData from the tool's form: type from the URL, s3 credentials, mountPath. */
export function externalData(
  parameterCode: string,
  e: NonNullable<NonNullable<StartAnalysisArgs["inputs"]>[number]["externalData"]>[number],
  problems: string[],
  notes: string[],
): AnalysisInputExternalData | undefined {
  registerUrlSecrets(e.url);
  const where = `input "${parameterCode}", externalData ${e.url}`;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(e.url)?.[1]?.toLowerCase();
  const fromUrl = scheme === "s3" ? "s3" : scheme === "http" || scheme === "https" ? "http" : undefined;
  const given = e.type?.trim().toLowerCase();
  const type = given || fromUrl;
  const before = problems.length;
  if (type !== "s3" && type !== "http" && type !== "basespace") {
    problems.push(
      given
        ? `${where}: type "${e.type}" is not one of s3, http, basespace`
        : `${where}: cannot tell the type from the URL; use an s3:// or https:// URL, or pass type (s3, http or basespace)`,
    );
    return undefined;
  }
  if ((type === "s3" && scheme !== "s3") || (type === "http" && fromUrl !== "http")) {
    problems.push(
      `${where}: type ${type} needs ${type === "s3" ? "an s3://bucket/key" : "an http(s)://"} URL`,
    );
  }
  if (type === "s3" && !e.storageCredentialsId) problems.push(`${where}: ${S3_NEEDS_CREDENTIALS}`);
  if (e.storageCredentialsId && type !== "s3") {
    problems.push(`${where}: storageCredentialsId applies to s3 data only; drop it`);
  } else if (e.storageCredentialsId && !UUID.test(e.storageCredentialsId)) {
    problems.push(`${where}: storageCredentialsId must be a UUID from ica_list_storage_credentials`);
  }
  let mountPath = e.mountPath;
  if (mountPath === undefined || mountPath === "") {
    const name = lastSegment(e.url);
    if (endsWithFileName(e.url)) {
      mountPath = name;
      notes.push(`${where}: mountPath defaults to "${name}"`);
    } else {
      problems.push(`${where}: the URL names no file; pass mountPath ending with the file name`);
    }
  } else if (!endsWithFileName(mountPath)) {
    problems.push(
      `${where}: mountPath "${mountPath}" must end with a file name (e.g. "data/${lastSegment(e.url) || "input.txt"}")`,
    );
  }
  if (problems.length > before) return undefined;
  return {
    url: e.url,
    type,
    ...(mountPath ? { mountPath } : {}),
    ...(type === "s3" && e.storageCredentialsId
      ? { s3Details: { storageCredentialsId: e.storageCredentialsId } }
      : {}),
  };
}

/** AnalysisOutputMapping[] with ICA's upper-case values; Overwrite is the default. */
export function outputMappings(
  args: StartAnalysisArgs,
  projectId: string,
  checkProject: (id: string) => void,
  problems: string[],
): AnalysisOutputMapping[] {
  return (args.analysisOutput ?? []).flatMap((m, i) => {
    const where = `analysisOutput[${i}] (${m.sourcePath})`;
    const before = problems.length;
    const action =
      m.actionOnExist === undefined ? "OVERWRITE" : ACTIONS[m.actionOnExist.trim().toLowerCase()];
    if (!action)
      problems.push(`${where}: actionOnExist "${m.actionOnExist}" must be Overwrite, Rename or Skip`);
    const type = m.type?.trim().toUpperCase();
    if (type !== undefined && type !== "FILE" && type !== "FOLDER") {
      problems.push(`${where}: type "${m.type}" must be FILE or FOLDER`);
    }
    const targetProjectId = m.targetProjectId ?? projectId;
    try {
      checkProject(targetProjectId);
    } catch (err) {
      if (!(err instanceof UserInputError)) throw err;
      problems.push(`${where}: targetProjectId: ${err.problems.join("; ")}`);
    }
    if (problems.length > before) return [];
    return [
      {
        sourcePath: m.sourcePath,
        targetPath: m.targetPath,
        targetProjectId,
        ...(type ? { type: type as "FILE" | "FOLDER" } : {}),
        actionOnExist: action!,
      },
    ];
  });
}

/** Codes, required inputs and single vs multiple values of the data inputs. */
export function checkInputCodes(
  inputs: NonNullable<StartAnalysisArgs["inputs"]>,
  defs: IcaInputParameter[],
  problems: string[],
): void {
  const byCode = new Map(defs.map((d) => [d.code, d]));
  const seen = new Set<string>();
  for (const inp of inputs) {
    const def = byCode.get(inp.parameterCode);
    if (!def) {
      problems.push(
        `unknown input parameterCode "${inp.parameterCode}"; this pipeline's inputs: ${codes(defs)}`,
      );
      continue;
    }
    if (seen.has(def.code)) {
      problems.push(`input "${def.code}" is given twice; put all its data in one entry`);
      continue;
    }
    seen.add(def.code);
    const count = (inp.dataIds?.length ?? 0) + (inp.mounts?.length ?? 0) + (inp.externalData?.length ?? 0);
    if (count === 0) problems.push(`input "${def.code}" has no data: give dataIds, mounts or externalData`);
    if (!def.multiValue && count > 1) {
      problems.push(
        `input "${def.code}" takes a single item, got ${count}: pass one (or start one analysis per item)`,
      );
    }
  }
  for (const def of defs) {
    if (def.required && !seen.has(def.code)) {
      problems.push(
        `required input "${def.code}" is missing: add {parameterCode: "${def.code}", dataIds: [...]} (ids or paths from ica_list_data)`,
      );
    }
  }
}

function normaliseValue(def: IcaConfigurationParameter, raw: string, problems: string[]): string {
  const type = def.type.toUpperCase();
  if (type === "INTEGER" && !/^-?\d+$/.test(raw.trim())) {
    problems.push(`parameter "${def.code}" is an INTEGER; "${raw}" is not a whole number`);
  } else if (type === "BOOLEAN") {
    const b = raw.trim().toLowerCase();
    if (b === "true" || b === "false") return b;
    problems.push(`parameter "${def.code}" is a BOOLEAN; use true or false, not "${raw}"`);
  } else if (type === "OPTIONS") {
    const options = def.settings?.options ?? [];
    const match =
      options.find((o) => o === raw) ?? options.find((o) => o.toLowerCase() === raw.toLowerCase());
    if (match !== undefined) return match;
    problems.push(
      `parameter "${def.code}": "${raw}" is not an option; options: ${options.slice(0, LIST_CODES).join(", ")}`,
    );
  } else if (type === "INTEGER") {
    return raw.trim();
  }
  return raw;
}

/** AnalysisParameterInput[] for the given values; reports missing required ones and lists defaults left to ICA. */
export function checkParameters(
  given: NonNullable<StartAnalysisArgs["parameters"]>,
  defs: IcaConfigurationParameter[],
  problems: string[],
): { parameters: AnalysisParameterInput[]; defaultsUsed: string[] } {
  const byCode = new Map(defs.map((d) => [d.code, d]));
  const out: AnalysisParameterInput[] = [];
  const seen = new Set<string>();
  for (const p of given) {
    const def = byCode.get(p.code);
    if (!def) {
      problems.push(`unknown parameter code "${p.code}"; this pipeline's parameters: ${codes(defs)}`);
      continue;
    }
    if (seen.has(def.code)) {
      problems.push(`parameter "${def.code}" is given twice`);
      continue;
    }
    seen.add(def.code);
    if (p.value !== undefined && p.multiValue !== undefined) {
      problems.push(`parameter "${def.code}": give value or multiValue, not both`);
      continue;
    }
    if (p.value === undefined && p.multiValue === undefined) {
      problems.push(
        `parameter "${def.code}" has no value: give value (or multiValue for a multi-value parameter)`,
      );
      continue;
    }
    const raw = (p.multiValue ?? [p.value!]).map(String);
    if (!def.multiValue && raw.length > 1) {
      problems.push(`parameter "${def.code}" takes a single value, got ${raw.length}: pass value`);
      continue;
    }
    const values = raw.map((v) => normaliseValue(def, v, problems));
    // ICA: one of value / multiValue. Multi-value parameters get multiValue even for one value.
    out.push(def.multiValue ? { code: def.code, multiValue: values } : { code: def.code, value: values[0]! });
  }
  const defaultsUsed: string[] = [];
  for (const def of defs) {
    if (seen.has(def.code)) continue;
    const defaults = (def.settings?.defaultValues ?? []).map(String);
    if (defaults.length > 0) defaultsUsed.push(`${def.code}=${defaults.join(",")}`);
    else if (def.required) {
      problems.push(
        `required parameter "${def.code}" (${def.type}) is missing and has no default: add {code: "${def.code}", value: …}`,
      );
    }
  }
  return { parameters: out, defaultsUsed };
}

/**
 * The shape of `analysisInput`: CwlAnalysisInput (STRUCTURED or JSON, for analysis:cwl), NextflowAnalysisInput
 * and CwlAnalysisWithStructuredInput. Only the shape is checked here; codes and data are checked against the
 * pipeline and the project in body-checks.ts.
 */
import { arr, isObject, obj, onlyDeclared, type Problems, str } from "./problems.js";

export type CreateVariant = "cwl" | "nextflow" | "cwlStructured";

const EXTERNAL_TYPES = ["s3", "http", "basespace"];
const STRUCTURED_FIELDS = ["inputs", "parameters", "referenceDataParameters"];

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

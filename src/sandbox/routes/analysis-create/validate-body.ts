/**
 * The whole create body checked before anything is created: every problem is reported in one 400 problem
 * whose `parameters` map the JSON path of each offending field to what is wrong with it (see
 * analysis-create.ts for the list of checks).
 */
import type { RequestContext } from "../../context.js";
import { ProblemError } from "../../problem.js";
import type {
  ActivationCodeRecord,
  AnalysisRecord,
  DataRecord,
  PipelineRecord,
  ProjectRecord,
} from "../../state.js";
import { activationCodeUnusable } from "./activation.js";
import { type CreateVariant, parseAnalysisInput } from "./analysis-input.js";
import {
  checkExternal,
  checkInputs,
  checkOutputMappings,
  checkParameters,
  checkTags,
  folderByIdOrUrn,
  UUID,
} from "./body-checks.js";
import { isObject, obj, onlyDeclared, Problems, str } from "./problems.js";

const USER_REFERENCE = /^[a-zA-Z0-9 _-]*(\/[a-zA-Z0-9 _-]+)*$/;
const LOGS_FOLDER_PATH = /^\/([^/]+\/?)*$/;
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

/** A create body that passed every check. */
export interface ValidCreateBody {
  userReference: string;
  pipeline: PipelineRecord;
  tags: AnalysisRecord["tags"];
  storageId?: string;
  outputParent?: DataRecord;
  logsFolder?: DataRecord;
  inputs: AnalysisRecord["inputs"];
  configurations: AnalysisRecord["configurations"];
  /** The activation code the body names (checked usable); absent means ICA's best match. */
  code?: ActivationCodeRecord;
}

/** Checks the body of a create request for `project`; throws one 400 problem listing everything wrong. */
export function validateCreateBody(
  ctx: RequestContext,
  variant: CreateVariant,
  project: ProjectRecord,
): ValidCreateBody {
  const state = ctx.state;
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
    for (const r of input.referenceData)
      p.add(`${r.path}.referenceDataId`, `no reference data with id '${r.referenceDataId}'`);
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
  return {
    userReference: userReference!,
    // Only reached with a pipeline (a missing pipelineId is a problem above).
    pipeline: pipeline!,
    tags,
    ...(storageId ? { storageId } : {}),
    ...(outputParent ? { outputParent } : {}),
    ...(logsFolder ? { logsFolder } : {}),
    inputs,
    configurations,
    ...(code ? { code } : {}),
  };
}

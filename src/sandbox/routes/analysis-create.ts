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
 *
 * This file is the route; its parts live in analysis-create/: validate-body.ts (the top-level body),
 * analysis-input.ts (the analysisInput shape), body-checks.ts (against pipeline, project and tenant),
 * problems.ts (the problem list), activation.ts (best matching code, slot booking) and folders.ts.
 */
import type { RequestContext, RouteDef } from "../context.js";
import { withIdempotency } from "../idempotency.js";
import { newSimulatedAnalysis } from "../lifecycle.js";
import { ProblemError } from "../problem.js";
import type { ProjectRecord, SandboxState } from "../state.js";
import { analysisV3, analysisV4 } from "../views.js";
import { matchingActivationCodes, useSlot } from "./analysis-create/activation.js";
import type { CreateVariant } from "./analysis-create/analysis-input.js";
import { insertFolder } from "./analysis-create/folders.js";
import { validateCreateBody } from "./analysis-create/validate-body.js";

export type { CreateVariant } from "./analysis-create/analysis-input.js";

export const LAUNCH_STEP_MS = 2_000;

function projectOr404(state: SandboxState, projectId: string): ProjectRecord {
  const project = state.projects.get(projectId);
  if (!project)
    throw new ProblemError(404, "Not Found", `No project with id '${projectId}' exists`, { projectId });
  return project;
}

function createAnalysis(ctx: RequestContext, variant: CreateVariant) {
  const state = ctx.state;
  const project = projectOr404(state, ctx.params.projectId!);
  const body = validateCreateBody(ctx, variant, project);
  const pl = body.pipeline;
  const code = body.code ?? matchingActivationCodes(state, project, pl)[0];
  if (!code) {
    throw new ProblemError(
      400,
      "Bad Request",
      `No activation code with free slots covers pipeline ${pl.code} in project ${project.name}`,
      { pipelineId: pl.id, activationCodeDetailId: "no matching activation code" },
    );
  }
  useSlot(code, project.id, state);
  const analysis = newSimulatedAnalysis(
    state,
    {
      projectId: project.id,
      pipelineId: pl.id,
      userReference: body.userReference,
      analysisStorageId: body.storageId ?? pl.analysisStorageId,
      activationCodeDetailId: code.id,
      analysisPriority: project.analysisPriority,
      tags: body.tags,
      ownerId: ctx.principal!.userId,
      inputs: body.inputs,
      configurations: body.configurations,
      logsFolderId: body.logsFolder?.id ?? null,
    },
    { stepMs: LAUNCH_STEP_MS },
  );
  if (body.outputParent) {
    analysis.outputFolderId = insertFolder(
      state,
      body.outputParent,
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

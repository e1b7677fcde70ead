/**
 * Activation codes (OpenAPI tag "Entitlement Detail"): "ICA will automatically determine the best matching
 * activation code" (ICA API guide, "Starting a Pipeline").
 * - POST /api/activationCodes:findBestMatchingForCwl / :findBestMatchingForNextflow: the best code
 *   (ActivationCodeDetail) for {projectId, pipelineId, analysisInput}; 404 when none can run the pipeline.
 * - POST /api/activationCodes:findAllMatchingForCwl / :findAllMatchingForNextflow: every usable code, best first.
 * Bodies are v3 or application/json; `analysisInput` is checked like the create endpoints' (CwlAnalysisInput with
 * objectType for CWL, NextflowAnalysisInput for Nextflow), and the pipeline must be in the endpoint's language.
 * A code is usable when its bundle lists the pipeline as active, covers the project's region and has free slots
 * (allowedSlots -1 = unlimited); "best" = unlimited first, then the most free slots.
 */
import type { RequestContext, RouteDef } from "../context.js";
import { ProblemError } from "../problem.js";
import type { PipelineRecord, ProjectRecord } from "../state.js";
import { activationCodeView } from "../views.js";
import { matchingActivationCodes } from "./analysis-create/activation.js";
import { parseAnalysisInput } from "./analysis-create/analysis-input.js";
import { Problems } from "./analysis-create/problems.js";

type Language = "CWL" | "NEXTFLOW";

function search(
  ctx: RequestContext,
  language: Language,
): { project: ProjectRecord; pipeline: PipelineRecord } {
  const body = ctx.body;
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ProblemError(400, "Bad Request", "The request body must be a JSON object", {
      body: "must be an object",
    });
  }
  const b = body as Record<string, unknown>;
  const p = new Problems();
  for (const key of Object.keys(b)) {
    if (!["projectId", "pipelineId", "analysisInput"].includes(key)) {
      p.add(key, "unknown property; allowed here: projectId, pipelineId, analysisInput");
    }
  }
  for (const key of ["projectId", "pipelineId"]) {
    if (typeof b[key] !== "string" || b[key] === "") p.add(key, "is required (a string)");
  }
  parseAnalysisInput(p, b.analysisInput, language === "CWL" ? "cwl" : "nextflow");
  p.throwIfAny("The activation code search is invalid");
  const projectId = b.projectId as string;
  const pipelineId = b.pipelineId as string;
  const project = ctx.state.projects.get(projectId);
  if (!project)
    throw new ProblemError(404, "Not Found", `No project with id '${projectId}' exists`, { projectId });
  const pipeline = ctx.state.pipelines.get(pipelineId);
  if (!pipeline?.projectIds.includes(project.id)) {
    throw new ProblemError(
      404,
      "Not Found",
      `No pipeline with id '${pipelineId}' is available in project '${projectId}'`,
      {
        pipelineId,
      },
    );
  }
  if (pipeline.language !== language) {
    throw new ProblemError(
      400,
      "Bad Request",
      `Pipeline ${pipeline.code} is a ${pipeline.language} pipeline`,
      {
        pipelineId: `a ${pipeline.language} pipeline; use the ${pipeline.language === "CWL" ? "Cwl" : "Nextflow"} endpoint`,
      },
    );
  }
  return { project, pipeline };
}

function best(language: Language, operationId: string, suffix: string): RouteDef {
  return {
    method: "POST",
    path: `/api/activationCodes:findBestMatchingFor${suffix}`,
    operationId,
    produces: ["v3"],
    consumes: ["v3", "json"],
    handler(ctx) {
      const { project, pipeline } = search(ctx, language);
      const code = matchingActivationCodes(ctx.state, project, pipeline)[0];
      if (!code) {
        throw new ProblemError(
          404,
          "Not Found",
          `No activation code with free slots covers pipeline ${pipeline.code} in project ${project.name}`,
          { pipelineId: pipeline.id, projectId: project.id },
        );
      }
      return ctx.json(200, activationCodeView(ctx.state, code));
    },
  };
}

function all(language: Language, operationId: string, suffix: string): RouteDef {
  return {
    method: "POST",
    path: `/api/activationCodes:findAllMatchingFor${suffix}`,
    operationId,
    produces: ["v3"],
    consumes: ["v3", "json"],
    handler(ctx) {
      const { project, pipeline } = search(ctx, language);
      const items = matchingActivationCodes(ctx.state, project, pipeline).map((c) =>
        activationCodeView(ctx.state, c),
      );
      return ctx.json(200, { items });
    },
  };
}

export const activationCodeRoutes: RouteDef[] = [
  best("CWL", "findBestMatchingActivationCodeForCwl", "Cwl"),
  best("NEXTFLOW", "findBestMatchingActivationCodesForNextflow", "Nextflow"),
  all("CWL", "findAllMatchingActivationCodesForCwl", "Cwl"),
  all("NEXTFLOW", "findAllMatchingActivationCodesForNextflow", "Nextflow"),
];

/**
 * Pipelines (OpenAPI tags "Project Pipeline" and "Pipeline"):
 * - GET /api/projects/{projectId}/pipelines (getProjectPipelines, v3): "all pipelines that are available to
 *   the project" as ProjectPipeline {pipeline: PipelineV3, projectId, bundleLinks}.
 * - GET /api/projects/{projectId}/pipelines/{pipelineId} (getProjectPipeline, v4 or v3).
 * - GET …/pipelines/{pipelineId}/inputParameters (InputParameterList) and …/configurationParameters
 *   (PipelineConfigurationParameterList), both v3.
 * - GET /api/pipelines/{pipelineId} (getPipeline, v4 or v3).
 *
 * A pipeline that exists but is not linked to the project is a 404 under the project (as an unknown id is).
 * The sandbox has no bundles, so `bundleLinks` is always an empty list.
 */
import type { RequestContext, RouteDef } from "../context.js";
import { ProblemError } from "../problem.js";
import type { PipelineRecord } from "../state.js";
import { configurationParameterView, inputParameterView, pipelineV3, pipelineV4 } from "../views.js";

function projectId(ctx: RequestContext): string {
  const id = ctx.params.projectId!;
  if (!ctx.state.projects.get(id)) {
    throw new ProblemError(404, "Not Found", `No project with id '${id}' exists`, { projectId: id });
  }
  return id;
}

function projectPipeline(ctx: RequestContext): PipelineRecord {
  const project = projectId(ctx);
  const id = ctx.params.pipelineId!;
  const p = ctx.state.pipelines.get(id);
  if (!p?.projectIds.includes(project)) {
    throw new ProblemError(
      404,
      "Not Found",
      `No pipeline with id '${id}' is available in project '${project}'`,
      {
        pipelineId: id,
      },
    );
  }
  return p;
}

export const pipelineRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/api/projects/{projectId}/pipelines",
    operationId: "getProjectPipelines",
    produces: ["v3"],
    handler(ctx) {
      const project = projectId(ctx);
      const items = ctx.state.pipelines
        .where((p) => p.projectIds.includes(project))
        .map((p) => ({ pipeline: pipelineV3(ctx.state, p), projectId: project, bundleLinks: { items: [] } }));
      return ctx.json(200, { items });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/pipelines/{pipelineId}",
    operationId: "getProjectPipeline",
    produces: ["v4", "v3"],
    handler(ctx) {
      const p = projectPipeline(ctx);
      const pipeline = ctx.version === "v4" ? pipelineV4(ctx.state, p) : pipelineV3(ctx.state, p);
      return ctx.json(200, { pipeline, projectId: ctx.params.projectId!, bundleLinks: { items: [] } });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/pipelines/{pipelineId}/inputParameters",
    operationId: "getProjectPipelineInputParameters",
    produces: ["v3"],
    handler(ctx) {
      const p = projectPipeline(ctx);
      return ctx.json(200, { items: p.inputParameters.map(inputParameterView) });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/pipelines/{pipelineId}/configurationParameters",
    operationId: "getProjectPipelineConfigurationParameters",
    produces: ["v3"],
    handler(ctx) {
      const p = projectPipeline(ctx);
      return ctx.json(200, { items: p.configurationParameters.map(configurationParameterView) });
    },
  },
  {
    method: "GET",
    path: "/api/pipelines/{pipelineId}",
    operationId: "getPipeline",
    produces: ["v4", "v3"],
    handler(ctx) {
      const id = ctx.params.pipelineId!;
      const p = ctx.state.pipelines.get(id);
      if (!p)
        throw new ProblemError(404, "Not Found", `No pipeline with id '${id}' exists`, { pipelineId: id });
      return ctx.json(200, ctx.version === "v4" ? pipelineV4(ctx.state, p) : pipelineV3(ctx.state, p));
    },
  },
];

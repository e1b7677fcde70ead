/**
 * Reference sets (OpenAPI tags "Project Pipeline" and "Reference Set"):
 * GET /api/projects/{projectId}/pipelines/{pipelineId}/referenceSets (getProjectPipelineReferenceSets, v3):
 * the sets whose reference data a launch of that pipeline may pass as `referenceDataParameters`.
 * `referenceDataProblem` is the create endpoints' check of one such parameter.
 */
import { createHash } from "node:crypto";
import type { RouteDef } from "../context.js";
import { ProblemError } from "../problem.js";
import type { PipelineRecord, ReferenceSetRecord, SandboxState } from "../state.js";

type Json = Record<string, unknown>;

/** A stable uuid-shaped id for catalogue objects that only exist inside views (species, data types). */
function derivedId(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function audit(state: SandboxState, id: string, r: ReferenceSetRecord): Json {
  return {
    id,
    timeCreated: r.timeCreated,
    timeModified: r.timeModified,
    ownerId: r.ownerId,
    tenantId: state.tenant.id,
    tenantName: state.tenant.name,
  };
}

export function referenceSetView(state: SandboxState, r: ReferenceSetRecord): Json {
  return {
    ...audit(state, r.id, r),
    name: r.name,
    referenceDataList: {
      items: r.referenceData.map((d) => ({
        ...audit(state, d.id, r),
        name: d.name,
        version: d.version,
        species: { ...audit(state, derivedId(`species:${d.species}`), r), name: d.species },
        typeList: {
          items: d.types.map((t) => ({ ...audit(state, derivedId(`referenceDataType:${t}`), r), name: t })),
        },
      })),
    },
  };
}

/** Why a referenceDataParameters entry cannot be used with this pipeline, or undefined when it can. */
export function referenceDataProblem(
  state: SandboxState,
  pipeline: PipelineRecord,
  parameterCode: string,
  referenceDataId: string,
): { field: "parameterCode" | "referenceDataId"; message: string } | undefined {
  if (!pipeline.inputParameters.some((p) => p.code === parameterCode)) {
    return {
      field: "parameterCode",
      message: `unknown input parameter '${parameterCode}'; this pipeline's inputs are ${pipeline.inputParameters.map((p) => p.code).join(", ")}`,
    };
  }
  const sets = state.referenceSets.where((s) => s.pipelineIds.includes(pipeline.id));
  if (!sets.some((s) => s.referenceData.some((d) => d.id === referenceDataId))) {
    return {
      field: "referenceDataId",
      message: `no reference data with id '${referenceDataId}' in the reference sets of pipeline ${pipeline.code}`,
    };
  }
  return undefined;
}

export const referenceSetRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/api/projects/{projectId}/pipelines/{pipelineId}/referenceSets",
    operationId: "getProjectPipelineReferenceSets",
    produces: ["v3"],
    handler(ctx) {
      const projectId = ctx.params.projectId!;
      if (!ctx.state.projects.get(projectId)) {
        throw new ProblemError(404, "Not Found", `No project with id '${projectId}' exists`, { projectId });
      }
      const id = ctx.params.pipelineId!;
      const p = ctx.state.pipelines.get(id);
      if (!p?.projectIds.includes(projectId)) {
        throw new ProblemError(
          404,
          "Not Found",
          `No pipeline with id '${id}' is available in project '${projectId}'`,
          { pipelineId: id },
        );
      }
      const sets = ctx.state.referenceSets.where((s) => s.pipelineIds.includes(p.id));
      return ctx.json(200, { items: sets.map((s) => referenceSetView(ctx.state, s)) });
    },
  },
];

/**
 * Analysis storage sizes (OpenAPI tag "Analysis Storage"):
 * - GET /api/projects/{projectId}/analysisStorages (getProjectAnalysisStorageOptions): v4 only,
 *   AnalysisStorageListV4 {items: [{id, name, description}]}.
 * - GET /api/analysisStorages (getAnalysisStorageOptions, deprecated): v3 only, AnalysisStorageListV3.
 * Every seeded storage is offered to every project (the spec leaves the sizes to the tenant).
 */
import type { RouteDef } from "../context.js";
import { ProblemError } from "../problem.js";
import { analysisStorageV3, analysisStorageV4 } from "../views.js";

export const storageRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/api/projects/{projectId}/analysisStorages",
    operationId: "getProjectAnalysisStorageOptions",
    produces: ["v4"],
    handler(ctx) {
      const projectId = ctx.params.projectId!;
      if (!ctx.state.projects.get(projectId)) {
        throw new ProblemError(404, "Not Found", `No project with id '${projectId}' exists`, { projectId });
      }
      return ctx.json(200, { items: ctx.state.analysisStorages.all().map(analysisStorageV4) });
    },
  },
  {
    method: "GET",
    path: "/api/analysisStorages",
    operationId: "getAnalysisStorageOptions",
    produces: ["v3"],
    handler(ctx) {
      return ctx.json(200, {
        items: ctx.state.analysisStorages.all().map((s) => analysisStorageV3(ctx.state, s)),
      });
    },
  },
];

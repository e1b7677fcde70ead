/** GET /api/projects (getProjects) and GET /api/projects/{projectId} (getProject). */
import { createHash } from "node:crypto";
import type { RouteDef } from "../context.js";
import { ProblemError } from "../problem.js";
import type { ProjectRecord } from "../state.js";
import { projectView } from "../views.js";

function parseBoolean(name: string, value: string | null): boolean | undefined {
  if (value === null || value === "") return undefined;
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new ProblemError(400, "Bad Request", `${name} must be true or false`, { [name]: value });
}

/** Changes whenever the stored project changes (If-Match support comes with updateProject). */
export function projectEtag(p: ProjectRecord): string {
  return `"${createHash("sha256").update(JSON.stringify(p)).digest("hex").slice(0, 16)}"`;
}

export const projectRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/api/projects",
    operationId: "getProjects",
    produces: ["v3"],
    handler(ctx) {
      const q = ctx.query;
      const search = q.get("search")?.trim().toLowerCase() ?? "";
      const userTags = q.getAll("userTags").filter(Boolean);
      const technicalTags = q.getAll("technicalTags").filter(Boolean);
      const includeHidden = parseBoolean("includeHiddenProjects", q.get("includeHiddenProjects")) ?? false;
      const region = q.get("region") || undefined;
      // `workgroups` is accepted and ignored: the sandbox has no workgroups.
      const items = ctx.state.projects.where(
        (p) =>
          (includeHidden || p.active) &&
          (search === "" ||
            p.name.toLowerCase().includes(search) ||
            (p.shortDescription ?? "").toLowerCase().includes(search)) &&
          // Every requested tag must be present (the filters narrow the list).
          userTags.every((t) => p.tags.userTags.includes(t)) &&
          technicalTags.every((t) => p.tags.technicalTags.includes(t)) &&
          (region === undefined || p.regionId === region),
      );
      const page = ctx.paginate(items, {
        sortable: {
          name: (p) => p.name,
          shortDescription: (p) => p.shortDescription,
          information: (p) => p.information,
        },
      });
      return ctx.json(200, { ...page, items: page.items.map((p) => projectView(ctx.state, p)) });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}",
    operationId: "getProject",
    produces: ["v3"],
    handler(ctx) {
      const project = ctx.state.projects.get(ctx.params.projectId!);
      if (!project) {
        throw new ProblemError(404, "Not Found", `No project with id '${ctx.params.projectId}' exists`, {
          projectId: ctx.params.projectId!,
        });
      }
      return ctx.json(200, projectView(ctx.state, project), { etag: projectEtag(project) });
    },
  },
];

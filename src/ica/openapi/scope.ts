/**
 * ICA_ALLOWED_PROJECTS for generic calls. An operation is in scope when its path names the project
 * (`/api/projects/{projectId}/…`); every project id anywhere in the path, query or body is checked as well
 * (keys matched case-insensitively: projectId, targetProjectId, owningProjectIds, project.id…).
 *
 * Operations without a project in their path are refused, except where ownership can be verified before
 * anything else is sent or returned: data by URN (a getData first, then `details.owningProjectId`), a job
 * (`project.id`), and the project list itself (entries filtered by id). A missing or null owner means refused.
 */
import type { Operation } from "./catalogue.js";

export type Scope =
  /** The path names the project. */
  | { kind: "project-path" }
  /** GET /api/projects: entries are filtered by their id. */
  | { kind: "project-list" }
  /** Data addressed by URN or id: GET /api/data/{dataUrn} first, then its owning project. */
  | { kind: "data"; param: "dataUrn" }
  /** A job: GET /api/jobs/{jobId} first, then its project. */
  | { kind: "job"; param: "jobId" }
  | { kind: "refused"; reason: string };

const DATA_BY_URN = new Set([
  "getData",
  "createDownloadUrlForDataWithoutProjectContext",
  "createInlineViewUrlForDataWithoutProjectContext",
]);

export function scopeOf(op: Pick<Operation, "operationId" | "method" | "path">): Scope {
  if (op.path.includes("{projectId}")) return { kind: "project-path" };
  if (op.method === "GET" && op.path === "/api/projects") return { kind: "project-list" };
  if (DATA_BY_URN.has(op.operationId) && op.path.includes("{dataUrn}"))
    return { kind: "data", param: "dataUrn" };
  if (op.operationId === "getJob" && op.path.includes("{jobId}")) return { kind: "job", param: "jobId" };
  return {
    kind: "refused",
    reason: `${op.operationId} (${op.method} ${op.path}) names no project in its path, so ICA_ALLOWED_PROJECTS cannot be enforced for it`,
  };
}

/** How ica_search_api describes the scope of an operation when an allow-list is set. */
export function scopeNote(op: Pick<Operation, "operationId" | "method" | "path">): string {
  const scope = scopeOf(op);
  switch (scope.kind) {
    case "project-path":
      return "allowed for the allowed projects (every project id in path, query and body is checked)";
    case "project-list":
      return "allowed; only the allowed projects are shown";
    case "data":
      return "allowed after a getData shows the data's owning project is allowed";
    case "job":
      return "allowed after a getJob shows the job's project is allowed";
    default:
      return "refused: no project in its path (ICA_ALLOWED_PROJECTS)";
  }
}

/** The owning project ICA gives for the verification answer, or undefined when it gives none. */
export function ownerOf(scope: Scope, body: unknown): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  if (scope.kind === "data") {
    const owner = (body as { details?: { owningProjectId?: unknown } }).details?.owningProjectId;
    return typeof owner === "string" && owner ? owner : undefined;
  }
  if (scope.kind === "job") {
    const owner = (body as { project?: { id?: unknown } | null }).project?.id;
    return typeof owner === "string" && owner ? owner : undefined;
  }
  return undefined;
}

/** Nesting deeper than this is refused rather than walked partly (argument bounds keep calls far below it). */
const MAX_WALK_DEPTH = 64;

export class ProjectWalkTooDeepError extends Error {}

/** Keys that hold project ids: projectId, targetProjectId, owningProjectIds… (any case). */
const isProjectIdKey = (key: string) => {
  const k = key.toLowerCase();
  return k.endsWith("projectid") || k.endsWith("projectids");
};
/** Keys whose object value is a project (`project: {id}`, `targetProject: {id}`). */
const isProjectKey = (key: string) => key.toLowerCase().endsWith("project");

/**
 * Every project id in the arguments, at any depth. Values under a project-id key that are not strings
 * (numbers, booleans) are returned as text too, so they fail the allow-list check instead of slipping past it.
 */
export function projectIdsIn(...values: unknown[]): string[] {
  const found = new Set<string>();
  const addId = (v: unknown) => {
    if (typeof v === "string") {
      if (v !== "") found.add(v);
    } else if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") {
      found.add(String(v));
    }
  };
  const visit = (value: unknown, depth: number) => {
    if (depth > MAX_WALK_DEPTH) throw new ProjectWalkTooDeepError("arguments nested too deeply to check");
    if (Array.isArray(value)) {
      for (const v of value) visit(v, depth + 1);
      return;
    }
    if (!value || typeof value !== "object") return;
    for (const [k, v] of Object.entries(value)) {
      if (isProjectIdKey(k)) {
        if (Array.isArray(v)) for (const x of v) addId(x);
        else addId(v);
      } else if (isProjectKey(k) && v && typeof v === "object" && !Array.isArray(v)) {
        addId((v as { id?: unknown }).id);
      }
      visit(v, depth + 1);
    }
  };
  for (const v of values) visit(v, 0);
  return [...found];
}

/**
 * GET /api/projects/{projectId}/data (getProjectDataList) and GET /api/projects/{projectId}/data/{dataId}
 * (getProjectData).
 *
 * Filters (OpenAPI parameter descriptions; where the spec is silent the sandbox's choice is noted):
 * - id: exact ids. type: FILE | FOLDER. status / formatCode / formatId: any of the given values.
 * - filename + filenameMatchMode: EXACT = the name equals one of the values (case-sensitive); FUZZY (the
 *   sandbox's default when filename is given without a mode) = the name contains one of the values,
 *   case-insensitively; EXCLUDE = the name equals none of the values.
 * - filePath + filePathMatchMode, matched on the FULL path (parent path + name, folders ending in "/"):
 *   STARTS_WITH_CASE_INSENSITIVE (default; recursive listing of a folder) or FULL_CASE_INSENSITIVE.
 * - parentFolderPath (must start and end with "/"; "/" is the root) and parentFolderId: direct children only.
 * - fullText: case-insensitive substring of the full path. creationDateAfter/Before: on timeCreated.
 * - userTag/technicalTag (+ match modes): like filename, on the data's tags.
 * Other declared filters are accepted and ignored.
 */
import { createHash } from "node:crypto";
import type { RequestContext, RouteDef } from "../context.js";
import { ProblemError } from "../problem.js";
import type { DataRecord, DataStatus, ProjectRecord, SandboxState } from "../state.js";
import { projectDataView } from "../views.js";

const STATUSES: readonly DataStatus[] = [
  "PARTIAL",
  "AVAILABLE",
  "ARCHIVING",
  "ARCHIVED",
  "UNARCHIVING",
  "DELETING",
];
const MATCH_MODES = ["EXACT", "EXCLUDE", "FUZZY"] as const;
type MatchMode = (typeof MATCH_MODES)[number];
const PATH_MODES = ["STARTS_WITH_CASE_INSENSITIVE", "FULL_CASE_INSENSITIVE"] as const;

function bad(detail: string, parameters: Record<string, string>): ProblemError {
  return new ProblemError(400, "Bad Request", detail, parameters);
}

/** Repeated values of an array parameter (empty values dropped). */
function list(q: URLSearchParams, name: string): string[] {
  return q.getAll(name).filter((v) => v !== "");
}

function one(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null || v === "" ? undefined : v;
}

function oneOf<T extends string>(q: URLSearchParams, name: string, allowed: readonly T[]): T | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw bad(`${name} must be one of ${allowed.join(", ")}`, { [name]: v });
  }
  return v as T;
}

function dateParam(q: URLSearchParams, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(t)) {
    throw bad(`${name} must be a date-time like 2021-01-30T08:30:00Z`, { [name]: v });
  }
  return t;
}

function matches(value: string, wanted: string[], mode: MatchMode): boolean {
  if (mode === "EXACT") return wanted.includes(value);
  if (mode === "EXCLUDE") return !wanted.includes(value);
  const lower = value.toLowerCase();
  return wanted.some((w) => lower.includes(w.toLowerCase()));
}

function tagsMatch(tags: string[], wanted: string[], mode: MatchMode): boolean {
  if (mode === "EXCLUDE") return tags.every((t) => !wanted.includes(t));
  return tags.some((t) => matches(t, wanted, mode));
}

export function projectOr404(state: SandboxState, projectId: string): ProjectRecord {
  const project = state.projects.get(projectId);
  if (!project) {
    throw new ProblemError(404, "Not Found", `No project with id '${projectId}' exists`, { projectId });
  }
  return project;
}

export function projectDataOr404(state: SandboxState, projectId: string, dataId: string): DataRecord {
  const d = state.data.get(dataId);
  if (!d || d.projectId !== projectId) {
    throw new ProblemError(404, "Not Found", `No data with id '${dataId}' exists in project '${projectId}'`, {
      projectId,
      dataId,
    });
  }
  return d;
}

function dataEtag(d: DataRecord): string {
  return `"${createHash("sha256").update(JSON.stringify(d)).digest("hex").slice(0, 16)}"`;
}

function filterData(ctx: RequestContext, projectId: string): DataRecord[] {
  const q = ctx.query;
  const state = ctx.state;
  const ids = list(q, "id");
  const type = oneOf(q, "type", ["FILE", "FOLDER"] as const);
  const statuses = list(q, "status");
  for (const s of statuses) {
    if (!(STATUSES as readonly string[]).includes(s)) {
      throw bad(`status must be one of ${STATUSES.join(", ")}`, { status: s });
    }
  }
  const formatCodes = list(q, "formatCode");
  const formatIds = list(q, "formatId");
  const filenames = list(q, "filename");
  const filenameMode = oneOf(q, "filenameMatchMode", MATCH_MODES) ?? "FUZZY";
  const filePaths = list(q, "filePath").map((p) => p.toLowerCase());
  const filePathMode = oneOf(q, "filePathMatchMode", PATH_MODES) ?? "STARTS_WITH_CASE_INSENSITIVE";
  const parentFolderIds = list(q, "parentFolderId");
  const parentFolderPath = one(q, "parentFolderPath");
  if (
    parentFolderPath !== undefined &&
    (!parentFolderPath.startsWith("/") || !parentFolderPath.endsWith("/"))
  ) {
    throw bad("parentFolderPath must start and end with a '/'", { parentFolderPath });
  }
  const fullText = one(q, "fullText")?.toLowerCase();
  const createdAfter = dateParam(q, "creationDateAfter");
  const createdBefore = dateParam(q, "creationDateBefore");
  const userTags = list(q, "userTag");
  const userTagMode = oneOf(q, "userTagMatchMode", MATCH_MODES) ?? "EXACT";
  const technicalTags = list(q, "technicalTag");
  const technicalTagMode = oneOf(q, "technicalTagMatchMode", MATCH_MODES) ?? "EXACT";
  const formatIdCodes = formatIds.map((id) => state.formats.get(id)?.code ?? `\0${id}`);

  return state.data.where((d) => {
    if (d.projectId !== projectId) return false;
    if (ids.length > 0 && !ids.includes(d.id)) return false;
    if (type !== undefined && d.dataType !== type) return false;
    if (statuses.length > 0 && !statuses.includes(d.status)) return false;
    if (formatCodes.length > 0 && (d.formatCode === null || !formatCodes.includes(d.formatCode)))
      return false;
    if (formatIds.length > 0 && (d.formatCode === null || !formatIdCodes.includes(d.formatCode)))
      return false;
    if (filenames.length > 0 && !matches(d.name, filenames, filenameMode)) return false;
    if (parentFolderPath !== undefined && d.path !== parentFolderPath) return false;
    if (parentFolderIds.length > 0 && (d.parentId === null || !parentFolderIds.includes(d.parentId))) {
      return false;
    }
    if (filePaths.length > 0 || fullText !== undefined) {
      const full = state.fullPath(d).toLowerCase();
      if (fullText !== undefined && !full.includes(fullText)) return false;
      if (
        filePaths.length > 0 &&
        !filePaths.some((p) => (filePathMode === "FULL_CASE_INSENSITIVE" ? full === p : full.startsWith(p)))
      ) {
        return false;
      }
    }
    if (createdAfter !== undefined || createdBefore !== undefined) {
      const t = Date.parse(d.timeCreated);
      if (createdAfter !== undefined && t <= createdAfter) return false;
      if (createdBefore !== undefined && t >= createdBefore) return false;
    }
    if (userTags.length > 0 && !tagsMatch(d.tags.userTags, userTags, userTagMode)) return false;
    if (technicalTags.length > 0 && !tagsMatch(d.tags.technicalTags, technicalTags, technicalTagMode)) {
      return false;
    }
    return true;
  });
}

export const dataRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/api/projects/{projectId}/data",
    operationId: "getProjectDataList",
    produces: ["v3"],
    handler(ctx) {
      const projectId = ctx.params.projectId!;
      projectOr404(ctx.state, projectId);
      const items = filterData(ctx, projectId);
      const state = ctx.state;
      const page = ctx.paginate(items, {
        sortable: {
          timeCreated: (d) => d.timeCreated,
          timeModified: (d) => d.timeModified,
          name: (d) => d.name,
          path: (d) => state.fullPath(d),
          fileSizeInBytes: (d) => d.fileSizeInBytes,
          status: (d) => d.status,
          format: (d) => d.formatCode,
          dataType: (d) => d.dataType,
          willBeArchivedAt: (d) => d.willBeArchivedAt,
          willBeDeletedAt: (d) => d.willBeDeletedAt,
        },
      });
      return ctx.json(200, { ...page, items: page.items.map((d) => projectDataView(state, d)) });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/data/{dataId}",
    operationId: "getProjectData",
    produces: ["v3"],
    handler(ctx) {
      const projectId = ctx.params.projectId!;
      projectOr404(ctx.state, projectId);
      const d = projectDataOr404(ctx.state, projectId, ctx.params.dataId!);
      return ctx.json(200, projectDataView(ctx.state, d), { etag: dataEtag(d) });
    },
  },
];

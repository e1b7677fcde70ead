/**
 * Project analyses (OpenAPI tag "Project Analysis"):
 * - POST /api/projects/{projectId}/analysis:search (searchAnalyses): the current listing. Body
 *   `AnalysisQueryParameters` (optional; v3 or application/json), answered as `AnalysisPagedListV4` under the
 *   v3 media type (the spec's quirk). `status` takes several v4 names (IN_PROGRESS, AWAITING_INPUT,
 *   FAILED_FINAL...), compared exactly: anything else, v3 spellings included, is a 400.
 * - GET /api/projects/{projectId}/analyses (getAnalyses, deprecated): v3 items only, lower-case filter
 *   names (`userreference`, `usertag`, `technicaltag`, `referencetag`) and ONE `status` in the v3 spelling
 *   (INPROGRESS, AWAITINGINPUT, FAILEDFINAL; INPROGRESS also matches the newer v4-only running states and
 *   REQUESTED matches QUEUED, as the v3 view reports them).
 * - GET …/analyses/{analysisId} (v4 or v3, with ETag), …/steps, …/inputs, …/outputs, …/configurations,
 *   …/logs, …/usage, and POST …/analyses/{analysisId}:abort (204; 409 once the analysis has ended).
 *
 * Filters where the spec is silent (the sandbox's choices): `reference`/`userReference` match a
 * case-insensitive substring; tag filters require every given tag. Both listings page with cursors (seq
 * order) or offsets with sort on reference, userReference, pipeline (code), status, startDate, endDate and
 * summary (paging.ts: default page size 100, clamp 1000, 200,000-row offset cap). Usage details exist for
 * SUCCEEDED/FAILED/FAILED_FINAL analyses from two minutes after they end (before that, 404 "busy", as the
 * spec describes). Every read first advances simulated and aborting analyses (lifecycle.ts).
 */
import { createHash } from "node:crypto";
import type { RequestContext, RouteDef } from "../context.js";
import { abortAnalysis, advanceAnalyses, advanceAnalysis } from "../lifecycle.js";
import type { SortValue } from "../paging.js";
import { ProblemError } from "../problem.js";
import type { AnalysisRecord, AnalysisStatus, DataRecord, ProjectRecord, SandboxState } from "../state.js";
import { ANALYSIS_STATUSES } from "../state.js";
import {
  analysisStatusV3,
  analysisStepView,
  analysisV3,
  analysisV4,
  dataFormatView,
  dataView,
} from "../views.js";

const V3_STATUSES = [
  "REQUESTED",
  "AWAITINGINPUT",
  "INPROGRESS",
  "SUCCEEDED",
  "FAILED",
  "FAILEDFINAL",
  "ABORTED",
];
const USAGE_DELAY_MS = 2 * 60_000;
const MAX_CHILDREN = 200_000;

function bad(detail: string, parameters: Record<string, string>): ProblemError {
  return new ProblemError(400, "Bad Request", detail, parameters);
}

function projectOf(ctx: RequestContext): ProjectRecord {
  const projectId = ctx.params.projectId!;
  const project = ctx.state.projects.get(projectId);
  if (!project)
    throw new ProblemError(404, "Not Found", `No project with id '${projectId}' exists`, { projectId });
  return project;
}

function analysisOf(ctx: RequestContext): AnalysisRecord {
  const project = projectOf(ctx);
  const analysisId = ctx.params.analysisId!;
  const a = ctx.state.analyses.get(analysisId);
  if (!a || a.projectId !== project.id) {
    throw new ProblemError(
      404,
      "Not Found",
      `No analysis with id '${analysisId}' exists in project '${project.id}'`,
      {
        analysisId,
      },
    );
  }
  advanceAnalysis(ctx.state, a);
  return a;
}

function sortable(state: SandboxState, v3: boolean): Record<string, (a: AnalysisRecord) => SortValue> {
  return {
    reference: (a) => a.reference,
    userReference: (a) => a.userReference,
    pipeline: (a) => state.pipelines.get(a.pipelineId)?.code,
    status: (a) => (v3 ? analysisStatusV3(a.status) : a.status),
    startDate: (a) => a.startDate,
    endDate: (a) => a.endDate,
    summary: (a) => a.summary,
  };
}

interface Filters {
  reference?: string;
  userReference?: string;
  statuses?: (a: AnalysisRecord) => boolean;
  userTags: string[];
  technicalTags: string[];
  referenceTags: string[];
}

function matches(a: AnalysisRecord, f: Filters): boolean {
  return (
    (f.reference === undefined || a.reference.toLowerCase().includes(f.reference)) &&
    (f.userReference === undefined || a.userReference.toLowerCase().includes(f.userReference)) &&
    (f.statuses === undefined || f.statuses(a)) &&
    f.userTags.every((t) => a.tags.userTags.includes(t)) &&
    f.technicalTags.every((t) => a.tags.technicalTags.includes(t)) &&
    f.referenceTags.every((t) => a.tags.referenceTags.includes(t))
  );
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw bad(`${name} must be a string`, { [name]: JSON.stringify(v) });
  return v.toLowerCase();
}

function optionalStrings(body: Record<string, unknown>, name: string): string[] {
  const v = body[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => x !== null && typeof x !== "string")) {
    throw bad(`${name} must be an array of strings`, { [name]: JSON.stringify(v) });
  }
  return (v as (string | null)[]).filter((x): x is string => typeof x === "string" && x !== "");
}

function searchFilters(raw: unknown): { filters: Filters; key: string } {
  if (raw !== undefined && (raw === null || typeof raw !== "object" || Array.isArray(raw))) {
    throw bad("The request body must be an AnalysisQueryParameters object", { body: typeof raw });
  }
  const body = (raw ?? {}) as Record<string, unknown>;
  const statuses = optionalStrings(body, "status");
  for (const s of statuses) {
    if (!(ANALYSIS_STATUSES as readonly string[]).includes(s)) {
      throw bad(
        `status '${s}' is not an analysis status; use one of ${ANALYSIS_STATUSES.join(", ")} (this endpoint takes the v4 spellings)`,
        { status: s },
      );
    }
  }
  const filters: Filters = {
    reference: optionalString(body, "reference"),
    userReference: optionalString(body, "userReference"),
    ...(statuses.length > 0 ? { statuses: (a) => statuses.includes(a.status) } : {}),
    userTags: optionalStrings(body, "userTags"),
    technicalTags: optionalStrings(body, "technicalTags"),
    referenceTags: optionalStrings(body, "referenceTags"),
  };
  const key = JSON.stringify([
    filters.reference,
    filters.userReference,
    [...statuses].sort(),
    [...filters.userTags].sort(),
    [...filters.technicalTags].sort(),
    [...filters.referenceTags].sort(),
  ]);
  return { filters, key };
}

function queryFilters(q: URLSearchParams): Filters {
  const one = (name: string) => {
    const v = q.get(name);
    return v === null || v === "" ? undefined : v;
  };
  const status = one("status");
  if (status !== undefined && !V3_STATUSES.includes(status)) {
    throw bad(
      `status '${status}' is not a v3 analysis status; use one of ${V3_STATUSES.join(", ")} (POST analysis:search takes the v4 spellings)`,
      { status },
    );
  }
  const tag = (name: string) => {
    const v = one(name);
    return v === undefined ? [] : [v];
  };
  return {
    reference: one("reference")?.toLowerCase(),
    userReference: one("userreference")?.toLowerCase(),
    ...(status !== undefined
      ? { statuses: (a: AnalysisRecord) => analysisStatusV3(a.status) === status }
      : {}),
    userTags: tag("usertag"),
    technicalTags: tag("technicaltag"),
    referenceTags: tag("referencetag"),
  };
}

function analysisEtag(a: AnalysisRecord): string {
  const { simulation: _s, abort: _a, ...visible } = a;
  return `"${createHash("sha256").update(JSON.stringify(visible)).digest("hex").slice(0, 16)}"`;
}

/** `AnalysisData` for one stored item; folders carry their children (depth-first, bounded). */
function analysisData(state: SandboxState, d: DataRecord, budget: { left: number }, withChildren: boolean) {
  const format = d.formatCode ? state.formatByCode(d.formatCode) : undefined;
  const out: Record<string, unknown> = {
    dataId: d.id,
    name: d.name,
    dataType: d.dataType,
    format: format ? dataFormatView(state, format) : null,
  };
  if (withChildren && d.dataType === "FOLDER") {
    const children: unknown[] = [];
    for (const child of state.data.where((c) => c.parentId === d.id)) {
      if (budget.left <= 0) break;
      budget.left--;
      children.push(analysisData(state, child, budget, true));
    }
    out.children = children;
  }
  return out;
}

const STORAGE_RATE: Record<string, number> = { Small: 1, Medium: 2, Large: 4, XLarge: 8 };

export const analysisRoutes: RouteDef[] = [
  {
    method: "POST",
    path: "/api/projects/{projectId}/analysis:search",
    operationId: "searchAnalyses",
    produces: ["v3"],
    consumes: ["v3", "json"],
    handler(ctx) {
      const project = projectOf(ctx);
      advanceAnalyses(ctx.state, project.id);
      const { filters, key } = searchFilters(ctx.body);
      const items = ctx.state.analyses.where((a) => a.projectId === project.id && matches(a, filters));
      const page = ctx.paginate(items, {
        sortable: sortable(ctx.state, false),
        scope: `${project.id}|${key}`,
      });
      return ctx.json(200, { ...page, items: page.items.map((a) => analysisV4(ctx.state, a)) });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/analyses",
    operationId: "getAnalyses",
    produces: ["v3"],
    handler(ctx) {
      const project = projectOf(ctx);
      advanceAnalyses(ctx.state, project.id);
      const filters = queryFilters(ctx.query);
      const items = ctx.state.analyses.where((a) => a.projectId === project.id && matches(a, filters));
      const page = ctx.paginate(items, { sortable: sortable(ctx.state, true), scope: project.id });
      return ctx.json(200, { ...page, items: page.items.map((a) => analysisV3(ctx.state, a)) });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/analyses/{analysisId}",
    operationId: "getAnalysis",
    produces: ["v4", "v3"],
    handler(ctx) {
      const a = analysisOf(ctx);
      const body = ctx.version === "v3" ? analysisV3(ctx.state, a) : analysisV4(ctx.state, a);
      return ctx.json(200, body, { etag: analysisEtag(a) });
    },
  },
  {
    method: "POST",
    path: "/api/projects/{projectId}/analyses/{analysisId}:abort",
    operationId: "abortAnalysis",
    produces: [],
    handler(ctx) {
      abortAnalysis(ctx.state, analysisOf(ctx));
      return ctx.noContent();
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/analyses/{analysisId}/steps",
    operationId: "getAnalysisSteps",
    produces: ["v3"],
    handler(ctx) {
      const a = analysisOf(ctx);
      return ctx.json(200, { items: (a.steps ?? []).map((s) => analysisStepView(ctx.state, s)) });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/analyses/{analysisId}/inputs",
    operationId: "getAnalysisInputs",
    produces: ["v3"],
    handler(ctx) {
      const a = analysisOf(ctx);
      const budget = { left: MAX_CHILDREN };
      return ctx.json(200, {
        items: a.inputs.map((input) => ({
          code: input.code,
          analysisData: input.dataIds
            .map((id) => ctx.state.data.get(id))
            .filter((d): d is DataRecord => d !== undefined)
            .map((d) => ({
              ...analysisData(ctx.state, d, budget, false),
              mountPath: `${input.code}/${d.name}`,
            })),
          externalData: [],
        })),
      });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/analyses/{analysisId}/outputs",
    operationId: "getAnalysisOutputs",
    produces: ["v3"],
    handler(ctx) {
      const a = analysisOf(ctx);
      return ctx.json(200, {
        items: a.outputs.map((output) => {
          // "limited to the first 200.000 files per output folder"
          const budget = { left: MAX_CHILDREN };
          return {
            code: output.code,
            projectId: a.projectId,
            data: output.dataIds
              .map((id) => ctx.state.data.get(id))
              .filter((d): d is DataRecord => d !== undefined)
              .map((d) => analysisData(ctx.state, d, budget, true)),
          };
        }),
      });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/analyses/{analysisId}/configurations",
    operationId: "getAnalysisConfigurations",
    produces: ["v3"],
    handler(ctx) {
      const a = analysisOf(ctx);
      return ctx.json(200, {
        items: a.configurations.map((c) => ({
          name: c.name,
          multiValue: c.multiValue,
          values: [...c.values],
        })),
      });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/analyses/{analysisId}/logs",
    operationId: "getAnalysisLogs",
    produces: ["v3"],
    handler(ctx) {
      const a = analysisOf(ctx);
      const folder = a.logsFolderId ? ctx.state.data.get(a.logsFolderId) : undefined;
      return ctx.json(200, folder ? { logsFolder: dataView(ctx.state, folder) } : {});
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/analyses/{analysisId}/usage",
    operationId: "getAnalysisUsageDetails",
    produces: ["v3"],
    handler(ctx) {
      const a = analysisOf(ctx);
      const billable: AnalysisStatus[] = ["SUCCEEDED", "FAILED", "FAILED_FINAL"];
      const ended = a.endDate ? Date.parse(a.endDate) : undefined;
      if (!billable.includes(a.status) || ended === undefined || !a.startDate) {
        throw new ProblemError(
          404,
          "Not Found",
          `Usage details are only available once an analysis has completed with status SUCCEEDED or FAILED; this one is ${a.status}`,
          { analysisId: a.id, status: a.status },
        );
      }
      if (ctx.state.clock.now() < ended + USAGE_DELAY_MS) {
        throw new ProblemError(
          404,
          "Not Found",
          "The usage details are still being processed; try again in a few minutes",
          { analysisId: a.id },
        );
      }
      const hours = Math.max(0, ended - Date.parse(a.startDate)) / 3_600_000;
      const storage = ctx.state.analysisStorages.get(a.analysisStorageId)?.name ?? "Small";
      const amount = Math.round((0.5 + hours * (STORAGE_RATE[storage] ?? 1)) * 100) / 100;
      return ctx.json(200, { price: { amount, currency: "iCredit" } });
    },
  },
];

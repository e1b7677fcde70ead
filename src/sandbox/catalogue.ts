/**
 * The sandbox's description of itself: an OpenAPI 3 document of exactly the operations it implements, built
 * from its route table (method, path, operationId, media types) plus the query parameters its handlers read
 * (listed below, by operationId). Published at /ica/api/swagger/openapi_public.yaml when ICA's full document
 * (../shared/ica-openapi/) is not available, e.g. in an installed package, so that a catalogue client has
 * something true to work with. Bodies are described as free-form objects: the handlers check them and answer
 * application/problem+json 400s naming the fields.
 */
import type { RouteDef } from "./context.js";
import { type ConsumedType, vendorType } from "./media.js";

type QueryParam = { name: string; list?: boolean; type?: "boolean" | "integer"; enum?: string[] };

const PAGING: QueryParam[] = [
  { name: "pageSize", type: "integer" },
  { name: "pageToken" },
  { name: "pageOffset", type: "integer" },
  { name: "sort" },
];
const MATCH_MODES = ["EXACT", "EXCLUDE", "FUZZY"];

/** The query parameters each handler reads; an operation not listed here takes none. */
const QUERY: Record<string, QueryParam[]> = {
  createJwtToken: [{ name: "tenant" }],
  getProjects: [
    { name: "search" },
    { name: "userTags", list: true },
    { name: "technicalTags", list: true },
    { name: "includeHiddenProjects", type: "boolean" },
    { name: "region" },
    { name: "workgroups", list: true },
    ...PAGING,
  ],
  getProjectDataList: [
    { name: "parentFolderPath" },
    { name: "parentFolderId", list: true },
    { name: "filename", list: true },
    { name: "filenameMatchMode", enum: MATCH_MODES },
    { name: "filePath", list: true },
    { name: "filePathMatchMode", enum: ["STARTS_WITH_CASE_INSENSITIVE", "FULL_CASE_INSENSITIVE"] },
    { name: "type", enum: ["FILE", "FOLDER"] },
    { name: "status", list: true },
    { name: "formatCode", list: true },
    { name: "formatId", list: true },
    { name: "id", list: true },
    { name: "userTag", list: true },
    { name: "userTagMatchMode", enum: MATCH_MODES },
    { name: "technicalTag", list: true },
    { name: "technicalTagMatchMode", enum: MATCH_MODES },
    { name: "fullText" },
    { name: "creationDateAfter" },
    { name: "creationDateBefore" },
    ...PAGING,
  ],
  getAnalyses: [
    { name: "status" },
    { name: "reference" },
    { name: "userreference" },
    { name: "usertag" },
    { name: "technicaltag" },
    { name: "referencetag" },
    ...PAGING,
  ],
  searchAnalyses: PAGING,
  getSampleCreationBatchItems: [{ name: "status", list: true }, ...PAGING],
};

/** Operations whose handler honours an Idempotency-Key header. */
const IDEMPOTENT = new Set([
  "createSampleCreationBatch",
  "createCwlAnalysis",
  "createNextflowAnalysis",
  "createCwlAnalysisWithStructuredInput",
]);

const mediaType = (t: ConsumedType): string =>
  t === "json"
    ? "application/json"
    : t === "form"
      ? "application/x-www-form-urlencoded"
      : t === "multipart"
        ? "multipart/form-data"
        : vendorType(t);

/** "getProjectDataList" -> "Get project data list". */
function summaryOf(operationId: string): string {
  const words = operationId.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "/api/projects/{projectId}/data" -> "Project Data"-like tag from the first path segment. */
function tagOf(path: string): string {
  const first = path.split("/")[2]?.split(":")[0] ?? "other";
  return first.charAt(0).toUpperCase() + first.slice(1);
}

function querySchema(p: QueryParam): Record<string, unknown> {
  const one: Record<string, unknown> = p.enum
    ? { type: "string", enum: p.enum }
    : { type: p.type ?? "string", ...(p.type === "integer" ? { format: "int32" } : {}) };
  return p.list ? { type: "array", items: one } : one;
}

/** The OpenAPI document describing `routes` (the sandbox's own table). */
export function describeRoutes(routes: readonly RouteDef[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const pathParams = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const queryParams = (QUERY[route.operationId] ?? []).map((p) => ({
      name: p.name,
      in: "query",
      required: false,
      schema: querySchema(p),
      ...(p.list ? { style: "form", explode: true } : {}),
    }));
    const headers = IDEMPOTENT.has(route.operationId)
      ? [
          {
            name: "Idempotency-Key",
            in: "header",
            required: false,
            schema: { type: "string", maxLength: 255 },
          },
        ]
      : [];
    const success =
      route.produces.length === 0
        ? { "204": { description: "Done." } }
        : {
            [route.method === "POST" && /create/i.test(route.operationId) ? "201" : "200"]: {
              description: "Success.",
              content: Object.fromEntries(
                route.produces.map((v) => [vendorType(v), { schema: { type: "object" } }]),
              ),
            },
          };
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: summaryOf(route.operationId),
      description: `${summaryOf(route.operationId)} (${route.method} ${route.path}), as implemented by the ica-mcp sandbox.`,
      tags: [tagOf(route.path)],
      parameters: [...pathParams, ...queryParams, ...headers],
      responses: {
        ...success,
        default: { description: "An application/problem+json error." },
      },
      ...(route.auth === false ? { security: [] } : {}),
    };
    if (route.consumes && route.consumes.length > 0) {
      operation.requestBody = {
        required: route.method === "POST",
        content: Object.fromEntries(
          route.consumes.map((t) => [mediaType(t), { schema: { type: "object" } }]),
        ),
      };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "ICA sandbox API (the operations the ica-mcp sandbox implements)",
      version: "sandbox",
      description:
        "Generated from the sandbox's route table. ICA's own document describes about 300 operations; the sandbox implements these.",
    },
    servers: [{ url: "/ica/rest" }],
    paths,
    components: {
      securitySchemes: {
        ApiKeyAuth: { type: "apiKey", in: "header", name: "X-API-Key" },
        JwtAuth: { type: "http", scheme: "bearer" },
      },
    },
    security: [{ ApiKeyAuth: [] }, { JwtAuth: [] }],
  };
}

/** Operation ids with a query-parameter entry (for the test that keeps the table true to the routes). */
export const DESCRIBED_QUERY_OPERATIONS: readonly string[] = Object.keys(QUERY);

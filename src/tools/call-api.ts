import { z } from "zod";
import { buildPath } from "../ica/client.js";
import { UserInputError } from "../ica/errors.js";
import { boundValue, secretValues } from "../ica/openapi/bound.js";
import { replacementFor } from "../ica/openapi/catalogue.js";
import { getCatalogue } from "../ica/openapi/document.js";
import { prepareCall, projectIdsIn } from "../ica/openapi/validate.js";
import { defineTool } from "../mcp/adapter.js";
import { registerSecret } from "../redact.js";

/** Characters of result JSON returned at most (about 5,000 tokens). */
export const MAX_RESULT_CHARS = 20_000;

const READ_ONLY_RULE =
  "only GET operations and the POSTs that change nothing (…:search, activationCodes:findBestMatching…/findAllMatching…, …:createDownloadUrl(s), …:createInlineViewUrl)";

export const callApiTool = defineTool({
  name: "ica_call_api",
  title: "Call any ICA API operation",
  description:
    "Calls one ICA REST operation (operationId from ica_search_api) when no curated tool fits. path, query and body are objects keyed by parameter name, validated first (all problems listed). Returns status and JSON, cut at ~20,000 characters. Can change or delete data.",
  inputSchema: {
    operationId: z.string().min(1).max(200).describe("From ica_search_api, e.g. searchAnalyses."),
    path: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Path parameters, e.g. {"projectId": "…"} (default projectId: ICA_PROJECT_ID).'),
    query: z.record(z.string(), z.unknown()).optional().describe('Query parameters, e.g. {"pageSize": 50}.'),
    body: z.record(z.string(), z.unknown()).optional().describe("JSON request body."),
    version: z.enum(["v3", "v4"]).optional().describe("Default v3 (v4 when only v4 exists)."),
    idempotencyKey: z.string().min(1).max(255).optional().describe("Default: derived from the arguments."),
  },
  outputSchema: {
    operationId: z.string(),
    method: z.string(),
    path: z.string(),
    status: z.number(),
    result: z.unknown().optional(),
    truncated: z.boolean(),
    notice: z.string().optional(),
    nextPageToken: z.string().optional(),
    hiddenByAllowedProjects: z.number().optional(),
    deprecated: z
      .object({ replacedBy: z.array(z.string()).optional(), note: z.string().optional() })
      .optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async handler(args, ctx) {
    // Secrets in the body (storage credential keys, passwords) are registered before anything can fail.
    for (const secret of secretValues(args.body)) registerSecret(secret);
    const catalogue = await getCatalogue(ctx.ica, { signal: ctx.signal });
    const op = catalogue.byId.get(args.operationId);
    if (op && ctx.config.readOnly && !op.changesNothing) {
      throw new UserInputError(
        `${op.operationId} (${op.method} ${op.path}) changes data in ICA, and this server is read-only (ICA_READ_ONLY): ${READ_ONLY_RULE} are allowed`,
        "use an operation that changes nothing (ica_search_api marks them changesData=false), or ask the user to run the server without ICA_READ_ONLY.",
      );
    }
    const pathArgs = { ...(args.path ?? {}) };
    if (
      op?.parameters.some((p) => p.in === "path" && p.name === "projectId") &&
      pathArgs.projectId === undefined &&
      ctx.config.projectId
    ) {
      pathArgs.projectId = ctx.config.projectId;
    }
    const prepared = prepareCall(catalogue, {
      operationId: args.operationId,
      path: pathArgs,
      query: args.query,
      body: args.body,
      version: args.version,
      idempotencyKey: args.idempotencyKey,
    });
    if (!prepared.call) {
      throw new UserInputError(
        prepared.problems,
        op
          ? `fix every problem above and call again; ica_search_api with query "${op.operationId}" lists its parameters and body fields.`
          : "find the operation with ica_search_api and call again with its operationId.",
      );
    }
    const call = prepared.call;
    for (const projectId of projectIdsIn(call)) ctx.checkProject(projectId);

    const res = await ctx.ica.request<unknown>({
      method: call.op.method,
      path: call.op.path,
      pathParams: call.pathParams,
      query: call.query,
      ...(call.body !== undefined ? { body: call.body } : {}),
      version: call.version,
      ...(call.contentType ? { contentType: call.contentType } : {}),
      ...(call.accept ? { accept: call.accept } : {}),
      responseType: call.responseType,
      ...(call.idempotencyKey ? { idempotencyKey: call.idempotencyKey } : {}),
      safe: call.safe,
      signal: ctx.signal,
    });
    for (const secret of secretValues(res.body)) registerSecret(secret);
    const { body, hidden } = hideOtherProjects(call.op.path, res.body, ctx.allowedProjects);
    const bounded = boundValue(body, MAX_RESULT_CHARS);
    const nextPageToken =
      res.body && typeof res.body === "object" && !Array.isArray(res.body)
        ? (res.body as { nextPageToken?: unknown }).nextPageToken
        : undefined;
    const replacement = call.op.deprecated ? replacementFor(call.op, catalogue) : undefined;
    const concretePath = buildPath(call.op.path, call.pathParams);
    const structured = {
      operationId: call.op.operationId,
      method: call.op.method,
      path: concretePath,
      status: res.status,
      ...(bounded.value !== undefined ? { result: bounded.value } : {}),
      truncated: bounded.truncated,
      ...(bounded.notice ? { notice: bounded.notice } : {}),
      ...(typeof nextPageToken === "string" && nextPageToken ? { nextPageToken } : {}),
      ...(hidden > 0 ? { hiddenByAllowedProjects: hidden } : {}),
      ...(replacement
        ? {
            deprecated: {
              ...(replacement.operationIds.length > 0 ? { replacedBy: replacement.operationIds } : {}),
              ...(replacement.note ? { note: replacement.note } : {}),
            },
          }
        : {}),
    };
    return { structured, summary: summarize(structured, body, replacement?.operationIds) };
  },
});

/**
 * With ICA_ALLOWED_PROJECTS, list entries that belong to another project (by `projectId`, `project.id`, or the
 * `id` of GET /api/projects entries) are removed from the result, as the curated tools do.
 */
function hideOtherProjects(
  path: string,
  body: unknown,
  allowed: ReadonlySet<string> | undefined,
): { body: unknown; hidden: number } {
  if (!allowed || !body || typeof body !== "object" || Array.isArray(body)) return { body, hidden: 0 };
  const items = (body as { items?: unknown }).items;
  if (!Array.isArray(items)) return { body, hidden: 0 };
  const projectOf = (item: unknown): unknown => {
    if (!item || typeof item !== "object") return undefined;
    const o = item as { id?: unknown; projectId?: unknown; project?: { id?: unknown } };
    return path === "/api/projects" ? o.id : (o.projectId ?? o.project?.id);
  };
  const kept = items.filter((item) => {
    const id = projectOf(item);
    return typeof id !== "string" || allowed.has(id);
  });
  return { body: { ...(body as object), items: kept }, hidden: items.length - kept.length };
}

function summarize(
  s: {
    operationId: string;
    method: string;
    path: string;
    status: number;
    truncated: boolean;
    notice?: string;
    nextPageToken?: string;
    hiddenByAllowedProjects?: number;
  },
  body: unknown,
  replacedBy: string[] | undefined,
): string {
  const parts = [`${s.operationId}: ${s.method} ${s.path} -> ${s.status}`];
  const items =
    body && typeof body === "object" && Array.isArray((body as { items?: unknown }).items)
      ? (body as { items: unknown[] }).items.length
      : undefined;
  if (items !== undefined) parts.push(`${items} item(s)`);
  if (body === undefined) parts.push("no content");
  const next: string[] = [];
  if (s.truncated && s.notice) next.push(`cut: ${s.notice}`);
  if (s.hiddenByAllowedProjects)
    next.push(`${s.hiddenByAllowedProjects} entries of projects outside ICA_ALLOWED_PROJECTS hidden`);
  if (s.nextPageToken) next.push(`more: call again with query.pageToken="${s.nextPageToken}"`);
  if (replacedBy && replacedBy.length > 0) next.push(`deprecated: use ${replacedBy.join(" or ")} instead`);
  else if (replacedBy) next.push("deprecated in ICA's API");
  return `${parts.join(", ")}.${next.length > 0 ? ` ${next.join("; ")}.` : ""}`;
}

import { z } from "zod";
import { buildPath } from "../ica/client.js";
import { UserInputError } from "../ica/errors.js";
import { boundValue, secretValues } from "../ica/openapi/bound.js";
import { replacementFor } from "../ica/openapi/catalogue.js";
import { getCatalogue } from "../ica/openapi/document.js";
import { argumentProblems } from "../ica/openapi/limits.js";
import { ownerOf, projectIdsIn, type Scope, scopeOf } from "../ica/openapi/scope.js";
import { prepareCall } from "../ica/openapi/validate.js";
import { type AnyTool, defineTool, type ToolContext } from "../mcp/adapter.js";
import { maskSignedQuery, redactDeep, registerLikelySecret } from "../redact.js";

/** Characters of result JSON returned at most (about 5,000 tokens). */
export const MAX_RESULT_CHARS = 20_000;
/** Secret-looking values registered per call at most (the registry itself is bounded too). */
const MAX_SECRETS_PER_CALL = 50;

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
    signaturesMasked: z.boolean().optional(),
    deprecated: z
      .object({ replacedBy: z.array(z.string()).optional(), note: z.string().optional() })
      .optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async handler(args, ctx) {
    // Bounds first: nothing below (schemas, patterns, redaction) ever sees a megabyte key.
    const tooLarge = argumentProblems({ path: args.path, query: args.query, body: args.body });
    if (tooLarge.length > 0) {
      throw new UserInputError(
        tooLarge,
        "send smaller arguments: keys of at most 256 characters, values of at most 20,000.",
      );
    }
    const catalogue = await getCatalogue(ctx.ica, { signal: ctx.signal });
    const op = catalogue.byId.get(args.operationId);
    if (op && ctx.config.readOnly && !op.changesNothing) {
      throw new UserInputError(
        `${op.operationId} (${op.method} ${op.path}) changes data in ICA, and this server is read-only (ICA_READ_ONLY): ${READ_ONLY_RULE} are allowed`,
        "use an operation that changes nothing (ica_search_api marks them changesData=false), or ask the user to run the server without ICA_READ_ONLY.",
      );
    }
    const scope = op && ctx.allowedProjects ? scopeOf(op) : undefined;
    if (scope?.kind === "refused") {
      throw new UserInputError(
        `${scope.reason}; with ICA_ALLOWED_PROJECTS set, ica_call_api sends only operations whose path names an allowed project, getProjects (filtered), and getData/getJob or the data-URN download and view URLs after checking the owning project`,
        "use the project-scoped operation (/api/projects/{projectId}/…, ica_search_api finds it) or a curated tool.",
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
    if (ctx.allowedProjects) {
      for (const projectId of projectIdsIn(call.pathParams, call.query, call.body))
        ctx.checkProject(projectId);
    }
    // Only values that are really sent, under a secret-looking key, and that look like credentials.
    registerSecretsIn(call.body);

    const request = {
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
    };
    let res: { status: number; body: unknown } | undefined;
    if (scope?.kind === "data" || scope?.kind === "job") {
      const verified = await verifyOwner(ctx, scope, call.pathParams[scope.param] ?? "");
      // getData / getJob themselves: the verification answer is the result (nothing is fetched twice).
      const same =
        call.op.method === "GET" &&
        Object.keys(call.query).length === 0 &&
        call.version === "v3" &&
        call.responseType === "json";
      if (same) res = verified;
    }
    res ??= await ctx.ica.request<unknown>(request);
    registerSecretsIn(res.body);
    const { body: visible, hidden } = hideOtherProjects(call.op.path, res.body, ctx.allowedProjects, scope);
    // Redacted (registered secrets, presigned signatures, in keys too) before anything is cut.
    let masked = false;
    const body = redactDeep(visible, (text) => {
      const out = maskSignedQuery(text);
      if (out !== text) masked = true;
      return out;
    });
    const bounded = boundValue(body, MAX_RESULT_CHARS);
    const nextPageToken =
      body && typeof body === "object" && !Array.isArray(body)
        ? (body as { nextPageToken?: unknown }).nextPageToken
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
      ...(masked ? { signaturesMasked: true } : {}),
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

/** Registers secret-looking values (bounded per call; registerLikelySecret checks they look random). */
function registerSecretsIn(value: unknown): void {
  for (const secret of secretValues(value).slice(0, MAX_SECRETS_PER_CALL)) registerLikelySecret(secret);
}

/**
 * Reads the data or job first and refuses unless ICA names an allowed owning project. Returns the answer, so
 * a getData or getJob call need not be sent twice.
 */
async function verifyOwner(
  ctx: ToolContext,
  scope: Extract<Scope, { kind: "data" | "job" }>,
  id: string,
): Promise<{ status: number; body: unknown }> {
  const what = scope.kind === "data" ? "data" : "job";
  const res = await ctx.ica.request<unknown>({
    method: "GET",
    path: scope.kind === "data" ? "/api/data/{dataUrn}" : "/api/jobs/{jobId}",
    pathParams: { [scope.param]: id },
    version: "v3",
    safe: true,
    signal: ctx.signal,
  });
  const owner = ownerOf(scope, res.body);
  if (!owner) {
    throw new UserInputError(
      `ICA names no owning project for ${what} ${id}, so ICA_ALLOWED_PROJECTS cannot be checked for it; refused`,
      "use the project-scoped operation (/api/projects/{projectId}/…) with an allowed project.",
    );
  }
  ctx.checkProject(owner);
  return res;
}

/**
 * With ICA_ALLOWED_PROJECTS, list entries that belong to another project (by `projectId`, `project.id`, or the
 * `id` of GET /api/projects entries) are removed from the result, as the curated tools do; so are entries
 * without a project id outside a project-scoped path.
 */
function hideOtherProjects(
  path: string,
  body: unknown,
  allowed: ReadonlySet<string> | undefined,
  scope: Scope | undefined,
): { body: unknown; hidden: number } {
  if (!allowed || !body || typeof body !== "object" || Array.isArray(body)) return { body, hidden: 0 };
  const items = (body as { items?: unknown }).items;
  if (!Array.isArray(items)) return { body, hidden: 0 };
  const projectOf = (item: unknown): unknown => {
    if (!item || typeof item !== "object") return undefined;
    const o = item as { id?: unknown; projectId?: unknown; project?: { id?: unknown } };
    return path === "/api/projects" ? o.id : (o.projectId ?? o.project?.id);
  };
  // In a project-scoped listing an entry without a project id is the path's project; anywhere else it is
  // not known to be allowed, so it is hidden.
  const scoped = scope?.kind === "project-path";
  const kept = items.filter((item) => {
    const id = projectOf(item);
    return typeof id === "string" ? allowed.has(id) : scoped;
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
    signaturesMasked?: boolean;
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
  if (s.signaturesMasked)
    next.push(
      "presigned URL signatures are masked (ica_create_download_url gives a usable link to the user)",
    );
  if (s.nextPageToken) next.push(`more: call again with query.pageToken="${s.nextPageToken}"`);
  if (replacedBy && replacedBy.length > 0) next.push(`deprecated: use ${replacedBy.join(" or ")} instead`);
  else if (replacedBy) next.push("deprecated in ICA's API");
  return `${parts.join(", ")}.${next.length > 0 ? ` ${next.join("; ")}.` : ""}`;
}

/**
 * In read-only mode ica_call_api sends only operations that change nothing: it is registered as read-only, so
 * clients that auto-approve read-only tools treat it as such.
 */
export const callApiReadOnlyTool: AnyTool = {
  ...callApiTool,
  description:
    "Reads from ICA through one REST operation (operationId from ica_search_api) when no curated tool fits; this server is read-only, so only operations that change nothing are sent (GETs, searches, look-ups). path, query and body are objects keyed by parameter name, validated first. Returns status and JSON, cut at ~20,000 characters.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
};

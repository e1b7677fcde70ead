/** Checks recorded exchanges (request + response) against ICA's OpenAPI document. */
import type { ErrorObject } from "ajv";
import type { Exchange } from "../../../src/sandbox/exchange.js";
import { type ContractSpec, schemaValidator } from "./load.js";
import { HTTP_METHODS, matchRoute } from "./router.js";

export interface ContractProblem {
  /** e.g. "POST /api/projects/{projectId}/analysis:nextflow request body" */
  where: string;
  message: string;
}

export interface ContractOptions {
  /**
   * By default object schemas are treated as closed: a property the document does not declare is a
   * problem (it catches misspelled request fields and sandbox fields real ICA never sends).
   * Set to true to validate exactly as the document is written.
   */
  allowUndeclaredProperties?: boolean;
}

export interface OperationMatch {
  operationId: string;
  template: string;
  op: any;
  pathParams: Record<string, string>;
}

const MAX_ERRORS_PER_VALUE = 10;
const VALUE_PREVIEW = 80;

// ---------------------------------------------------------------------------------------------
// Operation lookup

type Resolution =
  | { kind: "ok"; match: OperationMatch; pathItem: Record<string, any> }
  | { kind: "no-path" }
  | { kind: "no-method"; template: string; allowed: string[] };

function resolve(spec: ContractSpec, method: string, path: string): Resolution {
  const found = matchRoute(spec.routes, path);
  if (!found) return { kind: "no-path" };
  const { route, pathParams } = found;
  const op = route.pathItem[method.toLowerCase()];
  if (!op || typeof op !== "object") {
    const allowed = HTTP_METHODS.filter((m) => route.pathItem[m]).map((m) => m.toUpperCase());
    return { kind: "no-method", template: route.template, allowed };
  }
  return {
    kind: "ok",
    match: { operationId: String(op.operationId ?? ""), template: route.template, op, pathParams },
    pathItem: route.pathItem,
  };
}

/**
 * The operation for `method` + `path` (a concrete `/api/...` path without query string).
 * The most specific matching template wins (most literal characters); null when that template
 * does not define `method` or nothing matches.
 */
export function findOperation(spec: ContractSpec, method: string, path: string): OperationMatch | null {
  const r = resolve(spec, method, path);
  return r.kind === "ok" ? r.match : null;
}

function noOperation(r: Exclude<Resolution, { kind: "ok" }>, ex: Exchange): ContractProblem {
  const where = `${ex.method.toUpperCase()} ${ex.path}`;
  if (r.kind === "no-path") return { where, message: "no operation: no path template of the spec matches" };
  return {
    where,
    message: `no operation: path matches ${r.template}, which has no ${ex.method.toUpperCase()} (only ${r.allowed.join(", ")})`,
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function preview(value: unknown): string {
  let text: string;
  if (value === undefined) text = "undefined";
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > VALUE_PREVIEW ? `${text.slice(0, VALUE_PREVIEW - 3)}...` : text;
}

/** "application/vnd.illumina.v3+json; charset=utf-8" -> "application/vnd.illumina.v3+json" */
export function mediaType(header: string | undefined): string | undefined {
  const mt = header?.split(";")[0]?.trim().toLowerCase();
  return mt ? mt : undefined;
}

function acceptList(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(",")
    .map((part) => mediaType(part))
    .filter((m): m is string => m !== undefined);
}

const isJson = (mt: string) => mt === "application/json" || mt.endsWith("+json");

function vendorVersion(mt: string): number | undefined {
  const m = /^application\/vnd\.illumina\.v(\d+)\+json$/.exec(mt);
  return m ? Number(m[1]) : undefined;
}

function acceptMatches(accepted: string, actual: string): boolean {
  if (accepted === "*/*" || accepted === actual) return true;
  return accepted.endsWith("/*") && actual.startsWith(accepted.slice(0, -1));
}

function getHeader(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  if (headers[lower] !== undefined) return headers[lower];
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function valueAt(data: unknown, pointer: string): unknown {
  if (!pointer) return data;
  let cur: any = data;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (cur === null || typeof cur !== "object") return undefined;
    cur = cur[key];
  }
  return cur;
}

function describeError(e: ErrorObject, data: unknown): string {
  const at = e.instancePath || "(root)";
  if (e.keyword === "additionalProperties") {
    const prop = String((e.params as { additionalProperty?: string }).additionalProperty);
    const value = valueAt(data, e.instancePath);
    return `${e.instancePath}/${prop} is not declared by the spec (unknown property); got ${preview((value as any)?.[prop])}`;
  }
  if (e.keyword === "required") {
    const value = valueAt(data, e.instancePath);
    const keys = value && typeof value === "object" ? Object.keys(value).join(", ") : preview(value);
    return `${at} ${e.message}; present: ${preview(keys)}`;
  }
  let message = e.message ?? e.keyword;
  if (e.keyword === "enum") {
    message += ` (${(e.params as { allowedValues?: unknown[] }).allowedValues?.map(String).join("|")})`;
  }
  return `${at} ${message}; got ${preview(valueAt(data, e.instancePath))}`;
}

function schemaProblems(
  spec: ContractSpec,
  schema: unknown,
  data: unknown,
  where: string,
  options: ContractOptions,
): ContractProblem[] {
  const validate = schemaValidator(spec, schema, !options.allowUndeclaredProperties);
  if (validate(data)) return [];
  // `if` errors only say "must match then schema"; the `then` branch's own errors say what is wrong.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== "if");
  const messages = [...new Set(errors.map((e) => describeError(e, data)))];
  const problems = messages.slice(0, MAX_ERRORS_PER_VALUE).map((message) => ({ where, message }));
  if (messages.length > MAX_ERRORS_PER_VALUE) {
    problems.push({ where, message: `... and ${messages.length - MAX_ERRORS_PER_VALUE} more schema errors` });
  }
  return problems;
}

function coerce(raw: string, schema: any): unknown {
  const type = schema?.type;
  if (type === "integer" && /^[+-]?\d+$/.test(raw)) return Number(raw);
  if (type === "number" && raw.trim() !== "" && Number.isFinite(Number(raw))) return Number(raw);
  if (type === "boolean" && (raw === "true" || raw === "false")) return raw === "true";
  return raw;
}

/** Path-level parameters merged with the operation's (the operation's win). */
function parametersOf(op: any, pathItem: Record<string, any>): any[] {
  const byKey = new Map<string, any>();
  for (const p of [...(pathItem["parameters"] ?? []), ...(op.parameters ?? [])]) {
    if (p && typeof p === "object" && typeof p.name === "string") byKey.set(`${p.in}:${p.name}`, p);
  }
  return [...byKey.values()];
}

/** Responses that count as success: 1xx-3xx codes, or `default` when nothing else is declared. */
function successResponses(op: any): any[] {
  const responses: Record<string, any> = op.responses ?? {};
  const codes = Object.keys(responses).filter((k) => /^[123]/.test(k));
  if (codes.length > 0) return codes.map((k) => responses[k]);
  return responses["default"] ? [responses["default"]] : [];
}

function mediaTypesOf(responses: any[]): string[] {
  return [...new Set(responses.flatMap((r) => Object.keys(r?.content ?? {}).map((k) => k.toLowerCase())))];
}

function contentFor(content: Record<string, any>, mt: string): any {
  for (const [k, v] of Object.entries(content)) if (k.toLowerCase() === mt) return v;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Request

function securityProblems(spec: ContractSpec, ex: Exchange, op: any, where: string): ContractProblem[] {
  const requirements: Record<string, unknown>[] | undefined = op.security ?? spec.document["security"];
  if (!requirements || requirements.length === 0) return [];
  const schemes: Record<string, any> = spec.document["components"]?.["securitySchemes"] ?? {};
  const authorization = getHeader(ex.requestHeaders, "authorization")?.trim().toLowerCase() ?? "";
  const present = (name: string): boolean => {
    const s = schemes[name];
    if (!s) return false;
    if (s.type === "http") return authorization.startsWith(`${String(s.scheme).toLowerCase()} `);
    if (s.type === "apiKey" && s.in === "header") return Boolean(getHeader(ex.requestHeaders, s.name));
    return true; // schemes we cannot see in headers: do not guess
  };
  if (requirements.some((req) => Object.keys(req).every(present))) return [];
  const names = requirements.map((req) => Object.keys(req).join(" + ") || "(none)").join(" or ");
  return [{ where: `${where} request headers`, message: `no credentials for any of: ${names}` }];
}

export function validateRequest(
  spec: ContractSpec,
  ex: Exchange,
  options: ContractOptions = {},
): ContractProblem[] {
  const r = resolve(spec, ex.method, ex.path);
  if (r.kind !== "ok") return [noOperation(r, ex)];
  const { op, template, pathParams } = r.match;
  const base = `${ex.method.toUpperCase()} ${template}`;
  const problems: ContractProblem[] = [];
  const params = parametersOf(op, r.pathItem);

  // Path parameters.
  for (const p of params.filter((p) => p.in === "path")) {
    const value = pathParams[p.name];
    const where = `${base} path parameter ${p.name}`;
    if (value === undefined) {
      if (p.required) problems.push({ where, message: "declared but not in the path template" });
      continue;
    }
    problems.push(...schemaProblems(spec, p.schema, value, where, options));
  }

  // Query parameters.
  const queryParams = params.filter((p) => p.in === "query");
  const declared = new Map(queryParams.map((p) => [p.name, p]));
  const sent = new Map<string, string[]>();
  for (const [k, v] of ex.query) sent.set(k, [...(sent.get(k) ?? []), v]);
  for (const key of sent.keys()) {
    if (!declared.has(key)) {
      const names = [...declared.keys()].join(", ") || "none";
      problems.push({
        where: `${base} query`,
        message: `unknown query parameter "${key}" (declared: ${names})`,
      });
    }
  }
  for (const p of queryParams) {
    const where = `${base} query parameter ${p.name}`;
    const values = sent.get(p.name);
    if (!values) {
      if (p.required) problems.push({ where, message: "required query parameter is missing" });
      continue;
    }
    let value: unknown;
    if (p.schema?.type === "array") {
      value = values.map((v) => coerce(v, p.schema.items));
    } else {
      if (values.length > 1) {
        problems.push({ where, message: `repeated ${values.length} times but is not an array parameter` });
      }
      value = coerce(values[0]!, p.schema);
    }
    problems.push(...schemaProblems(spec, p.schema, value, where, options));
  }

  // Header parameters (Idempotency-Key, If-Match, ...).
  for (const p of params.filter((p) => p.in === "header")) {
    const where = `${base} header ${p.name}`;
    const value = getHeader(ex.requestHeaders, p.name);
    if (value === undefined) {
      if (p.required) problems.push({ where, message: "required header is missing" });
      continue;
    }
    problems.push(...schemaProblems(spec, p.schema, coerce(value, p.schema), where, options));
  }

  if (ex.status !== 401) problems.push(...securityProblems(spec, ex, op, base));

  // Body.
  const bodyWhere = `${base} request body`;
  const bodyContent: Record<string, any> = op.requestBody?.content ?? {};
  const bodyTypes = Object.keys(bodyContent).map((k) => k.toLowerCase());
  const contentType = mediaType(getHeader(ex.requestHeaders, "content-type"));
  if (ex.requestBody === undefined) {
    if (op.requestBody?.required) {
      problems.push({
        where: bodyWhere,
        message: `required request body is missing (${bodyTypes.join(", ")})`,
      });
    }
  } else if (!op.requestBody) {
    problems.push({
      where: bodyWhere,
      message: `operation takes no request body; got ${preview(ex.requestBody)}`,
    });
  } else if (!contentType) {
    problems.push({ where: bodyWhere, message: "request has a body but no content-type header" });
  } else if (!bodyTypes.includes(contentType)) {
    problems.push({
      where: bodyWhere,
      message: `content-type ${contentType} is not accepted (accepted: ${bodyTypes.join(", ")})`,
    });
  } else {
    const media = contentFor(bodyContent, contentType);
    // Non-JSON bodies (multipart, url-encoded) are only checked when the recorder parsed them.
    if (isJson(contentType) || (typeof ex.requestBody === "object" && ex.requestBody !== null)) {
      problems.push(...schemaProblems(spec, media?.schema ?? {}, ex.requestBody, bodyWhere, options));
    }
  }

  // Accept header and v3/v4 consistency.
  const acceptWhere = `${base} request headers`;
  const accepts = acceptList(getHeader(ex.requestHeaders, "accept"));
  const offered = mediaTypesOf(successResponses(op));
  if (offered.length > 0) {
    for (const a of accepts) {
      if (vendorVersion(a) !== undefined && !offered.includes(a)) {
        problems.push({
          where: acceptWhere,
          message: `accept names ${a}, which the operation does not return (offers: ${offered.join(", ")})`,
        });
      }
    }
  }
  const bodyVersions = new Set(bodyTypes.map(vendorVersion).filter((v) => v !== undefined));
  const ctVersion = contentType && ex.requestBody !== undefined ? vendorVersion(contentType) : undefined;
  if (bodyVersions.size > 1 && ctVersion !== undefined) {
    const acceptVersions = accepts.map(vendorVersion).filter((v) => v !== undefined);
    if (acceptVersions.length > 0 && !acceptVersions.every((v) => v === ctVersion)) {
      problems.push({
        where: acceptWhere,
        message: `content-type is v${ctVersion} but accept asks for v${acceptVersions.join("/v")}; this operation requires matching versions`,
      });
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Response

function validateResponseWith(
  spec: ContractSpec,
  ex: Exchange,
  r: Resolution,
  reportMissingOperation: boolean,
  options: ContractOptions,
): ContractProblem[] {
  if (ex.status === 0) return [];
  const problems: ContractProblem[] = [];
  const op = r.kind === "ok" ? r.match.op : undefined;
  const base =
    r.kind === "ok"
      ? `${ex.method.toUpperCase()} ${r.match.template}`
      : `${ex.method.toUpperCase()} ${ex.path}`;
  const where = `${base} response ${ex.status}`;
  const contentType = mediaType(getHeader(ex.responseHeaders, "content-type"));
  const body = ex.responseBody;
  const hasBody = body !== undefined && body !== "";

  if (ex.status >= 400) {
    // Errors are validated even without an operation: every ICA error is a Problem.
    if (contentType !== "application/problem+json") {
      problems.push({
        where,
        message: `content-type must be application/problem+json; got ${contentType ?? "none"}`,
      });
    }
    if (!hasBody) {
      problems.push({ where, message: "error response has no Problem body" });
    } else {
      const declared = contentFor(
        op?.responses?.["default"]?.content ?? {},
        "application/problem+json",
      )?.schema;
      problems.push(
        ...schemaProblems(spec, declared ?? { $ref: "#/components/schemas/Problem" }, body, where, options),
      );
      const status = (body as { status?: unknown } | null)?.status;
      if (typeof status === "number" && status !== ex.status) {
        problems.push({ where, message: `/status is ${status} but the HTTP status is ${ex.status}` });
      }
    }
    if (r.kind !== "ok" && reportMissingOperation) problems.unshift(noOperation(r, ex));
    return problems;
  }

  if (r.kind !== "ok") return reportMissingOperation ? [noOperation(r, ex)] : [];
  const responses: Record<string, any> = op.responses ?? {};
  const codes = Object.keys(responses).filter((k) => k !== "default");
  const rangeKey = `${String(ex.status)[0]}XX`;
  const response =
    responses[String(ex.status)] ??
    responses[rangeKey] ??
    responses[rangeKey.toLowerCase()] ??
    (codes.length === 0 ? responses["default"] : undefined);
  if (!response) {
    problems.push({ where, message: `status ${ex.status} is not declared (declared: ${codes.join(", ")})` });
    return problems;
  }

  if (ex.status === 204) {
    if (hasBody) problems.push({ where, message: `204 must not have a body; got ${preview(body)}` });
    return problems;
  }

  const content: Record<string, any> = response.content ?? {};
  const types = Object.keys(content).map((k) => k.toLowerCase());
  if (types.length === 0) {
    if (hasBody) problems.push({ where, message: `the spec declares no body; got ${preview(body)}` });
    return problems;
  }
  if (!contentType) {
    if (hasBody || types.some(isJson)) {
      problems.push({ where, message: `no content-type header (declared: ${types.join(", ")})` });
    }
    return problems;
  }
  if (!types.includes(contentType)) {
    problems.push({
      where,
      message: `content-type ${contentType} is not declared (declared: ${types.join(", ")})`,
    });
    return problems;
  }
  const accepts = acceptList(getHeader(ex.requestHeaders, "accept"));
  if (accepts.length > 0 && !accepts.some((a) => acceptMatches(a, contentType))) {
    problems.push({
      where,
      message: `content-type ${contentType} does not match the request's accept ${accepts.join(", ")}`,
    });
  }
  if (!isJson(contentType)) return problems; // binary downloads: the media type is all we check
  if (!hasBody) {
    problems.push({ where, message: `response has no body (expected ${contentType})` });
    return problems;
  }
  problems.push(
    ...schemaProblems(spec, contentFor(content, contentType)?.schema ?? {}, body, where, options),
  );
  return problems;
}

export function validateResponse(
  spec: ContractSpec,
  ex: Exchange,
  options: ContractOptions = {},
): ContractProblem[] {
  return validateResponseWith(spec, ex, resolve(spec, ex.method, ex.path), true, options);
}

/** Request and response; a dropped exchange (status 0) only has its request checked. */
export function validateExchange(
  spec: ContractSpec,
  ex: Exchange,
  options: ContractOptions = {},
): ContractProblem[] {
  const r = resolve(spec, ex.method, ex.path);
  return [...validateRequest(spec, ex, options), ...validateResponseWith(spec, ex, r, false, options)];
}

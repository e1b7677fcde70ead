/**
 * Short descriptions of an operation for a model: parameters (name, in, required, type), the request body's
 * top-level properties (one level, nested objects by schema name), paging, and what replaces a deprecated
 * operation. Everything is bounded.
 */
import {
  type Catalogue,
  changesNothing,
  deref,
  firstSentence,
  type Operation,
  plainText,
  refName,
  replacementFor,
  type Schema,
  versionsOf,
} from "./catalogue.js";

export const MAX_PARAMETERS = 40;
export const MAX_BODY_PROPERTIES = 30;
const MAX_ENUM_VALUES = 12;
const PAGING_PARAMS = new Set(["pageToken", "pageSize", "pageOffset", "sort"]);

export interface ParamBrief {
  name: string;
  in: "path" | "query";
  required: boolean;
  type: string;
  description?: string;
}

export interface PropertyBrief {
  name: string;
  type: string;
  required: boolean;
  description?: string;
}

export interface BodyBrief {
  required: boolean;
  /** The schema's name in the document, when it has one. */
  schema?: string;
  properties: PropertyBrief[];
  /** More properties exist than are listed. */
  more?: number;
}

export interface OperationBrief {
  operationId: string;
  method: string;
  path: string;
  summary: string;
  tag?: string;
  /** False for GETs and the read-only POST actions (searches, look-ups, download URLs). */
  changesData: boolean;
  deprecated?: boolean;
  replacedBy?: string[];
  replacementNote?: string;
  /** Vendor media type versions offered; ica_call_api picks v3 unless only v4 is offered or `version` says so. */
  versions?: string[];
  paging?: string;
  sortable?: string[];
  parameters: ParamBrief[];
  moreParameters?: number;
  body?: BodyBrief;
  /** Takes an Idempotency-Key (ica_call_api derives one from the arguments unless given). */
  idempotencyKey?: boolean;
  /** Why ica_call_api cannot send this operation. */
  notCallable?: string;
}

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

function enumText(values: unknown[]): string {
  const shown = values
    .filter((v) => v !== null)
    .slice(0, MAX_ENUM_VALUES)
    .map((v) => String(v));
  return `${shown.join("|")}${values.length > MAX_ENUM_VALUES ? "|…" : ""}`;
}

/** A compact type: "string", "integer", "string(date-time)", "A|B|C", "Foo", "string[]", "Foo[]". */
export function briefType(root: Schema, schema: unknown, depth = 0): string {
  if (!isObject(schema)) return "any";
  const name = refName(schema);
  const s = deref(root, schema);
  if (Array.isArray(s.enum)) return enumText(s.enum);
  if (typeof s.pattern === "string" && /^[A-Za-z0-9_]+(\|[A-Za-z0-9_]+)+$/.test(s.pattern)) {
    return enumText(s.pattern.split("|"));
  }
  if (s.type === "array") return `${depth > 3 ? "any" : briefType(root, s.items, depth + 1)}[]`;
  if (name && (s.type === "object" || s.properties || s.oneOf || s.anyOf || s.allOf)) return name;
  for (const key of ["oneOf", "anyOf"]) {
    if (Array.isArray(s[key]) && depth < 3) {
      return s[key].map((x: unknown) => briefType(root, x, depth + 1)).join(" | ");
    }
  }
  if (s.type === "object" || s.properties) {
    if (isObject(s.additionalProperties))
      return `map of ${briefType(root, s.additionalProperties, depth + 1)}`;
    return "object";
  }
  if (typeof s.type === "string") return typeof s.format === "string" ? `${s.type}(${s.format})` : s.type;
  return name ?? "any";
}

/** Top-level properties of an object schema (allOf merged), with their required flags. */
function objectProperties(
  root: Schema,
  schema: unknown,
): { props: [string, Schema][]; required: Set<string> } {
  const s = deref(root, schema);
  const props: [string, Schema][] = [];
  const required = new Set<string>(Array.isArray(s.required) ? s.required : []);
  if (isObject(s.properties)) for (const [k, v] of Object.entries(s.properties)) props.push([k, v as Schema]);
  if (Array.isArray(s.allOf)) {
    for (const part of s.allOf) {
      const sub = objectProperties(root, part);
      for (const p of sub.props) if (!props.some(([k]) => k === p[0])) props.push(p);
      for (const r of sub.required) required.add(r);
    }
  }
  return { props, required };
}

function shortDescription(schema: Schema, max: number): string | undefined {
  const text = typeof schema.description === "string" ? firstSentence(schema.description, max) : "";
  return text || undefined;
}

/** "The attributes for which sorting is supported: - a - b" -> ["a", "b"]. */
function sortableFields(description: string | undefined): string[] | undefined {
  if (!description) return undefined;
  const i = description.search(/attributes for which sorting is supported:/i);
  if (i < 0) return undefined;
  const fields = description
    .slice(i)
    .split("\n")
    .map((l) => /^\s*-\s*(\S+)\s*$/.exec(l)?.[1])
    .filter((f): f is string => f !== undefined);
  return fields.length > 0 ? fields : undefined;
}

/** Why ica_call_api will not send an operation (token endpoints, file uploads), if it will not. */
export function notCallableReason(op: Operation): string | undefined {
  if (op.path === "/api/tokens" || op.path.startsWith("/api/tokens:")) {
    return "the server mints and refreshes its own tokens; credentials never pass through tool calls";
  }
  const types = Object.keys(op.requestBody?.content ?? {});
  if (types.length > 0 && !types.some((t) => t.endsWith("json"))) {
    return `it takes ${types.join(" or ")} (a file upload); use the ICA portal or the icav2 CLI`;
  }
  return undefined;
}

export function describeOperation(
  catalogue: Catalogue,
  op: Operation,
  opts: { descriptions?: boolean } = {},
): OperationBrief {
  const root = { components: catalogue.components };
  const withDescriptions = opts.descriptions !== false;
  const params = op.parameters.filter((p) => p.in === "path" || p.in === "query");
  const pagingParams = params.filter((p) => PAGING_PARAMS.has(p.name)).map((p) => p.name);
  const sortParam = params.find((p) => p.name === "sort");
  const parameters: ParamBrief[] = params.slice(0, MAX_PARAMETERS).map((p) => {
    const description =
      withDescriptions && !PAGING_PARAMS.has(p.name) && p.description
        ? firstSentence(p.description, 110)
        : undefined;
    return {
      name: p.name,
      in: p.in as "path" | "query",
      required: p.required,
      type: briefType(root, p.schema),
      ...(description ? { description } : {}),
    };
  });
  let body: BodyBrief | undefined;
  const content = op.requestBody?.content ?? {};
  const jsonType = Object.keys(content).find((t) => t.endsWith("json"));
  if (op.requestBody) {
    const schema = jsonType ? content[jsonType] : Object.values(content)[0];
    const { props, required } = objectProperties(root, schema);
    const name = refName(schema);
    body = {
      required: op.requestBody.required,
      ...(name ? { schema: name } : {}),
      properties: props.slice(0, MAX_BODY_PROPERTIES).map(([k, v]) => {
        const description = withDescriptions ? shortDescription(deref(root, v), 90) : undefined;
        return {
          name: k,
          type: briefType(root, v),
          required: required.has(k),
          ...(description ? { description } : {}),
        };
      }),
      ...(props.length > MAX_BODY_PROPERTIES ? { more: props.length - MAX_BODY_PROPERTIES } : {}),
    };
  }
  const versions = versionsOf(op);
  const offered = [...new Set([...versions.response, ...versions.request])].sort();
  const replacement = op.deprecated ? replacementFor(op, catalogue) : undefined;
  const notCallable = notCallableReason(op);
  const takesKey = op.parameters.some((p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key");
  const sortable = sortableFields(sortParam?.description);
  const summary = op.summary || firstSentence(op.description, 160);
  return {
    operationId: op.operationId,
    method: op.method,
    path: op.path,
    summary: summary.length > 200 ? `${summary.slice(0, 199)}…` : summary,
    ...(op.tags[0] ? { tag: op.tags[0] } : {}),
    changesData: !changesNothing(op.method, op.path),
    ...(op.deprecated ? { deprecated: true } : {}),
    ...(replacement && replacement.operationIds.length > 0 ? { replacedBy: replacement.operationIds } : {}),
    ...(replacement?.note ? { replacementNote: plainText(replacement.note) } : {}),
    ...(offered.length > 0 ? { versions: offered } : {}),
    ...(pagingParams.length > 0
      ? {
          paging: [
            pagingParams.includes("pageToken") ? "cursor (pageToken from nextPageToken)" : "",
            pagingParams.includes("pageOffset") ? "offset (sort or pageOffset)" : "",
          ]
            .filter(Boolean)
            .join("; ")
            .concat(pagingParams.includes("pageSize") ? "; pageSize" : ""),
        }
      : {}),
    ...(sortable ? { sortable } : {}),
    parameters,
    ...(params.length > MAX_PARAMETERS ? { moreParameters: params.length - MAX_PARAMETERS } : {}),
    ...(body ? { body } : {}),
    ...(takesKey ? { idempotencyKey: true } : {}),
    ...(notCallable ? { notCallable } : {}),
  };
}

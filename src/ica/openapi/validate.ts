/**
 * Validates the arguments of one generic ICA call against the operation's schemas (Ajv 8) before anything is
 * sent, and turns them into a client request: media types, coerced parameter values, Idempotency-Key.
 *
 * ICA's document needs a few fixes before Ajv checks it faithfully (see ../shared/README.md, "Known quirks"):
 * boolean exclusiveMinimum/Maximum become numeric bounds, nullable enums admit null, the CwlAnalysisInput
 * discriminator becomes an explicit dispatch, and unanchored alternation patterns ("FAILED|FAILED_FINAL") are
 * checked as exact values. Request bodies are checked "closed": properties the schema does not declare are
 * reported (they are almost always misspelt field names).
 */
import { createHash } from "node:crypto";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsImport from "ajv-formats";
import { redact } from "../../redact.js";
import type { MediaVersion, QueryValue } from "../client.js";
import { notCallableReason } from "./brief.js";
import { type Catalogue, type Operation, refName, type Schema, vendorType, versionsOf } from "./catalogue.js";

const EXACT_KEYWORD = "x-ica-exact";
const LINEAR_KEYWORD = "x-ica-linear-pattern";

/**
 * Patterns of ICA's document that backtrack quadratically on long values when run as regexes (".*\/$" is
 * tried at every start), with a scan that accepts exactly the same strings. Argument bounds cap the rest.
 */
const LINEAR_PATTERNS: Record<string, (value: string) => boolean> = {
  ".*/$": (value) => value.endsWith("/"),
};
const OPEN_ID = "ica";
const CLOSED_ID = "ica-closed";
/** At most this many problems are listed (the count of the rest is given). */
export const MAX_PROBLEMS = 25;

// ajv-formats is CommonJS; under NodeNext its default import is typed as the module object.
const addFormats = ((addFormatsImport as unknown as { default?: unknown }).default ??
  addFormatsImport) as unknown as (ajv: Ajv) => Ajv;

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

/** "A|B|C" with plain words only: an enum written as an (unanchored) pattern. */
const ALTERNATION = /^[A-Za-z0-9_]+(\|[A-Za-z0-9_]+)+$/;

function walkSchema(
  schema: unknown,
  visit: (s: Schema, inCombinator: boolean) => void,
  inCombinator = false,
) {
  if (!isObject(schema)) return;
  visit(schema, inCombinator);
  for (const key of ["properties", "patternProperties"]) {
    const map = schema[key];
    if (isObject(map)) for (const sub of Object.values(map)) walkSchema(sub, visit, false);
  }
  if (Array.isArray(schema.items)) for (const sub of schema.items) walkSchema(sub, visit, false);
  else walkSchema(schema.items, visit, false);
  walkSchema(schema.additionalProperties, visit, false);
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    const list = schema[key];
    if (Array.isArray(list)) for (const sub of list) walkSchema(sub, visit, true);
  }
  for (const key of ["not", "if", "then", "else"]) walkSchema(schema[key], visit, true);
}

/** The fixes every schema needs (components, and inline parameter schemas). */
function fixSchema(s: Schema): void {
  for (const [exclusive, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    if (typeof s[exclusive] !== "boolean") continue;
    if (s[exclusive] && typeof s[bound] === "number") {
      s[exclusive] = s[bound];
      delete s[bound];
    } else {
      delete s[exclusive];
    }
  }
  if (s.nullable === true && Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...s.enum, null];
  if (typeof s.pattern === "string" && LINEAR_PATTERNS[s.pattern]) {
    s[LINEAR_KEYWORD] = s.pattern;
    delete s.pattern;
  }
  if (typeof s.pattern === "string" && ALTERNATION.test(s.pattern)) {
    s[EXACT_KEYWORD] = s.pattern.split("|");
    delete s.pattern;
  }
  const d = s.discriminator;
  if (isObject(d) && typeof d.propertyName === "string" && isObject(d.mapping) && Array.isArray(s.oneOf)) {
    const prop = d.propertyName;
    const mapping = d.mapping as Record<string, string>;
    const values = Object.keys(mapping);
    delete s.discriminator;
    delete s.oneOf;
    s.allOf = [
      ...(Array.isArray(s.allOf) ? s.allOf : []),
      { required: [prop], properties: { [prop]: { enum: values } } },
      ...values.map((value) => ({
        if: { required: [prop], properties: { [prop]: { const: value } } },
        // biome-ignore lint/suspicious/noThenProperty: the JSON Schema `then` keyword, not a thenable
        then: { $ref: mapping[value] },
      })),
    ];
  } else if (isObject(d)) {
    delete s.discriminator;
  }
}

function closeObject(s: Schema, inCombinator: boolean): void {
  if (!inCombinator && isObject(s.properties) && s.additionalProperties === undefined) {
    s.additionalProperties = false;
  }
}

function prepare(schema: unknown, closed: boolean): Schema {
  const copy = structuredClone(schema) as Schema;
  walkSchema(copy, fixSchema);
  if (closed) walkSchema(copy, closeObject);
  return copy;
}

/** Every schema of `components.schemas`, prepared (the rest of the components is kept as is). */
function prepareComponents(components: Schema, closed: boolean): Schema {
  const schemas: Schema = {};
  for (const [name, schema] of Object.entries(isObject(components.schemas) ? components.schemas : {})) {
    schemas[name] = prepare(schema, closed);
  }
  return { ...components, schemas };
}

/** Rewrites document-local refs ("#/components/...") to the registered `$id`. */
function retarget(schema: unknown, id: string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => retarget(s, id));
  if (!isObject(schema)) return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `${id}${v}` : retarget(v, id);
  }
  return out;
}

function exactKeyword(allowed: string[], data: unknown): boolean {
  if (typeof data !== "string" || allowed.includes(data)) return true;
  const error: Partial<ErrorObject> = {
    keyword: EXACT_KEYWORD,
    message: `must be exactly one of ${allowed.join(", ")}`,
    params: { allowedValues: allowed },
  };
  (exactKeyword as unknown as { errors: unknown[] }).errors = [error];
  return false;
}

function linearKeyword(pattern: string, data: unknown): boolean {
  const test = LINEAR_PATTERNS[pattern];
  if (typeof data !== "string" || !test || test(data)) return true;
  const error: Partial<ErrorObject> = {
    keyword: "pattern",
    message: `must match pattern "${pattern}"`,
    params: { pattern },
  };
  (linearKeyword as unknown as { errors: unknown[] }).errors = [error];
  return false;
}

function collectExtensions(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) collectExtensions(v, into);
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith("x-")) into.add(k);
      collectExtensions(v, into);
    }
  }
}

interface Validators {
  ajv: Ajv;
  cache: Map<string, ValidateFunction>;
}

const validatorsByCatalogue = new WeakMap<Catalogue, Validators>();

function validators(catalogue: Catalogue): Validators {
  let v = validatorsByCatalogue.get(catalogue);
  if (v) return v;
  // Parameters arrive as JSON from a model (pageSize: 25 where ICA declares a string): coerce scalars and
  // single values to the declared types, and send the coerced values.
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    discriminator: false,
    coerceTypes: "array",
    verbose: true,
    logger: false,
  });
  addFormats(ajv);
  const extensions = new Set<string>();
  collectExtensions(catalogue.components, extensions);
  extensions.delete(EXACT_KEYWORD);
  extensions.delete(LINEAR_KEYWORD);
  for (const keyword of extensions) ajv.addKeyword(keyword);
  ajv.addKeyword({ keyword: EXACT_KEYWORD, schemaType: "array", errors: true, validate: exactKeyword });
  ajv.addKeyword({ keyword: LINEAR_KEYWORD, schemaType: "string", errors: true, validate: linearKeyword });
  ajv.addSchema({ $id: OPEN_ID, components: prepareComponents(catalogue.components, false) });
  ajv.addSchema({ $id: CLOSED_ID, components: prepareComponents(catalogue.components, true) });
  v = { ajv, cache: new Map() };
  validatorsByCatalogue.set(catalogue, v);
  return v;
}

function validatorFor(catalogue: Catalogue, key: string, schema: Schema, closed: boolean): ValidateFunction {
  const v = validators(catalogue);
  const cacheKey = `${closed ? "closed" : "open"}:${key}`;
  let fn = v.cache.get(cacheKey);
  if (!fn) {
    fn = v.ajv.compile(retarget(prepare(schema, closed), closed ? CLOSED_ID : OPEN_ID) as Schema);
    v.cache.set(cacheKey, fn);
  }
  return fn;
}

export interface CallArguments {
  operationId: string;
  path?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
  version?: MediaVersion;
  idempotencyKey?: string;
}

export interface PreparedCall {
  op: Operation;
  version: MediaVersion;
  contentType?: "vendor" | "json";
  /** Accept override (non-JSON responses). */
  accept?: string;
  responseType: "json" | "text";
  pathParams: Record<string, string>;
  query: Record<string, QueryValue>;
  body?: unknown;
  idempotencyKey?: string;
  /** The Idempotency-Key was derived from the arguments (not given). */
  derivedKey: boolean;
  /** Repeatable after a 5xx, timeout or dropped connection. */
  safe: boolean;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** A short view of an offending value, redacted before it is cut (a cut secret is no longer recognised). */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  const clean = redact(text);
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}

/** "/items/0/name" -> "body.items[0].name" */
function location(prefix: string, pointer: string): string {
  let out = prefix;
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  }
  return out;
}

function describeErrors(prefix: string, errors: ErrorObject[] | null | undefined): string[] {
  const out: string[] = [];
  for (const e of errors ?? []) {
    if (e.keyword === "if" || e.keyword === "allOf") continue;
    const where = location(prefix, e.instancePath);
    const params = e.params as Record<string, unknown>;
    let text: string;
    switch (e.keyword) {
      case "required":
        text = `${where}: missing required property "${String(params.missingProperty)}"`;
        break;
      case "additionalProperties": {
        const declared =
          isObject(e.parentSchema) && isObject(e.parentSchema.properties)
            ? Object.keys(e.parentSchema.properties)
            : [];
        const shown = declared.slice(0, 30).join(", ");
        text = `${where}: unknown property "${String(params.additionalProperty)}"${declared.length > 0 ? ` (known: ${shown}${declared.length > 30 ? ", …" : ""})` : ""}`;
        break;
      }
      case "enum":
        text = `${where}: ${preview(e.data)} must be one of ${(params.allowedValues as unknown[]).map((v) => String(v)).join(", ")}`;
        break;
      case EXACT_KEYWORD:
        text = `${where}: ${preview(e.data)} ${e.message}`;
        break;
      case "type":
        text = `${where}: must be ${String(params.type)} (got ${typeName(e.data)} ${preview(e.data)})`;
        break;
      default:
        text = `${where}: ${e.message ?? e.keyword}${e.keyword === "pattern" || e.keyword === "format" ? ` (got ${preview(e.data)})` : ""}`;
    }
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

function listNames(names: string[]): string {
  return names.length === 0 ? "none" : names.join(", ");
}

/** Stable JSON (sorted keys) for the derived Idempotency-Key. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * Checks every argument and returns either the request to send or EVERY problem found (unknown operation,
 * missing or unknown parameters, invalid values, body schema violations, media-type limits).
 */
export function prepareCall(
  catalogue: Catalogue,
  args: CallArguments,
): { call: PreparedCall; problems: [] } | { call?: undefined; problems: string[] } {
  const op = catalogue.byId.get(args.operationId);
  if (!op) return { problems: [unknownOperation(catalogue, args.operationId)] };
  const refused = notCallableReason(op);
  if (refused)
    return { problems: [`operationId: ${op.operationId} cannot be called through ica_call_api: ${refused}`] };
  const problems: string[] = [];

  // Media types.
  const versions = versionsOf(op);
  const offered = [...new Set([...versions.response, ...versions.request])];
  if (args.version && offered.length > 0 && !offered.includes(args.version)) {
    problems.push(`version: ${op.operationId} offers only ${offered.join(" and ")}, not ${args.version}`);
  }
  const version: MediaVersion =
    args.version && offered.includes(args.version)
      ? args.version
      : offered.includes("v3")
        ? "v3"
        : offered.includes("v4")
          ? "v4"
          : "v3";
  const jsonResponse = op.successTypes.length === 0 || op.successTypes.some((t) => t.endsWith("json"));
  const accept = jsonResponse ? undefined : op.successTypes.join(", ");

  // Path parameters.
  const pathParams: Record<string, string> = {};
  const declaredPath = op.parameters.filter((p) => p.in === "path");
  const givenPath = args.path ?? {};
  for (const key of Object.keys(givenPath)) {
    if (!declaredPath.some((p) => p.name === key)) {
      problems.push(
        `path.${key}: unknown path parameter; ${op.operationId} takes: ${listNames(declaredPath.map((p) => p.name))}`,
      );
    }
  }
  for (const p of declaredPath) {
    const value = givenPath[p.name];
    if (value === undefined || value === null || value === "") {
      problems.push(`path.${p.name}: missing (required by ${op.path})`);
      continue;
    }
    const holder = { v: value };
    const fn = validatorFor(catalogue, `${op.operationId}:path:${p.name}`, paramSchema(p.schema), false);
    if (!fn(holder)) problems.push(...describeErrors(`path.${p.name}`, shift(fn.errors)));
    else if (typeof holder.v === "object") problems.push(`path.${p.name}: must be a string`);
    else pathParams[p.name] = String(holder.v);
  }

  // Query parameters.
  const query: Record<string, QueryValue> = {};
  const declaredQuery = op.parameters.filter((p) => p.in === "query");
  const givenQuery = args.query ?? {};
  for (const key of Object.keys(givenQuery)) {
    if (!declaredQuery.some((p) => p.name === key)) {
      problems.push(
        `query.${key}: unknown query parameter; ${op.operationId} takes: ${listNames(declaredQuery.map((p) => p.name))}`,
      );
    }
  }
  for (const p of declaredQuery) {
    const value = givenQuery[p.name];
    if (value === undefined || value === null) {
      if (p.required) problems.push(`query.${p.name}: missing (required)`);
      continue;
    }
    const holder = { v: value };
    const fn = validatorFor(catalogue, `${op.operationId}:query:${p.name}`, paramSchema(p.schema), false);
    if (!fn(holder)) {
      problems.push(...describeErrors(`query.${p.name}`, shift(fn.errors)));
      continue;
    }
    const v = holder.v;
    if (Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number")) {
      query[p.name] = v as (string | number)[];
    } else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      query[p.name] = v;
    } else {
      problems.push(
        `query.${p.name}: must be a string, number, boolean or a list of strings (got ${typeName(v)})`,
      );
    }
  }

  // Body.
  let body: unknown;
  let contentType: "vendor" | "json" | undefined;
  const requestContent = op.requestBody?.content ?? {};
  if (args.body !== undefined) {
    if (!op.requestBody) {
      problems.push(`body: ${op.operationId} takes no request body; remove it`);
    } else {
      const vendor = vendorType(version);
      const type = requestContent[vendor]
        ? vendor
        : requestContent["application/json"]
          ? "application/json"
          : Object.keys(requestContent).find((t) => t.endsWith("json"));
      if (!type) {
        problems.push(`body: ${op.operationId} takes no JSON body for ${version}`);
      } else {
        contentType = type === vendor ? "vendor" : "json";
        if (type !== vendor && type !== "application/json") {
          problems.push(`version: the body of ${op.operationId} is ${type}; pass version accordingly`);
        }
        const schema = requestContent[type] ?? {};
        const copy = structuredClone(args.body);
        const holder = { body: copy };
        const key = `${op.operationId}:body:${type}`;
        const fn = validatorFor(catalogue, key, { type: "object", properties: { body: schema } }, true);
        if (!fn(holder)) problems.push(...describeErrors("body", shift(fn.errors, "/body")));
        body = holder.body;
      }
    }
  } else if (op.requestBody?.required) {
    const name = refName(Object.values(requestContent)[0]);
    problems.push(
      `body: required (${name ? `a ${name} object` : "a JSON object"}; ica_search_api shows its fields)`,
    );
  }

  // Idempotency.
  const takesKey = op.parameters.some((p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key");
  if (args.idempotencyKey !== undefined && !takesKey) {
    problems.push(`idempotencyKey: ${op.operationId} takes no Idempotency-Key; remove it`);
  }
  if (args.idempotencyKey !== undefined && args.idempotencyKey.length > 255) {
    problems.push("idempotencyKey: at most 255 characters");
  }

  if (problems.length > 0) return { problems: capProblems(problems) };
  const idempotencyKey = takesKey
    ? (args.idempotencyKey ??
      createHash("sha256")
        .update(canonical({ operationId: op.operationId, path: pathParams, query, body }))
        .digest("hex"))
    : undefined;
  return {
    call: {
      op,
      version,
      ...(contentType ? { contentType } : {}),
      ...(accept ? { accept } : {}),
      responseType: jsonResponse ? "json" : "text",
      pathParams,
      query,
      ...(body !== undefined ? { body } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
      derivedKey: takesKey && args.idempotencyKey === undefined,
      safe: op.changesNothing || idempotencyKey !== undefined,
    },
    problems: [],
  };
}

/** Wraps a parameter schema so that the value sits at /v (Ajv coerces properties, not the root). */
function paramSchema(schema: Schema): Schema {
  return { type: "object", properties: { v: schema } };
}

/** Drops the wrapper's first pointer segment ("/v/0" -> "/0"). */
function shift(errors: ErrorObject[] | null | undefined, prefix = "/v"): ErrorObject[] {
  return (errors ?? []).map((e) => ({
    ...e,
    instancePath: e.instancePath.startsWith(prefix) ? e.instancePath.slice(prefix.length) : e.instancePath,
  }));
}

function capProblems(problems: string[]): string[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more problems`];
}

function unknownOperation(catalogue: Catalogue, operationId: string): string {
  const lower = operationId.toLowerCase();
  const close = catalogue.operations
    .map((o) => o.operationId)
    .filter(
      (id) =>
        id.toLowerCase() === lower || id.toLowerCase().includes(lower) || lower.includes(id.toLowerCase()),
    )
    .slice(0, 5);
  return `operationId: ${operationId} is not an operation of this ICA instance (${catalogue.operations.length} operations)${close.length > 0 ? `; did you mean ${close.join(", ")}?` : ""}; find operations with ica_search_api`;
}

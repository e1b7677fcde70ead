/** Loads ICA's OpenAPI document from ../shared and sets up Ajv; cached per process. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsImport from "ajv-formats";
import { EXACT_KEYWORD } from "./exact-enums.js";
import { prepareComponents, retargetRefs } from "./preprocess.js";
import { buildRoutes, type Route } from "./router.js";

/** The spec path as shown in notices (relative to the project root). */
export const SPEC_DISPLAY_PATH = "../shared/ica-openapi/openapi_public.json";

const DEFAULT_SPEC_FILE = fileURLToPath(
  new URL("../../../../shared/ica-openapi/openapi_public.json", import.meta.url),
);

/** `ICA_OPENAPI_FILE` overrides the location (absolute, or relative to the working directory). */
export function specFilePath(): string {
  const override = process.env["ICA_OPENAPI_FILE"];
  return override ? path.resolve(process.cwd(), override) : DEFAULT_SPEC_FILE;
}

/** `$id`s under which the prepared components are registered. */
export const OPEN_ID = "ica";
export const CLOSED_ID = "ica-closed";

export interface ContractSpec {
  /** Absolute path of the loaded document. */
  readonly file: string;
  /** The document as parsed (never modified). */
  readonly document: Record<string, any>;
  readonly ajv: Ajv;
  /** Path templates, most specific first. */
  readonly routes: Route[];
  /** Milliseconds spent reading, parsing, preprocessing and registering the document. */
  readonly loadMs: number;
  /** Compiled validators by key (schema ref or inline schema identity). */
  readonly validators: Map<string, ValidateFunction>;
  readonly inlineValidators: WeakMap<object, { open?: ValidateFunction; closed?: ValidateFunction }>;
}

// ajv-formats is CommonJS; under NodeNext its default import is typed as the module object.
const addFormats = ((addFormatsImport as unknown as { default?: unknown }).default ??
  addFormatsImport) as unknown as (ajv: Ajv) => Ajv;

function collectExtensionKeywords(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectExtensionKeywords(v, into);
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith("x-")) into.add(k);
      collectExtensionKeywords(v, into);
    }
  }
}

function exactKeyword(allowed: string[], data: unknown): boolean {
  if (typeof data !== "string" || allowed.includes(data)) return true; // type/nullable are checked elsewhere
  const error: Partial<ErrorObject> = {
    keyword: EXACT_KEYWORD,
    message: `must be exactly one of ${allowed.join("|")} (the spec's pattern is unanchored)`,
    params: { allowedValues: allowed },
  };
  (exactKeyword as unknown as { errors: unknown[] }).errors = [error];
  return false;
}

export function createAjv(components: Record<string, any>): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, discriminator: false });
  addFormats(ajv);
  const extensions = new Set<string>(["x-faker"]);
  collectExtensionKeywords(components, extensions);
  extensions.delete(EXACT_KEYWORD);
  for (const keyword of extensions) ajv.addKeyword(keyword);
  ajv.addKeyword({ keyword: EXACT_KEYWORD, schemaType: "array", errors: true, validate: exactKeyword });
  const prepared = prepareComponents(components);
  ajv.addSchema({ $id: OPEN_ID, components: prepared.open });
  ajv.addSchema({ $id: CLOSED_ID, components: prepared.closed });
  return ajv;
}

let cached: ContractSpec | null | undefined;

/** The loaded spec, or null (with a console notice, once) when the document is absent. */
export function loadContractSpec(): ContractSpec | null {
  if (cached !== undefined) return cached;
  const file = specFilePath();
  if (!existsSync(file)) {
    const shown = process.env["ICA_OPENAPI_FILE"] ? file : SPEC_DISPLAY_PATH;
    console.warn(`OpenAPI contract checks skipped: ${shown} not found`);
    cached = null;
    return cached;
  }
  const started = performance.now();
  const document = JSON.parse(readFileSync(file, "utf8")) as Record<string, any>;
  const ajv = createAjv(document["components"] ?? {});
  const routes = buildRoutes(document["paths"] ?? {});
  cached = {
    file,
    document,
    ajv,
    routes,
    loadMs: performance.now() - started,
    validators: new Map(),
    inlineValidators: new WeakMap(),
  };
  return cached;
}

/** Validator for a schema as written in the document (a `$ref` or an inline schema). */
export function schemaValidator(spec: ContractSpec, schema: unknown, closed: boolean): ValidateFunction {
  const id = closed ? CLOSED_ID : OPEN_ID;
  if (typeof schema === "object" && schema !== null && typeof (schema as any).$ref === "string") {
    const ref = (schema as { $ref: string }).$ref;
    const key = `${id}${ref}`;
    let v = spec.validators.get(key);
    if (!v) {
      v = spec.ajv.getSchema(key);
      if (!v) throw new Error(`OpenAPI: cannot resolve ${ref}`);
      spec.validators.set(key, v);
    }
    return v;
  }
  const key = typeof schema === "object" && schema !== null ? schema : {};
  let entry = spec.inlineValidators.get(key);
  if (!entry) {
    entry = {};
    spec.inlineValidators.set(key, entry);
  }
  const variant = closed ? "closed" : "open";
  entry[variant] ??= spec.ajv.compile(retargetRefs(key, id) as object);
  return entry[variant];
}

/** Compiles every component schema (both variants); returns how many. For timing only. */
export function compileAllSchemas(spec: ContractSpec): number {
  let n = 0;
  for (const name of Object.keys(spec.document["components"]?.["schemas"] ?? {})) {
    for (const closed of [false, true]) {
      schemaValidator(spec, { $ref: `#/components/schemas/${name}` }, closed);
      n++;
    }
  }
  return n;
}

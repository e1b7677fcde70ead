/**
 * Turns ICA's OpenAPI 3.0 `components` into something Ajv 8 (draft-07) validates faithfully.
 * Works on a deep copy; the loaded document itself is never modified.
 *
 * - boolean `exclusiveMinimum`/`exclusiveMaximum` (OpenAPI 3.0 / draft-04 style, used by
 *   `Connector.maxBandwidth`) become draft-07 numeric bounds (Ajv refuses to compile them otherwise);
 * - `nullable: true` + `enum` gets `null` added to the enum (Ajv's `nullable` widens `type` only);
 * - `discriminator` + `mapping` + `oneOf` (`CwlAnalysisInput`) becomes an explicit dispatch on the
 *   discriminator property, since Ajv's own discriminator support rejects `mapping`;
 * - the enum-like properties of EXACT_ENUMS get the `x-ica-exact` keyword;
 * - optionally ("closed" variant) object schemas with `properties` and no `additionalProperties`
 *   get `additionalProperties: false`, so undeclared fields are reported.
 */
import { EXACT_ENUMS, EXACT_KEYWORD } from "./exact-enums.js";

type Schema = Record<string, any>;

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

/** Visits every (sub)schema; `inCombinator` is true below allOf/anyOf/oneOf/not/if/then/else. */
function walkSchema(
  schema: unknown,
  visit: (s: Schema, inCombinator: boolean) => void,
  inCombinator = false,
): void {
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

function fixExclusiveBounds(s: Schema): void {
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
}

function fixNullableEnum(s: Schema): void {
  if (s.nullable === true && Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...s.enum, null];
}

function rewriteDiscriminator(s: Schema): void {
  const d = s.discriminator;
  if (!isObject(d) || typeof d.propertyName !== "string" || !isObject(d.mapping) || !Array.isArray(s.oneOf)) {
    return;
  }
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
}

function injectExactEnums(schemas: Record<string, Schema>): void {
  for (const entry of EXACT_ENUMS) {
    const where = `${entry.schema}.${entry.property}`;
    const prop = schemas[entry.schema]?.properties?.[entry.property];
    if (!isObject(prop)) throw new Error(`OpenAPI exact-enum table: ${where} is not in the document`);
    const target = prop.type === "array" ? prop.items : prop;
    if (!isObject(target) || target.type !== "string") {
      throw new Error(`OpenAPI exact-enum table: ${where} is not a string (or array of strings)`);
    }
    if (typeof target.pattern === "string") {
      const fromSpec = [...target.pattern.split("|")].sort().join("|");
      if (fromSpec !== [...entry.allowed].sort().join("|")) {
        throw new Error(
          `OpenAPI exact-enum table: ${where} allows ${entry.allowed.join("|")} but the document's pattern is ${target.pattern}`,
        );
      }
    }
    // The exact check subsumes the (verified equal) unanchored pattern, whose error would only add noise.
    delete target.pattern;
    target[EXACT_KEYWORD] = [...entry.allowed];
  }
}

function closeObjects(s: Schema, inCombinator: boolean): void {
  if (inCombinator) return;
  if (isObject(s.properties) && s.additionalProperties === undefined) s.additionalProperties = false;
}

export interface PreparedComponents {
  /** Faithful to the document (plus the fixes above). */
  open: Schema;
  /** Same, but objects reject properties the document does not declare. */
  closed: Schema;
}

export function prepareComponents(components: Schema): PreparedComponents {
  const open = structuredClone(components);
  const schemas: Record<string, Schema> = open.schemas ?? {};
  for (const schema of Object.values(schemas)) {
    walkSchema(schema, (s) => {
      fixExclusiveBounds(s);
      fixNullableEnum(s);
      rewriteDiscriminator(s);
    });
  }
  injectExactEnums(schemas);
  const closed = structuredClone(open);
  for (const schema of Object.values<Schema>(closed.schemas ?? {})) walkSchema(schema, closeObjects);
  return { open, closed };
}

/** Rewrites document-local `#/components/...` refs of an inline schema to the registered `$id`. */
export function retargetRefs(schema: unknown, id: string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => retargetRefs(s, id));
  if (!isObject(schema)) return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `${id}${v}` : retargetRefs(v, id);
  }
  return out;
}

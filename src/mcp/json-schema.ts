import { z } from "zod";

/**
 * The JSON Schemas published in tools/list, converted from the tools' zod shapes once per process. tools/list
 * is paid for in every conversation's context, so what carries no information for the model is trimmed;
 * the full zod schemas still validate every call.
 */

/** Objects nested deeper than this in an output schema are published as plain `{type: "object"}`. */
const OUTPUT_SCHEMA_DEPTH = 2;

type Json = Record<string, unknown>;

/**
 * The published output schema: the same shape without descriptions, `$schema`, `required` and
 * `additionalProperties: false`, with deeply nested objects reduced to their type, and with the cells of
 * columnar rows left to the `columns` they come with. It only ever accepts more than the full zod schema,
 * which the server enforces on every result (clients may validate against it: it must never reject a result).
 */
export function compactOutputSchema(schema: unknown, depth = 0): unknown {
  if (Array.isArray(schema)) return schema.map((s) => compactOutputSchema(s, depth));
  if (!schema || typeof schema !== "object") return schema;
  const node = schema as Json;
  if (depth >= OUTPUT_SCHEMA_DEPTH && node.type === "object") return { type: "object" };
  // A column list is fixed: its `const` says all (see src/tools/columnar.ts).
  if (Array.isArray(node.const) && node.type === "array") return { const: node.const };
  // Tuples (columnar rows): the cells are named by `columns`; their types are the model's least concern.
  if (Array.isArray(node.prefixItems)) return { type: "array" };
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "description" || key === "$schema" || key === "required" || key === "propertyNames") continue;
    if (key === "additionalProperties" && value === false) continue;
    if (key === "properties" && value && typeof value === "object") {
      // Under "properties" every key is a field name, never a keyword.
      out[key] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, compactOutputSchema(v, depth + 1)]),
      );
    } else if (key === "items") {
      out[key] = compactOutputSchema(value, depth + 1);
    } else {
      out[key] = compactOutputSchema(value, depth);
    }
  }
  return out;
}

/**
 * The published input schema: the same, without `$schema` and without bounds that only guard against abuse
 * (`minLength: 1`, `maxLength`, `minItems`, large `maxItems`, the safe-integer limits zod adds to `.int()`).
 * The server still validates every argument against the full zod schema and answers a violation with an
 * actionable error.
 */
export function compactInputSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(compactInputSchema);
  if (!schema || typeof schema !== "object") return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (key === "$schema") continue;
    if (key === "minLength" && value === 1) continue;
    if (key === "maxLength" || key === "minItems") continue;
    if (key === "maxItems" && typeof value === "number" && value >= 20) continue;
    if ((key === "maximum" || key === "minimum") && Math.abs(Number(value)) >= 1_000_000_000) continue;
    out[key] =
      key === "properties" && value && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compactInputSchema(v)]))
        : compactInputSchema(value);
  }
  return out;
}

export function publishedInputSchema(schema: z.ZodType): Json {
  return compactInputSchema(z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" })) as Json;
}

export function publishedOutputSchema(schema: z.ZodType): Json {
  return compactOutputSchema(z.toJSONSchema(schema, { io: "output", target: "draft-2020-12" })) as Json;
}

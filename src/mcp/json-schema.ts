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
 * The published output schema: the same shape (field names and nesting, enums, column lists) without
 * descriptions, `$schema`, `required`, `additionalProperties: false` and the types of plain string, number
 * and boolean fields (every result shows them), with deeply nested objects reduced to their type, and with
 * the cells of columnar rows left to the `columns` they come with. It only ever accepts more than the full zod schema,
 * which the server enforces on every result (clients may validate against it: it must never reject a result).
 */
export function compactOutputSchema(schema: unknown, depth = 0): unknown {
  if (Array.isArray(schema)) return schema.map((s) => compactOutputSchema(s, depth));
  if (!schema || typeof schema !== "object") return schema;
  const node = schema as Json;
  if (depth >= OUTPUT_SCHEMA_DEPTH && node.type === "object") {
    // A table keeps its column list at any depth: without it the rows say nothing.
    const columns = ((node.properties as Json | undefined)?.columns as Json | undefined)?.const;
    if (Array.isArray(columns))
      return { properties: { columns: { const: columns }, rows: { type: "array" } } };
    return { type: "object" };
  }
  // A plain string/number/boolean field: its name is what the model needs; the value shows its type.
  if (depth > 0 && isPlainLeaf(node)) return {};
  // A column list is fixed: its `const` says all (see src/tools/columnar.ts).
  if (Array.isArray(node.const) && node.type === "array") return { const: node.const };
  // Columnar rows: arrays whose cells `columns` names.
  if (node.type === "array" && (node.items as Json | undefined)?.prefixItems) return { type: "array" };
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "description" || key === "$schema" || key === "required" || key === "propertyNames") continue;
    if (key === "additionalProperties" && value === false) continue;
    if (key === "type" && redundantType(node, depth)) continue;
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

function isPlainLeaf(node: Json): boolean {
  const keys = Object.keys(node).filter((k) => k !== "description");
  return (
    keys.length === 1 &&
    keys[0] === "type" &&
    ["string", "number", "integer", "boolean"].includes(node.type as string)
  );
}

/**
 * `type` says nothing that the node does not already say: a string `enum`, or `properties` below the top
 * (the top level of an output schema must keep `type: "object"`).
 */
function redundantType(node: Json, depth: number): boolean {
  if (node.type === "string" && Array.isArray(node.enum) && node.enum.every((v) => typeof v === "string"))
    return true;
  return depth > 0 && node.type === "object" && !!node.properties;
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
    if (key === "type" && redundantType(schema as Json, 0) && (schema as Json).enum) continue;
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

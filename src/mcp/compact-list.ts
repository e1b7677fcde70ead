import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ListToolsRequestSchema, type ListToolsResult } from "@modelcontextprotocol/sdk/types.js";

type Handler = (request: unknown, extra: unknown) => Promise<ListToolsResult>;

/** Objects nested deeper than this in an output schema are published as plain `{type: "object"}`. */
const OUTPUT_SCHEMA_DEPTH = 2;

/**
 * The published output schema: the same shape without descriptions, `$schema`, `required` and
 * `additionalProperties: false`, and with deeply nested objects reduced to their type. It only ever accepts
 * more than the full zod schema, which the server still enforces on every result.
 */
function compactOutputSchema(schema: unknown, depth = 0): unknown {
  if (Array.isArray(schema)) return schema.map((s) => compactOutputSchema(s, depth));
  if (!schema || typeof schema !== "object") return schema;
  const node = schema as Record<string, unknown>;
  if (depth >= OUTPUT_SCHEMA_DEPTH && node.type === "object") return { type: "object" };
  const out: Record<string, unknown> = {};
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
 * (`minLength: 1`, `maxLength`, `minItems`, large `maxItems`, the safe-integer limits zod adds to `.int()`). The server still
 * validates every argument against the full zod schema and answers a violation with an actionable error.
 */
function compactInputSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(compactInputSchema);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
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

/**
 * tools/list is paid for in every conversation's context. This trims what carries no information for the
 * model: `$schema` keys, output-schema detail (see compactOutputSchema), the annotation title that repeats the tool title, and
 * `execution.taskSupport: "forbidden"` (the default). Input descriptions stay: they guide the model.
 */
export function compactToolList(server: McpServer): void {
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, Handler> })._requestHandlers;
  const original = handlers.get("tools/list");
  if (!original) return;
  server.server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const result = await original(request, extra);
    return {
      ...result,
      tools: result.tools.map((tool) => {
        const { execution, annotations, ...rest } = tool;
        const compact: Record<string, unknown> = { ...rest };
        if (rest.inputSchema) compact.inputSchema = compactInputSchema(rest.inputSchema);
        if (rest.outputSchema) compact.outputSchema = compactOutputSchema(rest.outputSchema);
        if (annotations) {
          const { title, ...hints } = annotations;
          compact.annotations = title && title !== tool.title ? annotations : hints;
        }
        if (execution && execution.taskSupport !== "forbidden") compact.execution = execution;
        return compact as ListToolsResult["tools"][number];
      }),
    };
  });
}

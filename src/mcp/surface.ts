import type { ListToolsResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { AnyTool } from "./adapter.js";
import { publishedInputSchema, publishedOutputSchema } from "./json-schema.js";

/** One tool as the server runs it: the definition, its zod objects built once, and its published entry. */
export interface CompiledTool {
  def: AnyTool;
  /** The strict input object every call's arguments are parsed through (once). */
  input: z.ZodObject;
  /** The output object every result's structured content is parsed through (once). */
  output: z.ZodObject;
  /** The tool's entry in tools/list (compact; see json-schema.ts). */
  published: Tool;
}

/**
 * The tool surface: the selected tools, compiled, and the tools/list answer, built ONCE per process.
 * Every connection's server (see createServer in server.ts) shares it, so a new connection costs no schema
 * work at all.
 */
export interface Surface {
  readonly tools: ReadonlyMap<string, CompiledTool>;
  /** The tools/list result, frozen: the same object answers every list request. */
  readonly list: ListToolsResult;
  /**
   * Set when the tools are compiled lazily (the bundle's prebuilt surface, see prebuilt-surface.ts): resolves
   * once they are; every use of `tools` awaits it first.
   */
  ready?(): Promise<void>;
}

/** The zod objects a tool's calls are parsed through (strict input: unknown arguments are errors). */
export function compileSchemas(def: AnyTool): Pick<CompiledTool, "input" | "output"> {
  return { input: z.strictObject(def.inputSchema), output: z.object(def.outputSchema) };
}

export function compileTool(def: AnyTool): CompiledTool {
  const { input, output } = compileSchemas(def);
  const published: Tool = {
    name: def.name,
    title: def.title,
    description: def.description,
    inputSchema: publishedInputSchema(input) as Tool["inputSchema"],
    outputSchema: publishedOutputSchema(output) as Tool["outputSchema"],
    // The annotation title would repeat the tool's title.
    annotations: { ...def.annotations },
  };
  return { def, input, output, published };
}

export function buildSurface(tools: AnyTool[]): Surface {
  const compiled = new Map<string, CompiledTool>();
  for (const def of tools) {
    if (compiled.has(def.name)) throw new Error(`tool ${def.name} is registered twice`);
    compiled.set(def.name, compileTool(def));
  }
  const list = deepFreeze({ tools: [...compiled.values()].map((t) => t.published) });
  return { tools: compiled, list };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

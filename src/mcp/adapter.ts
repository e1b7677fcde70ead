import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  type ClientCapabilities,
  type ElicitRequestFormParams,
  type ElicitRequestURLParams,
  type ElicitResult,
  ListToolsRequestSchema,
  type ServerNotification,
  type ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { linkSignals } from "../abort.js";
import { type Config, CREDENTIAL_HINT } from "../config.js";
import type { IcaClient } from "../ica/client.js";
import { UserInputError } from "../ica/errors.js";
import { log } from "../log.js";
import { mayHoldSecret, redact, redactDeep, redactKnown } from "../redact.js";
import { formatToolError } from "./errors.js";
import { argumentError } from "./input-errors.js";
import { outputShapeError } from "./output-errors.js";
import { serializeStructured } from "./serialize.js";
import type { CompiledTool, Surface } from "./surface.js";
import { untrustedText } from "./untrusted.js";

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolContext {
  ica: IcaClient;
  config: Config;
  /** Aborted when the MCP client cancels the call (or the server shuts down). */
  signal: AbortSignal;
  /** Sends a progress notification when the caller asked for progress; a no-op otherwise. */
  progress(done: number, total?: number, message?: string): Promise<void>;
  /** The project to use: the argument, else ICA_PROJECT_ID; otherwise an actionable input error. */
  projectId(given?: string): string;
  /** Whether a project may be used (ICA_ALLOWED_PROJECTS); throws an input error when not. */
  checkProject(projectId: string): void;
  /** Whether the server is limited to some projects. */
  allowedProjects?: ReadonlySet<string>;
  /** Releases the call's signal links; the adapter calls it when the call is done. */
  dispose(): void;
  /** What the connected client declared at initialization (elicitation, sampling, roots…); undefined before. */
  clientCapabilities(): ClientCapabilities | undefined;
  /**
   * Asks the user through the client (elicitation/create), as part of this call (relatedRequestId), cancelled
   * with it. A plain pass-through: it throws when the client did not declare the elicitation mode asked for,
   * so check clientCapabilities() first. Absent where no server connection backs the context.
   */
  elicit?(
    params: ElicitRequestFormParams | ElicitRequestURLParams,
    options?: { timeoutMs?: number },
  ): Promise<ElicitResult>;
}

export interface ToolOutput<O> {
  structured: O;
  /** One or two lines for the text mirror: what this is and how to continue (next page, next tool). */
  summary: string;
}

export interface ToolDefinition<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  inputSchema: I;
  outputSchema: O;
  annotations: ToolAnnotations;
  /** Set when the tool must work without ICA credentials (none do today). */
  needsNoCredentials?: boolean;
  handler(
    args: z.infer<z.ZodObject<I>>,
    ctx: ToolContext,
  ): Promise<ToolOutput<z.input<z.ZodObject<O>>>> | ToolOutput<z.input<z.ZodObject<O>>>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds tools of every shape.
export type AnyTool = ToolDefinition<any, any>;

export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  def: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  return def;
}

/**
 * Hard cap on the JSON text block (about 20k tokens). Tools bound their lists by item count and by
 * columnar.ts's TABLE_CHARS so that no result reaches it (test/list-bounds.test.ts).
 */
export const MAX_TEXT_CHARS = 80_000;
/** Progress notifications are spaced at least this far apart (the last one always goes out). */
const PROGRESS_INTERVAL_MS = 100;

export interface AdapterDeps {
  ica: IcaClient;
  config: Config;
  allowedProjects?: ReadonlySet<string>;
  /** Aborted on shutdown, so in-flight calls stop their HTTP work. */
  shutdownSignal?: AbortSignal;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export function makeContext(
  deps: AdapterDeps,
  extra: Pick<Extra, "signal" | "_meta" | "sendNotification"> & Partial<Pick<Extra, "requestId">>,
  server?: Server,
): ToolContext {
  const progressToken = extra._meta?.progressToken;
  let last = -1;
  let lastSent = 0;
  const linked = linkSignals([extra.signal, deps.shutdownSignal]);
  const signal = linked.signal;
  const checkProject = (projectId: string) => {
    if (deps.allowedProjects && !deps.allowedProjects.has(projectId)) {
      throw new UserInputError(
        `project ${projectId} is not in ICA_ALLOWED_PROJECTS; this server may only use: ${[...deps.allowedProjects].join(", ")}`,
        "use one of the allowed projects (ica_list_projects shows them).",
      );
    }
  };
  return {
    ica: deps.ica,
    config: deps.config,
    signal,
    dispose: linked.dispose,
    allowedProjects: deps.allowedProjects,
    checkProject,
    clientCapabilities: () => server?.getClientCapabilities(),
    ...(server
      ? {
          elicit: (params, options) =>
            server.elicitInput(params, {
              relatedRequestId: extra.requestId,
              signal,
              ...(options?.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
            }),
        }
      : {}),
    projectId(given) {
      const id = given ?? deps.config.projectId;
      if (!id) {
        throw new UserInputError(
          "projectId is required: pass projectId (find it with ica_list_projects) or set ICA_PROJECT_ID for a default",
        );
      }
      checkProject(id);
      return id;
    },
    async progress(done, total, message) {
      if (progressToken === undefined || signal.aborted || done <= last) return;
      const now = Date.now();
      const final = total !== undefined && done >= total;
      if (!final && now - lastSent < PROGRESS_INTERVAL_MS) return;
      last = done;
      lastSent = now;
      try {
        await extra.sendNotification({
          method: "notifications/progress",
          params: {
            progressToken,
            progress: done,
            ...(total !== undefined ? { total } : {}),
            ...(message ? { message } : {}),
          },
        });
      } catch (err) {
        log.debug("could not send progress", { error: String(err) });
      }
    },
  };
}

/** Runs one tool call and builds its CallToolResult; every failure becomes an actionable isError result. */
export async function runTool(tool: CompiledTool, args: unknown, ctx: ToolContext): Promise<CallToolResult> {
  const def = tool.def;
  try {
    const parsedArgs = tool.input.safeParse(args ?? {});
    if (!parsedArgs.success) throw argumentError(parsedArgs.error, def.inputSchema);
    if (!def.needsNoCredentials && !ctx.ica.hasCredentials) {
      return errorResult(`ICA credentials are missing: ${CREDENTIAL_HINT}, then restart the server.`);
    }
    const output = await def.handler(parsedArgs.data as never, ctx);
    const parsed = tool.output.safeParse(output.structured);
    if (!parsed.success) return errorResult(outputShapeError(def, parsed.error));
    const { structured, json } = redactStructured(parsed.data as Record<string, unknown>);
    return toolResult(def.name, untrustedText(redactKnown(output.summary)), structured, json);
  } catch (err) {
    if (ctx.signal.aborted && !(err instanceof UserInputError)) {
      return errorResult("The call was cancelled; nothing more was fetched from ICA.");
    }
    return errorResult(formatToolError(err, def.name));
  }
}

/**
 * The result the model sees: the summary line, then the structured content serialized (as the MCP spec
 * advises), both also kept whole in structuredContent. Lists are bounded by item count so that the JSON
 * never reaches MAX_TEXT_CHARS (test/list-bounds.test.ts); should one ever do, the JSON is left out of the
 * text rather than cut in the middle.
 */
function toolResult(
  name: string,
  summary: string,
  structured: Record<string, unknown>,
  plainJson?: string,
): CallToolResult {
  let json = serializeStructured(structured, plainJson);
  if (json.length > MAX_TEXT_CHARS) {
    log.error(`${name} produced ${json.length} characters of JSON, over MAX_TEXT_CHARS: bound the list`);
    json = `[the ${json.length}-character JSON of this result is only in structuredContent; ask for a smaller page]`;
  }
  return {
    content: [
      { type: "text", text: summary },
      { type: "text", text: json },
    ],
    structuredContent: structured,
  };
}

/**
 * The structured content with registered secrets redacted, and its plain JSON. The JSON is written once and
 * scanned for any trace of a secret (mayHoldSecret); only when one may be there is the value walked and
 * rewritten (redactDeep), which is what every result used to pay. Anything JSON.stringify refuses (nesting
 * too deep for the stack) also takes the walk, which cuts such nesting.
 */
function redactStructured(data: Record<string, unknown>): {
  structured: Record<string, unknown>;
  json?: string;
} {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch {
    return { structured: redactDeep(data) };
  }
  if (json === undefined || !mayHoldSecret(json)) return { structured: data, json };
  return { structured: redactDeep(data) };
}

function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text: untrustedText(redact(text)) }], isError: true };
}

/**
 * Answers tools/list and tools/call on a low-level SDK server from a prebuilt surface. Declares the tools
 * capability itself; call before connect().
 */
export function registerTools(server: Server, surface: Surface, deps: AdapterDeps): void {
  server.registerCapabilities({ tools: {} });
  server.setRequestHandler(ListToolsRequestSchema, () => surface.list);
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    await surface.ready?.();
    const tool = surface.tools.get(request.params.name);
    if (!tool) {
      return errorResult(
        `Unknown tool ${JSON.stringify(request.params.name.slice(0, 80))}.\nNext step: call one of: ${[...surface.tools.keys()].join(", ")}.`,
      );
    }
    const ctx = makeContext(deps, extra, server);
    try {
      return await runTool(tool, request.params.arguments, ctx);
    } finally {
      ctx.dispose();
    }
  });
}

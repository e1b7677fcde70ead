import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { linkSignals } from "../abort.js";
import { type Config, CREDENTIAL_HINT } from "../config.js";
import type { IcaClient } from "../ica/client.js";
import { UserInputError } from "../ica/errors.js";
import { log } from "../log.js";
import { redact, redactDeep, redactKnown } from "../redact.js";
import { formatToolError } from "./errors.js";
import { untrustedJson, untrustedText } from "./untrusted.js";

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

/** Hard cap on the text mirror; tools bound their own results far below this. */
export const MAX_TEXT_CHARS = 60_000;
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
  extra: Pick<Extra, "signal" | "_meta" | "sendNotification">,
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
export async function runTool(tool: AnyTool, args: unknown, ctx: ToolContext): Promise<CallToolResult> {
  try {
    if (!tool.needsNoCredentials && !ctx.ica.hasCredentials) {
      return errorResult(`ICA credentials are missing: ${CREDENTIAL_HINT}, then restart the server.`);
    }
    const output = await tool.handler(args as never, ctx);
    const structured = redactDeep(z.object(tool.outputSchema).parse(output.structured)) as Record<
      string,
      unknown
    >;
    let json = untrustedJson(structured);
    if (json.length > MAX_TEXT_CHARS) {
      json = `${json.slice(0, MAX_TEXT_CHARS)}… [cut at ${MAX_TEXT_CHARS} characters; ask for a smaller page]`;
    }
    return {
      content: [{ type: "text", text: `${untrustedText(redactKnown(output.summary))}\n${json}` }],
      structuredContent: structured,
    };
  } catch (err) {
    if (ctx.signal.aborted && !(err instanceof UserInputError)) {
      return errorResult("The call was cancelled; nothing more was fetched from ICA.");
    }
    return errorResult(formatToolError(err, tool.name));
  }
}

function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text: untrustedText(redact(text)) }], isError: true };
}

/** Registers tools on the server through the one adapter. */
export function registerTools(server: McpServer, tools: AnyTool[], deps: AdapterDeps): void {
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: z.strictObject(tool.inputSchema),
        outputSchema: z.object(tool.outputSchema),
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (args: unknown, extra: Extra) => {
        const ctx = makeContext(deps, extra);
        try {
          return await runTool(tool, args, ctx);
        } finally {
          ctx.dispose();
        }
      },
    );
  }
}

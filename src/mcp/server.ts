import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Config } from "../config.js";
import { callApiReadOnlyTool } from "../tools/call-api.js";
import { ALL_TOOLS } from "../tools/index.js";
import type { AnyTool } from "./adapter.js";
import { createServer, type ServerDeps } from "./create-server.js";
import { selectFrom } from "./select.js";
import { buildSurface, type Surface } from "./surface.js";

export { createServer, SERVER_INSTRUCTIONS, type ServerDeps } from "./create-server.js";
export { READ_ONLY_EXCEPTIONS, ToolSelectionError } from "./select.js";

/** Applies ICA_TOOLS, ICA_EXCLUDE_TOOLS and ICA_READ_ONLY to the registry; unknown names are an error. */
export function selectTools(config: Config, all: AnyTool[] = ALL_TOOLS): AnyTool[] {
  return selectFrom(config, all).map((t) =>
    config.readOnly && t.name === callApiReadOnlyTool.name ? callApiReadOnlyTool : t,
  );
}

/** The surface for a configuration: ICA_TOOLS / ICA_EXCLUDE_TOOLS / ICA_READ_ONLY applied, compiled once. */
export function surfaceFor(config: Config, tools?: AnyTool[]): Surface {
  return buildSurface(tools ?? selectTools(config));
}

export interface BuildOptions extends ServerDeps {
  tools?: AnyTool[];
  /** A prebuilt surface (otherwise one is built from `tools` or the configuration). */
  surface?: Surface;
}

/** Builds the MCP server with the selected tools (a surface and one server: the stdio case). */
export function buildServer(opts: BuildOptions): McpServer {
  return createServer(opts.surface ?? surfaceFor(opts.config, opts.tools), opts);
}

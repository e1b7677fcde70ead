import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { redactDeep } from "../redact.js";
import { type AdapterDeps, makeContext } from "./adapter.js";
import { formatToolError } from "./errors.js";
import { serializeStructured } from "./serialize.js";
import type { Surface } from "./surface.js";
import { untrustedText } from "./untrusted.js";

/**
 * Resource templates for clients that prefer resources to tools. Each read runs the matching read-only
 * tool's handler, so a resource shows exactly what the tool shows (same projection, same checks).
 */
const TEMPLATES = [
  {
    name: "ica-project",
    uriTemplate: "ica://projects/{projectId}",
    title: "ICA project",
    description: "One ICA project (as ica_get_project shows it).",
    tool: "ica_get_project",
  },
  {
    name: "ica-analysis",
    uriTemplate: "ica://projects/{projectId}/analyses/{analysisId}",
    title: "ICA analysis",
    description: "One analysis of a project (as ica_get_analysis shows it).",
    tool: "ica_get_analysis",
  },
] as const;

export function registerResources(server: McpServer, surface: Surface, deps: AdapterDeps): void {
  for (const t of TEMPLATES) {
    if (!surface.tools.has(t.tool)) continue;
    server.registerResource(
      t.name,
      new ResourceTemplate(t.uriTemplate, { list: undefined }),
      { title: t.title, description: t.description, mimeType: "application/json" },
      async (uri, variables, extra) => {
        const args = Object.fromEntries(
          Object.entries(variables).map(([k, v]) => [k, decodeURIComponent(Array.isArray(v) ? v[0]! : v)]),
        );
        await surface.ready?.();
        const tool = surface.tools.get(t.tool)!.def;
        const ctx = makeContext(deps, extra);
        try {
          const parsed = z.strictObject(tool.inputSchema).parse(args);
          const output = await tool.handler(parsed, ctx);
          // The same redaction and escaping as a tool result: a resource is a way out of the server too.
          const structured = redactDeep(z.object(tool.outputSchema).parse(output.structured));
          return {
            contents: [
              { uri: uri.href, mimeType: "application/json", text: serializeStructured(structured) },
            ],
          };
        } catch (err) {
          throw new McpError(ErrorCode.InvalidParams, untrustedText(formatToolError(err, t.tool)));
        } finally {
          ctx.dispose();
        }
      },
    );
  }
}

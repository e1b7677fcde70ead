// The baseline for the cold-start bench: the smallest useful MCP server a user could write with the SDK
// (one tool, stdio), loaded from node_modules as the SDK ships. ica-mcp cannot start faster than Node plus this.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "bare", version: "1.0.0" });
server.registerTool(
  "echo",
  { description: "Echoes its text.", inputSchema: { text: z.string() } },
  ({ text }) => ({
    content: [{ type: "text", text }],
  }),
);
await server.connect(new StdioServerTransport());
process.stdin.on("end", () => process.exit(0));

// The baseline for `npm run bench`: a bare SDK stdio server with one tool that does what ica_get_project does
// upstream (one GET /api/projects/{id} with a bearer token) and returns ICA's JSON as text. No validation,
// no projection, no redaction: the floor an MCP server in front of the same upstream cannot go below.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { Agent, request } from "undici";

const base = process.env.ICA_BASE_URL;
const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
const token = (
  await (
    await request(`${base}/api/tokens`, {
      method: "POST",
      headers: { "x-api-key": process.env.ICA_API_KEY },
      dispatcher,
    })
  ).body.json()
).token;

const server = new Server({ name: "bare", version: "1" }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({
  tools: [
    {
      name: "get_project",
      inputSchema: { type: "object", properties: { projectId: { type: "string" } }, required: ["projectId"] },
    },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, async (req) => {
  const res = await request(`${base}/api/projects/${encodeURIComponent(req.params.arguments.projectId)}`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/vnd.illumina.v3+json" },
    dispatcher,
  });
  return { content: [{ type: "text", text: await res.body.text() }] };
});
await server.connect(new StdioServerTransport());
process.stdin.on("end", () => process.exit(0));

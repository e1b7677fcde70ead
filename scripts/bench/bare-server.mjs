// The baseline for `npm run bench`: a bare SDK stdio server with one tool that does what ica_get_project does
// upstream (one GET /api/projects/{id} with a bearer token minted from the same API key) and returns ICA's
// JSON as text. No validation, no projection, no redaction: the floor an MCP server in front of the same
// upstream cannot go below.
//
// It sends the request ica-mcp sends (the same Accept, Accept-Encoding: gzip and a User-Agent), so both get
// the same answer from the upstream, and so it inflates a gzip body as any client asking for gzip must.
// BARE_PLAIN=1 sends a plain GET instead (no Accept-Encoding: the upstream's answer is not compressed), the
// baseline earlier benches used; per-call.mjs prints it beside the other for comparison.
import { gunzipSync } from "node:zlib";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { Agent, request } from "undici";

const base = process.env.ICA_BASE_URL;
const plain = process.env.BARE_PLAIN === "1";
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
const headers = {
  authorization: `Bearer ${token}`,
  accept: "application/vnd.illumina.v3+json",
  ...(plain ? {} : { "accept-encoding": "gzip", "user-agent": "ica-mcp-bare/1" }),
};

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
    headers,
    dispatcher,
  });
  if (plain || res.headers["content-encoding"] !== "gzip") {
    return { content: [{ type: "text", text: await res.body.text() }] };
  }
  const raw = Buffer.from(await res.body.arrayBuffer());
  return { content: [{ type: "text", text: gunzipSync(raw).toString("utf8") }] };
});
await server.connect(new StdioServerTransport());
process.stdin.on("end", () => process.exit(0));

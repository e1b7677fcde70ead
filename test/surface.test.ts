/** The tool surface (src/mcp/surface.ts, adapter.ts): our own argument errors, output shape errors, elicitation pass-through. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { parseConfig } from "../src/config.js";
import { defineTool } from "../src/mcp/adapter.js";
import { createServer } from "../src/mcp/server.js";
import { buildSurface } from "../src/mcp/surface.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { sandboxClient } from "./helpers/client.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();

const badOutput = defineTool({
  name: "ica_test_bad_output",
  title: "Return a result outside the schema",
  description: "Test tool: its handler breaks its own output schema.",
  inputSchema: {},
  outputSchema: { count: z.number() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: () => ({ structured: { count: "many" as unknown as number }, summary: "done" }),
});

let seen: { caps?: unknown; answer?: unknown } = {};
const asks = defineTool({
  name: "ica_test_asks",
  title: "Ask the user",
  description: "Test tool: asks the user through elicitation.",
  inputSchema: {},
  outputSchema: { action: z.string() },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(_args, ctx) {
    seen.caps = ctx.clientCapabilities();
    const answer = await ctx.elicit!({
      message: "Proceed?",
      requestedSchema: { type: "object", properties: { ok: { type: "boolean" } } },
    });
    seen.answer = answer;
    return { structured: { action: answer.action }, summary: `user said ${answer.action}` };
  },
});

let c: Connected;
beforeAll(async () => {
  c = await connectTools(sandbox(), { tools: [...ALL_TOOLS, badOutput] });
});
afterAll(async () => {
  await c.close();
});

describe("arguments are validated once, with our own actionable message", () => {
  it("names each wrong argument, what it should be, and the next step; never the SDK's -32602 text", async () => {
    const res = await c.client.callTool({
      name: "ica_get_analysis",
      arguments: { include: ["everything"], surprise: 1 },
    });
    expect(res.isError).toBe(true);
    const text = textOf(res);
    expect(text).not.toContain("-32602");
    expect(text).not.toContain("Input validation error");
    expect(text.split("\n")[0]).toBe("Invalid arguments for ica_get_analysis:");
    expect(text).toContain(
      "- analysisId is required: string (Id from ica_list_analyses (not the reference).)",
    );
    expect(text).toMatch(/- include\[0\]: expected one of "inputs"\|"configurations"\|"usage"\|"logsFolder"/);
    expect(text).toContain(
      '- unknown parameter(s) "surprise"; valid parameters: projectId, analysisId, include',
    );
    expect(text).toMatch(/\nNext step: send the arguments again with these fixed/);
  });

  it("echoes hostile argument names bounded and quoted", async () => {
    const res = await c.client.callTool({ name: "ica_list_projects", arguments: { ["k".repeat(500)]: 1 } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain(`"${"k".repeat(40)}…"`);
    expect(textOf(res)).not.toContain("k".repeat(41));
  });

  it("answers an unknown tool with the valid names", async () => {
    const res = await c.client.callTool({ name: "ica_nope", arguments: {} });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/^Unknown tool "ica_nope"\.\nNext step: call one of: ica_list_projects, /);
  });
});

describe("results", () => {
  it("a result outside the tool's own schema is an actionable error naming the tool and its operation", async () => {
    const res = await c.client.callTool({ name: "ica_test_bad_output", arguments: {} });
    expect(res.isError).toBe(true);
    const text = textOf(res);
    expect(text).toMatch(
      /^ica_test_bad_output \(Return a result outside the schema\) could not shape ICA's answer into its result: unexpected or missing value in count\. The operation itself may have been carried out/,
    );
    expect(text).toContain("Next step: call again");
    expect(text).not.toMatch(/Internal error|invalid_type|"code"/);
  });

  it("text is two blocks: the summary line, then exactly the structured content as JSON", async () => {
    const res = (await c.client.callTool({ name: "ica_list_projects", arguments: { pageSize: 2 } })) as {
      content: { type: string; text: string }[];
      structuredContent: unknown;
    };
    expect(res.content.map((b) => b.type)).toEqual(["text", "text"]);
    expect(res.content[0]!.text).not.toContain("\n");
    expect(JSON.parse(res.content[1]!.text)).toEqual(res.structuredContent);
  });

  it("the surface is built once: every tools/list answer is the same frozen object", () => {
    const surface = buildSurface(ALL_TOOLS);
    expect(Object.isFrozen(surface.list.tools[0]!.inputSchema)).toBe(true);
  });
});

describe("elicitation, for tools that ask the user", () => {
  it("ctx.clientCapabilities() and ctx.elicit() pass through to the client, related to the call", async () => {
    const parsed = parseConfig([], { ICA_BASE_URL: sandbox().url, ICA_API_KEY: TEST_API_KEY });
    if (!parsed.ok) throw new Error(parsed.message);
    const ica = sandboxClient(sandbox(), { apiKey: TEST_API_KEY });
    const server = createServer(buildSurface([asks]), { config: parsed.config, ica });
    const client = new Client(
      { name: "asker", version: "1" },
      { capabilities: { elicitation: { form: {} } } },
    );
    const related: unknown[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
      related.push(extra.requestId !== undefined, request.params.message);
      return { action: "accept", content: { ok: true } };
    });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(b), client.connect(a)]);
    seen = {};
    const res = await client.callTool({ name: "ica_test_asks", arguments: {} });
    expect(res.isError).toBeFalsy();
    expect(seen.caps).toEqual({ elicitation: { form: {} } });
    expect(seen.answer).toEqual({ action: "accept", content: { ok: true } });
    expect(related).toEqual([true, "Proceed?"]);
    await client.close();
    await server.close();
    await ica.close();
  });
});

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALL_TOOLS } from "../src/tools/index.js";
import { connectTools } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
/**
 * The whole tools/list of the default set must stay within this (about 9,000 tokens): the budget issue 13 sets
 * for the default set including the batch launch and the answers tools.
 */
const TOOLS_LIST_BUDGET_BYTES = 36_000;
const DESCRIPTION_LIMIT = 1_200;

describe("tool registry policy", () => {
  it("every tool has a good name, a title, a short description and all four annotations set explicitly", () => {
    const names = new Set<string>();
    for (const tool of ALL_TOOLS) {
      expect(tool.name).toMatch(/^ica_[a-z0-9_]+$/);
      expect(tool.name.length).toBeLessThanOrEqual(40);
      expect(names.has(tool.name)).toBe(false);
      names.add(tool.name);
      expect(tool.title.length).toBeGreaterThan(3);
      expect(tool.description.length).toBeGreaterThan(40);
      expect(tool.description.length, `${tool.name} description`).toBeLessThanOrEqual(DESCRIPTION_LIMIT);
      for (const key of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
        expect(typeof tool.annotations[key], `${tool.name}.${key}`).toBe("boolean");
      }
      expect(
        tool.annotations.readOnlyHint && tool.annotations.destructiveHint,
        `${tool.name} read-only and destructive`,
      ).toBe(false);
    }
  });

  it("every tool is exercised by some test file", () => {
    const dir = new URL(".", import.meta.url);
    const text = readdirSync(dir)
      .filter((f) => f.endsWith(".test.ts") && f !== "policy.test.ts")
      .map((f) => readFileSync(new URL(f, dir), "utf8"))
      .join("\n");
    const untested = ALL_TOOLS.map((t) => t.name).filter((n) => !text.includes(`"${n}"`));
    expect(untested).toEqual([]);
  });

  it("inputs are strict objects without top-level unions, every parameter is described, and tools/list fits the budget", async () => {
    const c = await connectTools(sandbox());
    const { tools } = await c.client.listTools();
    expect(tools.length).toBe(ALL_TOOLS.length);
    for (const tool of tools) {
      const schema = tool.inputSchema as Record<string, unknown> & {
        properties?: Record<string, Record<string, unknown>>;
      };
      expect(schema.type).toBe("object");
      expect(schema.additionalProperties, tool.name).toBe(false);
      for (const key of ["anyOf", "oneOf", "allOf"])
        expect(schema[key], `${tool.name} ${key}`).toBeUndefined();
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        expect(typeof prop.description, `${tool.name}.${name} has a description`).toBe("string");
      }
      expect(tool.outputSchema?.type).toBe("object");
    }
    const bytes = Buffer.byteLength(JSON.stringify({ tools }));
    const shares = tools
      .map((t) => [t.name, Buffer.byteLength(JSON.stringify(t))] as const)
      .sort((a, b) => b[1] - a[1])
      .map(([n, b]) => `  ${n.padEnd(34)} ${String(b).padStart(6)}`);
    console.log(
      `tools/list: ${tools.length} tools, ${bytes} bytes (~${Math.round(bytes / 4)} tokens) of ${TOOLS_LIST_BUDGET_BYTES}\n${shares.join("\n")}`,
    );
    expect(bytes).toBeLessThanOrEqual(TOOLS_LIST_BUDGET_BYTES);
    await c.close();
  });

  it("read-only mode publishes only read-only tools (and ica_call_api), in a measured, smaller list", async () => {
    const c = await connectTools(sandbox(), { env: { ICA_READ_ONLY: "true" } });
    const { tools } = await c.client.listTools();
    const full = ALL_TOOLS.filter((t) => t.annotations.readOnlyHint || t.name === "ica_call_api");
    expect(tools.map((t) => t.name)).toEqual(full.map((t) => t.name));
    const bytes = Buffer.byteLength(JSON.stringify({ tools }));
    console.log(
      `tools/list (read-only): ${tools.length} tools, ${bytes} bytes (~${Math.round(bytes / 4)} tokens)`,
    );
    expect(bytes).toBeLessThanOrEqual(TOOLS_LIST_BUDGET_BYTES);
    await c.close();
  });
});

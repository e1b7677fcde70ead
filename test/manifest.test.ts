import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OPTIONS } from "../src/config.js";
import { rowsOf } from "./helpers/columnar.js";
import { initialize, spawnServer } from "./helpers/spawn.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(`${root}manifest.json`, "utf8"));
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
const env = manifest.server.mcp_config.env as Record<string, string>;
type Field = { type: string; required?: boolean; default?: unknown; sensitive?: boolean };
const fields = manifest.user_config as Record<string, Field>;

/**
 * The environment an MCP Bundle host gives the server: each `${user_config.x}` replaced by the user's value,
 * where a field the user left blank arrives as an empty string and an untouched switch as "false".
 */
function hostEnv(values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [variable, template] of Object.entries(env)) {
    out[variable] = template.replace(/\$\{user_config\.(\w+)\}/g, (_, name: string) => {
      if (name in values) return values[name]!;
      return fields[name]!.type === "boolean" ? String(fields[name]!.default ?? false) : "";
    });
  }
  return out;
}

type ToolsList = { result: { tools: { name: string }[] } };
type CallResult = { result: { isError?: boolean; content: { text: string }[]; structuredContent?: unknown } };

describe("MCP Bundle manifest", () => {
  it("matches the package and points at the built entry file", () => {
    expect(manifest.manifest_version).toBe("0.3");
    expect(manifest.name).toBe(pkg.name);
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.license).toBe(pkg.license);
    expect(manifest.server.entry_point).toBe(pkg.bin["ica-mcp"]);
    expect(manifest.server.mcp_config.args).toEqual([`\${__dirname}/${pkg.bin["ica-mcp"]}`]);
    expect(existsSync(`${root}${manifest.server.entry_point}`)).toBe(true);
  });

  it("wires every user_config field to a real variable and back, with the key sensitive and optional", () => {
    const known = new Set(OPTIONS.flatMap((o) => [o.env, ...(o.aliases ?? [])]).filter(Boolean));
    const used = new Set<string>();
    for (const [variable, value] of Object.entries(env)) {
      expect(known.has(variable), variable).toBe(true);
      const field = /^\$\{user_config\.(\w+)\}$/.exec(value)?.[1];
      expect(field && fields[field], `${variable} -> ${value}`).toBeTruthy();
      used.add(field!);
    }
    expect([...used].sort()).toEqual(Object.keys(fields).sort());
    expect(Object.keys(fields)).toEqual(
      expect.arrayContaining(["api_key", "tenant", "read_only", "allowed_projects", "sandbox"]),
    );
    expect(fields.api_key!.sensitive).toBe(true);
    // With the sandbox switch on there is no key to give.
    expect(fields.api_key!.required).toBe(false);
    expect(env.ICA_SANDBOX).toBe(["$", "{user_config.sandbox}"].join(""));
    for (const [name, f] of Object.entries(fields)) if (!f.required) expect(f.default, name).toBeDefined();
  });

  it("with every optional field blank, the built server starts, lists its tools and asks for a key", {
    timeout: 60_000,
  }, async () => {
    const server = spawnServer([], hostEnv({ api_key: "" }));
    try {
      await initialize(server);
      const list = (await server.call("tools/list", {})) as ToolsList;
      // read_only "false" and a blank allow-list restrict nothing: every tool is there.
      expect(list.result.tools.map((t) => t.name)).toContain("ica_start_analysis");
      const call = (await server.call("tools/call", {
        name: "ica_list_projects",
        arguments: {},
      })) as CallResult;
      expect(call.result.isError).toBe(true);
      expect(call.result.content[0]!.text).toContain("ICA_API_KEY");
      expect(server.stderr()).not.toMatch(/invalid|empty/i);
    } finally {
      server.child.stdin.end();
      await server.exited;
    }
  });

  it("with the sandbox switch on and everything else blank, the tools work against the sandbox", {
    timeout: 60_000,
  }, async () => {
    const server = spawnServer([], hostEnv({ sandbox: "true" }));
    try {
      await initialize(server);
      const call = (await server.call(
        "tools/call",
        { name: "ica_list_projects", arguments: { pageSize: 2 } },
        30_000,
      )) as CallResult;
      expect(call.result.isError, call.result.content[0]?.text).toBeFalsy();
      expect(rowsOf(call.result.structuredContent)).toHaveLength(2);
      const readOnly = spawnServer([], hostEnv({ sandbox: "true", read_only: "true" }));
      try {
        await initialize(readOnly);
        const list = (await readOnly.call("tools/list", {})) as ToolsList;
        expect(list.result.tools.map((t) => t.name)).not.toContain("ica_start_analysis");
      } finally {
        readOnly.child.stdin.end();
        await readOnly.exited;
      }
    } finally {
      server.child.stdin.end();
      await server.exited;
    }
  });
});

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OPTIONS } from "../src/config.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(`${root}manifest.json`, "utf8"));
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8"));

describe("MCP Bundle manifest", () => {
  it("matches the package and points at the built entry file", () => {
    expect(manifest.manifest_version).toBe("0.3");
    expect(manifest.name).toBe(pkg.name);
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.server.entry_point).toBe(pkg.bin["ica-mcp"]);
    expect(manifest.server.mcp_config.args).toEqual([`\${__dirname}/${pkg.bin["ica-mcp"]}`]);
    expect(existsSync(`${root}${manifest.server.entry_point}`)).toBe(true);
  });

  it("wires every user_config field to a real variable, with the key as a sensitive field", () => {
    const env = manifest.server.mcp_config.env as Record<string, string>;
    const known = new Set(OPTIONS.flatMap((o) => [o.env, ...(o.aliases ?? [])]).filter(Boolean));
    for (const [variable, value] of Object.entries(env)) {
      expect(known.has(variable), variable).toBe(true);
      const field = /^\$\{user_config\.(\w+)\}$/.exec(value)?.[1];
      expect(field && manifest.user_config[field], `${variable} -> ${value}`).toBeTruthy();
    }
    expect(manifest.user_config.api_key.sensitive).toBe(true);
    expect(env.ICA_API_KEY).toBe(["$", "{user_config.api_key}"].join(""));
  });
});

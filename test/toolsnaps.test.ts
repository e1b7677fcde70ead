/** Each tool's published entry in tools/list against its reviewed snapshot (test/__toolsnaps__/<tool>.json). */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildSurface } from "../src/mcp/surface.js";
import { ALL_TOOLS } from "../src/tools/index.js";

const dir = new URL("./__toolsnaps__/", import.meta.url);
const UPDATE = "if the change is intended, run `npm run toolsnaps` and commit the reviewed diff";

describe("tool schema snapshots", () => {
  const surface = buildSurface(ALL_TOOLS);

  for (const tool of surface.list.tools) {
    it(tool.name, () => {
      const file = new URL(`${tool.name}.json`, dir);
      expect(existsSync(file), `no snapshot for ${tool.name}: ${UPDATE}`).toBe(true);
      const snapshot = readFileSync(file, "utf8");
      expect(
        `${JSON.stringify(tool, null, 2)}\n`,
        `${tool.name} changed what the model sees: ${UPDATE}`,
      ).toBe(snapshot);
    });
  }

  it("has no snapshot of a tool that no longer exists", () => {
    const names = new Set(surface.list.tools.map((t) => `${t.name}.json`));
    const stale = readdirSync(dir).filter((f) => f.endsWith(".json") && !names.has(f));
    expect(stale, UPDATE).toEqual([]);
  });
});

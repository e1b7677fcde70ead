import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SANDBOX_DIR = fileURLToPath(new URL("../src/sandbox", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("the sandbox is an independent implementation of ICA", () => {
  it("imports nothing from the client, the tools or the MCP layer", () => {
    const all = files(SANDBOX_DIR);
    expect(all.length).toBeGreaterThan(3);
    const offenders: string[] = [];
    for (const file of all) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
        const spec = m[1]!;
        if (/(^|\/)(ica|tools|mcp)(\/|$)/.test(spec) && spec.startsWith(".."))
          offenders.push(`${file}: ${spec}`);
        // A relative import must stay inside src/sandbox (nested route folders may go up to it, not past it).
        if (spec.startsWith(".") && !resolve(dirname(file), spec).startsWith(SANDBOX_DIR + sep))
          offenders.push(`${file}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

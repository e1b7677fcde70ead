import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OPTIONS } from "../src/config.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { requireBuild } from "./helpers/spawn.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(`${root}README.md`, "utf8");

describe("README stays true to the code", () => {
  it("the generated configuration and tool tables match the code (npm run readme regenerates them)", () => {
    requireBuild();
    let out = "";
    try {
      execFileSync(process.execPath, ["scripts/readme.mjs", "--check"], { cwd: root, stdio: "pipe" });
    } catch (err) {
      out = String((err as { stderr?: Buffer }).stderr ?? err);
    }
    expect(out).toBe("");
  });

  it("names every variable, flag and tool", () => {
    for (const o of OPTIONS) {
      if (o.env) expect(readme).toContain(`\`${o.env}\``);
      if (o.flag) expect(readme).toContain(`\`${o.flag}\``);
    }
    for (const t of ALL_TOOLS) expect(readme).toContain(`\`${t.name}\``);
  });

  it("keeps the two-command quick start", () => {
    expect(readme).toContain("npm install && npm run demo");
    expect(readme).toContain("npm install && npm test");
  });
});

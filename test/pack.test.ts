import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { initialize, requireBuild, spawnServer } from "./helpers/spawn.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "ica-mcp-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const npm = (args: string[], cwd: string) =>
  execFileSync("npm", args, {
    cwd,
    stdio: "pipe",
    encoding: "utf8",
    env: { ...process.env, npm_config_fund: "false", npm_config_audit: "false" },
  });

describe("the packed tarball", () => {
  it("installs into an empty folder and serves tools over stdio with --sandbox", {
    timeout: 180_000,
  }, async () => {
    requireBuild();
    const packed = JSON.parse(
      npm(["pack", "--ignore-scripts", "--json", "--pack-destination", work], root),
    ) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain("dist/server.js");
    expect(files).toContain("README.md");
    expect(files.some((f) => f.startsWith("src/") || f.startsWith("test/"))).toBe(false);

    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "pack-smoke", version: "1.0.0", private: true }),
    );
    npm(["install", "--no-package-lock", join(work, packed[0]!.filename)], app);

    const bin = join(app, "node_modules", ".bin", "ica-mcp");
    const server = spawnServer(["--sandbox"], {}, bin);
    await initialize(server);
    const call = (await server.call(
      "tools/call",
      { name: "ica_list_projects", arguments: { pageSize: 2 } },
      30_000,
    )) as {
      result: { isError?: boolean; structuredContent: { items: { rows: unknown[] } } };
    };
    expect(call.result.isError).toBeFalsy();
    expect(call.result.structuredContent.items.rows).toHaveLength(2);
    server.child.stdin.end();
    await server.exited;
  });
});

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
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
    // The bundled server and demo, ioredis (loaded only with ICA_RATE_LIMIT_REDIS_URL), their third-party notices, and the documents: nothing else.
    expect(files.sort()).toEqual(
      [
        "LICENSE",
        "README.md",
        "dist/THIRD_PARTY_LICENSES.txt",
        "dist/demo.js",
        "dist/redis-client.js",
        "dist/server.js",
        "manifest.json",
        "package.json",
      ].sort(),
    );

    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "pack-smoke", version: "1.0.0", private: true }),
    );
    npm(["install", "--no-package-lock", join(work, packed[0]!.filename)], app);

    // Everything the server needs is inside its bundle: installing it fetches nothing else.
    expect(readdirSync(join(app, "node_modules")).filter((n) => !n.startsWith("."))).toEqual(["ica-mcp"]);
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
    // No ../shared beside an installed package: the sandbox describes its own operations.
    const search = (await server.call(
      "tools/call",
      { name: "ica_search_api", arguments: { query: "analysis steps" } },
      30_000,
    )) as { result: { isError?: boolean; content: { text: string }[] } };
    expect(search.result.isError, search.result.content[0]?.text).toBeFalsy();
    expect(search.result.content[0]!.text).toContain("getAnalysisSteps");
    const generic = (await server.call(
      "tools/call",
      { name: "ica_call_api", arguments: { operationId: "getProjects", query: { pageSize: 1 } } },
      30_000,
    )) as { result: { isError?: boolean; content: { text: string }[] } };
    expect(generic.result.isError, generic.result.content[0]?.text).toBeFalsy();
    server.child.stdin.end();
    await server.exited;
  });
});

const mcpbCli = join(root, "node_modules", ".bin", "mcpb");
const haveMcpb = existsSync(mcpbCli);
if (!haveMcpb) console.warn("MCP Bundle test skipped: the mcpb CLI is missing (npm ci installs it)");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe.skipIf(!haveMcpb)("the MCP Bundle (npm run bundle)", () => {
  it("holds only the manifest, the bundled server, its notices and LICENSE, under 2 MB, and runs", {
    timeout: 180_000,
  }, async () => {
    requireBuild();
    const file = join(work, "ica-mcp.mcpb");
    execFileSync(process.execPath, [join(root, "scripts", "build-bundle.mjs"), "--out", file], {
      cwd: root,
      stdio: "pipe",
    });
    expect(statSync(file).size).toBeLessThan(2 * 1024 * 1024);
    // An .mcpb is a zip: its local file headers name every entry.
    const zip = readFileSync(file);
    const names: string[] = [];
    for (let i = zip.indexOf("PK\x03\x04"); i >= 0; i = zip.indexOf("PK\x03\x04", i + 4)) {
      const nameLength = zip.readUInt16LE(i + 26);
      const extraLength = zip.readUInt16LE(i + 28);
      names.push(zip.subarray(i + 30, i + 30 + nameLength).toString("utf8"));
      i += 30 + nameLength + extraLength + zip.readUInt32LE(i + 18) - 4;
    }
    const expected = ["LICENSE", "dist/THIRD_PARTY_LICENSES.txt", "dist/server.js", "manifest.json"];
    expect(names.sort()).toEqual(expected);
    // And as the client unpacks it: the same files, and the server starts from them alone.
    const unpacked = join(work, "unpacked");
    execFileSync(mcpbCli, ["unpack", file, unpacked], { stdio: "pipe" });
    expect(filesUnder(unpacked)).toEqual(expected);
    const server = spawnServer(
      [join(unpacked, "dist", "server.js")],
      { ICA_SANDBOX: "true" },
      process.execPath,
    );
    await initialize(server);
    const call = (await server.call(
      "tools/call",
      { name: "ica_list_projects", arguments: { pageSize: 1 } },
      30_000,
    )) as { result: { isError?: boolean; structuredContent: { items: { rows: unknown[] } } } };
    expect(call.result.isError).toBeFalsy();
    expect(call.result.structuredContent.items.rows).toHaveLength(1);
    server.child.stdin.end();
    await server.exited;
  });
});

#!/usr/bin/env node
/**
 * `npm run bundle` (after `npm run build`): the MCP Bundle (.mcpb) of the bundled server alone. A staging
 * folder gets manifest.json, dist/server.js, the third-party notices, LICENSE and the icon when there is one;
 * then `mcpb validate` and `mcpb pack` (@anthropic-ai/mcpb, a dev dependency). Nothing else of the repository
 * (src/, test/, node_modules) goes in: the server needs none of it.
 *   node scripts/build-bundle.mjs [--out <file.mcpb>]
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** What goes into the bundle, relative to the repository (the icon only when it exists). */
export const BUNDLE_FILES = ["manifest.json", "dist/server.js", "dist/THIRD_PARTY_LICENSES.txt", "LICENSE"];
export const OPTIONAL_FILES = ["icon.png"];
/** The bundle must stay below this (it is downloaded and unpacked by the client). */
export const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;

const root = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8"));
const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
const out =
  outIndex >= 0 ? args[outIndex + 1] : join(root, "dist", `${manifest.name}-${manifest.version}.mcpb`);
const mcpb = join(root, "node_modules", ".bin", process.platform === "win32" ? "mcpb.cmd" : "mcpb");

if (!existsSync(mcpb)) {
  console.error("npm run bundle: the mcpb CLI is missing; install the dev dependencies first (npm ci).");
  process.exit(1);
}
for (const file of BUNDLE_FILES) {
  if (!existsSync(join(root, file))) {
    console.error(`npm run bundle: ${file} is missing; run npm run build first.`);
    process.exit(1);
  }
}

const staging = mkdtempSync(join(tmpdir(), "ica-mcp-mcpb-"));
try {
  for (const file of [...BUNDLE_FILES, ...OPTIONAL_FILES.filter((f) => existsSync(join(root, f)))]) {
    mkdirSync(dirname(join(staging, file)), { recursive: true });
    copyFileSync(join(root, file), join(staging, file));
  }
  const run = (...a) => execFileSync(mcpb, a, { stdio: ["ignore", "inherit", "inherit"] });
  run("validate", join(staging, "manifest.json"));
  mkdirSync(dirname(out), { recursive: true });
  run("pack", staging, out);
  const size = statSync(out).size;
  const shown = relative(process.cwd(), out) || out;
  console.error(`npm run bundle: ${shown}, ${(size / 1024).toFixed(0)} KiB`);
  if (size >= MAX_BUNDLE_BYTES) {
    console.error(`npm run bundle: the bundle is over the ${MAX_BUNDLE_BYTES / 2 ** 20} MB budget`);
    process.exit(1);
  }
} finally {
  rmSync(staging, { recursive: true, force: true });
}

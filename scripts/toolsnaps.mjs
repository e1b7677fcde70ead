// `npm run toolsnaps`: rewrites test/__toolsnaps__/<tool>.json, each tool's entry in tools/list exactly as
// published. test/toolsnaps.test.ts fails on any difference, so every change to what the model sees is a
// reviewed diff. Run it only after reviewing the change.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../test/__toolsnaps__/", import.meta.url));
const { ALL_TOOLS } = await import(new URL("../dist/tools/index.js", import.meta.url).href);
const { buildSurface } = await import(new URL("../dist/mcp/surface.js", import.meta.url).href);

mkdirSync(dir, { recursive: true });
const surface = buildSurface(ALL_TOOLS);
const names = new Set();
for (const tool of surface.list.tools) {
  names.add(`${tool.name}.json`);
  writeFileSync(`${dir}${tool.name}.json`, `${JSON.stringify(tool, null, 2)}\n`);
}
for (const file of readdirSync(dir)) {
  if (file.endsWith(".json") && !names.has(file)) rmSync(`${dir}${file}`);
}
process.stdout.write(`wrote ${names.size} tool snapshots to test/__toolsnaps__/\n`);

// Prints each tool's share of tools/list (bytes of its entry, of its input and of its output schema), for
// the default set and for read-only mode. The budget is checked by test/policy.test.ts.
import { parseConfig } from "../dist/config.js";
import { surfaceFor } from "../dist/mcp/server.js";

const BUDGET = 36_000;
for (const [label, env] of [
  ["default set", {}],
  ["read-only mode (ICA_READ_ONLY=true)", { ICA_READ_ONLY: "true" }],
]) {
  const parsed = parseConfig([], { ICA_API_KEY: "x-unused-key", ...env });
  const { tools } = surfaceFor(parsed.config).list;
  process.stdout.write(`## ${label}\n`);
  for (const t of tools) {
    const all = Buffer.byteLength(JSON.stringify(t));
    const out = Buffer.byteLength(JSON.stringify(t.outputSchema ?? {}));
    const inp = Buffer.byteLength(JSON.stringify(t.inputSchema ?? {}));
    process.stdout.write(
      `${t.name.padEnd(34)} ${String(all).padStart(6)}  in ${String(inp).padStart(5)}  out ${String(out).padStart(5)}  desc ${t.description.length}\n`,
    );
  }
  const total = Buffer.byteLength(JSON.stringify({ tools }));
  process.stdout.write(`total ${total} bytes for ${tools.length} tools (budget ${BUDGET})\n\n`);
}

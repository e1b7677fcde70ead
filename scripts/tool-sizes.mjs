// Prints each tool's share of tools/list (bytes of its definition, and of its output schema).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { parseConfig } from "../dist/config.js";
import { clientFromConfig } from "../dist/ica/from-config.js";
import { buildServer } from "../dist/mcp/server.js";

const parsed = parseConfig([], { ICA_API_KEY: "x-unused-key" });
const server = buildServer({ config: parsed.config, ica: clientFromConfig(parsed.config) });
const [a, b] = InMemoryTransport.createLinkedPair();
const client = new Client({ name: "sizes", version: "1" });
await Promise.all([server.connect(b), client.connect(a)]);
const { tools } = await client.listTools();
for (const t of tools) {
  const all = Buffer.byteLength(JSON.stringify(t));
  const out = Buffer.byteLength(JSON.stringify(t.outputSchema ?? {}));
  const inp = Buffer.byteLength(JSON.stringify(t.inputSchema ?? {}));
  process.stdout.write(
    `${t.name.padEnd(34)} ${String(all).padStart(6)}  in ${String(inp).padStart(5)}  out ${String(out).padStart(5)}  desc ${t.description.length}\n`,
  );
}
process.stdout.write(
  `total ${Buffer.byteLength(JSON.stringify({ tools }))} bytes for ${tools.length} tools\n`,
);
process.exit(0);

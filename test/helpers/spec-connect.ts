/** The real server (adapter, tools, ICA client) wired to an MCP client, talking to a fake ICA from the spec. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { parseConfig } from "../../src/config.js";
import { IcaClient } from "../../src/ica/client.js";
import { buildServer } from "../../src/mcp/server.js";
import type { SpecIca } from "./spec-ica.js";

export async function connectToSpecIca(ica: SpecIca): Promise<{ client: Client; close(): Promise<void> }> {
  const apiKey = "spec-ica-api-key";
  const parsed = parseConfig([], { ICA_BASE_URL: ica.url, ICA_API_KEY: apiKey });
  if (!parsed.ok) throw new Error(parsed.message);
  const icaClient = new IcaClient({
    baseUrl: ica.url,
    apiKey,
    maxRps: 1000,
    timeoutMs: 5_000,
    useEnvProxy: false,
    retry: { baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 1_000, maxAttempts: 2 },
  });
  const server = buildServer({ config: parsed.config, ica: icaClient });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "spec-test", version: "1.0.0" });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
      await icaClient.close();
    },
  };
}

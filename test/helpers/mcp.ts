import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import {
  type ClientCapabilities,
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
} from "@modelcontextprotocol/sdk/types.js";
import { type Config, parseConfig } from "../../src/config.js";
import type { IcaClient, IcaClientOptions } from "../../src/ica/client.js";
import type { AnyTool } from "../../src/mcp/adapter.js";
import { buildServer } from "../../src/mcp/server.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { findLeaks } from "../setup/secret-guard.js";
import { sandboxClient } from "./client.js";
import { TEST_API_KEY } from "./sandbox.js";

export interface Connected {
  client: Client;
  ica: IcaClient;
  config: Config;
  close(): Promise<void>;
}

/** The real server (real adapter, real client) wired to an SDK Client over InMemoryTransport. */
export async function connectTools(
  sb: Sandbox,
  opts: {
    env?: Record<string, string>;
    clientOptions?: Partial<IcaClientOptions>;
    tools?: AnyTool[];
    allowedProjects?: ReadonlySet<string>;
    /** Declared by the test client (e.g. { elicitation: {} }). */
    capabilities?: ClientCapabilities;
    /** Answers elicitation/create requests (the client declares elicitation when given). */
    onElicit?: (request: ElicitRequest) => Promise<ElicitResult> | ElicitResult;
  } = {},
): Promise<Connected> {
  // An empty string unsets a variable (parseConfig ignores empty values).
  const parsed = parseConfig([], { ICA_BASE_URL: sb.url, ICA_API_KEY: TEST_API_KEY, ...opts.env });
  if (!parsed.ok) throw new Error(parsed.message);
  const config = parsed.config;
  const ica = sandboxClient(sb, {
    apiKey: config.apiKey,
    accessToken: config.accessToken,
    ...opts.clientOptions,
  });
  const server = buildServer({ config, ica, tools: opts.tools, allowedProjects: opts.allowedProjects });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const capabilities = opts.capabilities ?? (opts.onElicit ? { elicitation: {} } : undefined);
  const client = new Client(
    { name: "test-client", version: "1.0.0" },
    capabilities ? { capabilities } : undefined,
  );
  if (opts.onElicit) {
    const answer = opts.onElicit;
    client.setRequestHandler(ElicitRequestSchema, async (request) => answer(request));
  }
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  // Every result of every tool test is checked for leaked secrets (see test/setup/secret-guard.ts).
  const callTool = client.callTool.bind(client);
  client.callTool = (async (...args: Parameters<typeof callTool>) => {
    const result = await callTool(...args);
    const leaks = findLeaks(JSON.stringify(result));
    if (leaks.length > 0) throw new Error(`a tool result leaked secrets: ${leaks.join(", ")}`);
    return result;
  }) as typeof client.callTool;
  return {
    client,
    ica,
    config,
    async close() {
      await client.close();
      await server.close();
      await ica.close();
    },
  };
}

/** The text of a tool result's first content block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? "").join("\n");
}

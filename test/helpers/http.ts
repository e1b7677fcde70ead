import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { parseConfig } from "../../src/config.js";
import { type HttpServerHandle, type HttpServerOptions, startHttpServer } from "../../src/http/server.js";
import type { IcaClientOptions } from "../../src/ica/client.js";
import type { AnyTool } from "../../src/mcp/adapter.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { findLeaks } from "../setup/secret-guard.js";

export interface TestHttp {
  handle: HttpServerHandle;
  url: string;
  /** An SDK client over StreamableHTTPClientTransport, sending these headers with every request. */
  connect(headers?: Record<string, string>): Promise<Client>;
  close(): Promise<void>;
}

/** `ica-mcp --http` in-process on 127.0.0.1 (a free port), in front of the sandbox (or a fake ICA). */
export async function startTestHttp(
  sb: Pick<Sandbox, "url" | "downloadOrigin">,
  opts: {
    env?: Record<string, string>;
    argv?: string[];
    tools?: AnyTool[];
    clientOptions?: Partial<IcaClientOptions>;
  } & Pick<HttpServerOptions, "maxBodyBytes" | "maxIdentities"> = {},
): Promise<TestHttp> {
  const parsed = parseConfig(["--http", "--port", "0", ...(opts.argv ?? [])], {
    ICA_BASE_URL: sb.url,
    ...opts.env,
  });
  if (!parsed.ok) throw new Error(parsed.message);
  const handle = await startHttpServer({
    config: parsed.config,
    tools: opts.tools,
    maxBodyBytes: opts.maxBodyBytes,
    maxIdentities: opts.maxIdentities,
    clientOptions: {
      useEnvProxy: false,
      retry: { baseDelayMs: 10, maxDelayMs: 100, maxTotalMs: 5_000, maxAttempts: 6 },
      allowedDownloadOrigins: sb.downloadOrigin ? [sb.downloadOrigin] : [],
      ...opts.clientOptions,
    },
  });
  const url = `${handle.origin}/mcp`;
  const clients: Client[] = [];
  return {
    handle,
    url,
    async connect(headers = {}) {
      const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
      const client = new Client({ name: "http-test-client", version: "1.0.0" });
      await client.connect(transport);
      const callTool = client.callTool.bind(client);
      client.callTool = (async (...args: Parameters<typeof callTool>) => {
        const result = await callTool(...args);
        const leaks = findLeaks(JSON.stringify(result));
        if (leaks.length > 0) throw new Error(`a tool result leaked secrets: ${leaks.join(", ")}`);
        return result;
      }) as typeof client.callTool;
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await handle.close(1_000);
    },
  };
}

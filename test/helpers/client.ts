import { IcaClient, type IcaClientOptions } from "../../src/ica/client.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { TEST_API_KEY } from "./sandbox.js";

/** A client for the sandbox with fast retries, so fault tests stay quick. */
export function sandboxClient(sb: Sandbox, overrides: Partial<IcaClientOptions> = {}): IcaClient {
  return new IcaClient({
    baseUrl: sb.url,
    apiKey: TEST_API_KEY,
    maxRps: 1000,
    timeoutMs: 5_000,
    useEnvProxy: false,
    retry: { baseDelayMs: 10, maxDelayMs: 100, maxTotalMs: 5_000, maxAttempts: 6 },
    // The sandbox's presigned URLs point at its own loopback listener (as `ica-mcp --sandbox` allows it).
    allowedDownloadOrigins: sb.downloadOrigin ? [sb.downloadOrigin] : [],
    ...overrides,
  });
}

import type { Config } from "../config.js";
import { IcaClient, type IcaClientOptions } from "./client.js";

/** The client as the configuration describes it (the sandbox adds its download origin through `overrides`). */
export function clientFromConfig(config: Config, overrides: Partial<IcaClientOptions> = {}): IcaClient {
  return new IcaClient({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    accessToken: config.accessToken,
    tenant: config.tenant,
    maxRps: config.maxRps,
    timeoutMs: config.timeoutMs,
    ...overrides,
  });
}

import type { Config } from "../config.js";
import { IcaClient, type IcaClientOptions } from "./client.js";
import { RedisLimiter } from "./redis-limit.js";

/**
 * A slot taken in Redis for a request whose process dies counts this long past the request's timeout and the
 * window (event-loop stalls, clock steps inside Redis): the bound on how long a dead replica's slots are held.
 */
export const HOLD_GRACE_MS = 2_000;

/**
 * The client as the configuration describes it (the sandbox adds its download origin through `overrides`; the
 * HTTP server passes each request's credentials there). With ICA_RATE_LIMIT_REDIS_URL its rate limit is the
 * identity's budget in Redis, shared with every other process using the same base URL and credential.
 */
export function clientFromConfig(config: Config, overrides: Partial<IcaClientOptions> = {}): IcaClient {
  const options: IcaClientOptions = {
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    accessToken: config.accessToken,
    tenant: config.tenant,
    maxRps: config.maxRps,
    timeoutMs: config.timeoutMs,
    ...overrides,
  };
  const credential = options.apiKey ?? options.accessToken;
  if (config.rateLimitRedisUrl && credential && !options.limiter) {
    options.limiter = new RedisLimiter({
      url: config.rateLimitRedisUrl,
      identity: { baseUrl: options.baseUrl, credential },
      limit: Math.max(1, Math.floor(options.maxRps)),
      holdMs: options.timeoutMs + 1_000 + HOLD_GRACE_MS,
    });
  }
  return new IcaClient(options);
}

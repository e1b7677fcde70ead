/** When an ICA request is tried again, and after how long. Pure decisions; the loop lives in client.ts. */
import { IcaAbortError, IcaApiError, IcaNetworkError, IcaTimeoutError } from "./errors.js";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Give up when the next wait would end after this much time since the first attempt. */
  maxTotalMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxTotalMs: 45_000,
};

const RETRYABLE_SERVER_STATUSES = new Set([502, 503, 504]);
export const RETRYABLE_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** "Equal jitter" exponential backoff for attempt n (1-based): never retries instantly, never past maxDelayMs. */
export function backoff(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * The wait before trying again after `err` on attempt `attempt`, or undefined when the error is final.
 * 429: always (ICA did not process the request), after Retry-After when given. 502/503/504, timeouts and
 * transient network errors: only when the request is safe to repeat.
 */
export function retryDelay(
  err: unknown,
  attempt: number,
  safe: boolean,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (err instanceof IcaApiError && err.status === 429) {
    return err.retryAfterSeconds !== undefined
      ? err.retryAfterSeconds * 1000
      : backoff(attempt, policy, random) * 2;
  }
  if (!safe) return undefined;
  if (err instanceof IcaApiError && RETRYABLE_SERVER_STATUSES.has(err.status))
    return backoff(attempt, policy, random);
  if (err instanceof IcaTimeoutError) return backoff(attempt, policy, random);
  if (err instanceof IcaNetworkError && RETRYABLE_NETWORK_CODES.has(err.code ?? "")) {
    return backoff(attempt, policy, random);
  }
  return undefined;
}

/** True when another attempt fits the policy: attempts left and the wait ends within maxTotalMs. */
export function mayRetry(attempt: number, elapsedMs: number, delayMs: number, policy: RetryPolicy): boolean {
  return attempt < policy.maxAttempts && elapsedMs + delayMs <= policy.maxTotalMs;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new IcaAbortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new IcaAbortError());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The retry policy (src/ica/retry.ts) on its own: which failures are tried again, and after how long. */
import { describe, expect, it } from "vitest";
import {
  IcaAbortError,
  IcaApiError,
  IcaNetworkError,
  IcaResponseError,
  IcaTimeoutError,
} from "../src/ica/errors.js";
import { backoff, DEFAULT_RETRY, mayRetry, parseRetryAfter, retryDelay } from "../src/ica/retry.js";

const info = { method: "GET", path: "/api/projects" };
const api = (status: number, retryAfter?: number) =>
  new IcaApiError(status, "t", undefined, {}, info, retryAfter);
const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxTotalMs: 5_000 };
const half = () => 0.5;

describe("retry policy", () => {
  it("retries a 429 whatever the method, after Retry-After when given", () => {
    expect(retryDelay(api(429, 3), 1, false, policy)).toBe(3_000);
    expect(retryDelay(api(429, 0), 1, true, policy)).toBe(0);
    // Without Retry-After: twice the usual backoff (ICA's limit is shared by everyone using the key).
    expect(retryDelay(api(429), 1, false, policy, half)).toBe(2 * backoff(1, policy, half));
  });

  it("retries 502/503/504, timeouts and transient network errors only when the request is safe", () => {
    const transient = [
      api(502),
      api(503),
      api(504),
      new IcaTimeoutError(1_000, info),
      new IcaNetworkError("reset", info, "ECONNRESET"),
      new IcaNetworkError("closed", info, "UND_ERR_SOCKET"),
    ];
    for (const err of transient) {
      expect(retryDelay(err, 1, true, policy, half), err.message).toBeGreaterThan(0);
      expect(retryDelay(err, 1, false, policy, half), err.message).toBeUndefined();
    }
  });

  it("never retries what a repeat cannot fix", () => {
    const final = [
      api(400),
      api(401),
      api(403),
      api(404),
      api(409),
      api(422),
      api(500),
      new IcaNetworkError("bad cert", info, "CERT_HAS_EXPIRED"),
      new IcaNetworkError("no code", info),
      new IcaAbortError(info),
      new IcaResponseError("html", 200, info),
      new Error("a bug"),
    ];
    for (const err of final) expect(retryDelay(err, 1, true, policy), err.message).toBeUndefined();
  });

  it("backs off exponentially with equal jitter, capped at maxDelayMs", () => {
    expect(backoff(1, policy, () => 0)).toBe(50);
    expect(backoff(1, policy, () => 1)).toBe(100);
    expect(backoff(3, policy, () => 0)).toBe(200);
    expect(backoff(3, policy, () => 1)).toBe(400);
    expect(backoff(10, policy, () => 1)).toBe(1_000);
    expect(backoff(10, policy, () => 0)).toBe(500);
    for (let attempt = 1; attempt < 20; attempt++) {
      const d = backoff(attempt, DEFAULT_RETRY);
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThanOrEqual(DEFAULT_RETRY.maxDelayMs);
    }
  });

  it("stops after maxAttempts, or when the next wait would end past maxTotalMs", () => {
    expect(mayRetry(1, 0, 100, policy)).toBe(true);
    expect(mayRetry(3, 0, 100, policy)).toBe(true);
    expect(mayRetry(4, 0, 100, policy)).toBe(false);
    expect(mayRetry(1, 4_900, 100, policy)).toBe(true);
    expect(mayRetry(1, 4_901, 100, policy)).toBe(false);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2);
    expect(parseRetryAfter("Tue, 01 Dec 2026 10:00:05 GMT", now)).toBe(5);
    expect(parseRetryAfter("Tue, 01 Dec 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

import { Agent, type Dispatcher, EnvHttpProxyAgent } from "undici";
import { sharedSignal } from "../abort.js";
import { log } from "../log.js";
import { TokenManager } from "./auth.js";
import { Downloader } from "./download.js";
import {
  IcaAbortError,
  IcaApiError,
  IcaAuthConfigError,
  IcaError,
  IcaResponseError,
  type RequestInfo,
} from "./errors.js";
import type { IcaRequest, IcaResponse } from "./request.js";
import { DEFAULT_RETRY, mayRetry, type RetryPolicy, retryDelay, sleep } from "./retry.js";
import { type RequestLimiter, RequestThrottle } from "./throttle.js";
import { Transport } from "./transport.js";

export type { HttpMethod, IcaRequest, IcaResponse, MediaVersion, QueryValue } from "./request.js";
export { parseRetryAfter, type RetryPolicy } from "./retry.js";
export { buildPath, buildQuery } from "./url.js";

export interface IcaClientOptions {
  baseUrl: string;
  apiKey?: string;
  accessToken?: string;
  tenant?: string;
  maxRps: number;
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  /** Bodies larger than this are refused rather than buffered. */
  maxResponseBytes?: number;
  /** Use HTTP(S)_PROXY / NO_PROXY from the environment (default true). */
  useEnvProxy?: boolean;
  /** The clock used to decide when a JWT is due for renewal (tests pass a controlled one). */
  now?: () => number;
  /**
   * Exact origins that presigned URLs may point to whatever their scheme and address (the sandbox's own
   * download listener on loopback). Everything else must be https on a public address.
   */
  allowedDownloadOrigins?: readonly string[];
  /** The rate limit to use instead of an in-process `RequestThrottle` of `maxRps` (e.g. one shared in Redis). */
  limiter?: RequestLimiter;
}

export interface ClientStats {
  requests: number;
  retries: number;
  bytesReceived: number;
  throttledMs: number;
}

/**
 * The one ICA client: base URL, auth, vendor media types, throttle, retries, timeouts, cancellation and
 * problem+json mapping. It knows nothing of MCP. The parts: transport.ts (one exchange), retry.ts (when to
 * try again), throttle.ts (the rate limit), auth.ts (tokens), download.ts (presigned URLs), url.ts.
 */
export class IcaClient {
  readonly baseUrl: string;
  readonly origin: string;
  readonly stats: ClientStats = { requests: 0, retries: 0, bytesReceived: 0, throttledMs: 0 };
  private readonly dispatcher: Dispatcher;
  private readonly retry: RetryPolicy;
  private readonly auth: TokenManager;
  private readonly throttle: RequestLimiter;
  private readonly transport: Transport;
  private readonly downloader: Downloader;
  private readonly closing = new AbortController();

  constructor(options: IcaClientOptions) {
    sharedSignal(this.closing);
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.origin = new URL(this.baseUrl).origin;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    const hasProxy = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"].some((v) => process.env[v]);
    this.dispatcher =
      options.useEnvProxy !== false && hasProxy
        ? new EnvHttpProxyAgent({ keepAliveTimeout: 10_000 })
        : new Agent({ keepAliveTimeout: 10_000, connections: 32 });
    this.throttle = options.limiter ?? new RequestThrottle(Math.max(1, Math.floor(options.maxRps)));
    this.transport = new Transport(
      {
        baseUrl: this.baseUrl,
        dispatcher: this.dispatcher,
        timeoutMs: options.timeoutMs,
        maxResponseBytes: options.maxResponseBytes ?? 32 * 1024 * 1024,
        closing: this.closing.signal,
      },
      this.stats,
    );
    this.downloader = new Downloader({
      timeoutMs: options.timeoutMs,
      closing: this.closing.signal,
      allowedOrigins: options.allowedDownloadOrigins,
      useEnvProxy: options.useEnvProxy,
    });
    this.auth = new TokenManager(
      {
        apiKey: options.apiKey,
        accessToken: options.accessToken,
        tenant: options.tenant,
        now: options.now,
        closing: this.closing.signal,
        // One renewal may use the whole retry budget plus one last attempt.
        renewalTimeoutMs: this.retry.maxTotalMs + options.timeoutMs,
      },
      {
        mint: (apiKey, tenant, signal) =>
          this.tokenCall("/api/tokens", { "x-api-key": apiKey }, { tenant }, signal),
        refresh: (token, signal) =>
          this.tokenCall("/api/tokens:refresh", { authorization: `Bearer ${token}` }, {}, signal),
      },
    );
  }

  get hasCredentials(): boolean {
    return this.auth.configured;
  }

  /** Sends one ICA request with auth, throttle, retries and error mapping. */
  async request<T = unknown>(req: IcaRequest): Promise<IcaResponse<T>> {
    if (req.auth !== undefined) return this.send<T>(req, req.auth || {});
    if (!this.auth.configured) {
      throw new IcaAuthConfigError("no ICA credentials are configured", "ICA_API_KEY");
    }
    for (let attempt = 0; ; attempt++) {
      const headers = await this.auth.headers(req.signal);
      try {
        return await this.send<T>(req, headers);
      } catch (err) {
        if (err instanceof IcaApiError && err.status === 401) {
          if (attempt === 0 && this.auth.invalidate(headers.authorization)) {
            log.info("ICA answered 401; minting a new JWT and trying once more");
            continue;
          }
          throw new IcaAuthConfigError(
            `ICA refused the credentials (401 ${err.title}${err.detail ? `: ${err.detail}` : ""})`,
            this.auth.variable,
          );
        }
        throw err;
      }
    }
  }

  /**
   * Fetches a presigned URL (for example a log file in S3): https on a public address only (or an allowed
   * origin), never with ICA credentials, never logged. With `tailBytes`, asks for the last bytes only.
   */
  downloadText(url: string, opts: { tailBytes?: number; maxBytes?: number; signal?: AbortSignal } = {}) {
    return this.downloader.downloadText(url, opts);
  }

  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all([
      this.dispatcher.close().catch(() => {}),
      this.downloader.close(),
      this.throttle.close?.().catch(() => {}),
    ]);
  }

  /** POST to a token endpoint: minting and refreshing change nothing that a repeat could harm. */
  private async tokenCall(
    path: string,
    auth: Record<string, string>,
    query: Record<string, string | undefined>,
    signal: AbortSignal,
  ): Promise<string> {
    const res = await this.send<{ token?: string }>(
      { method: "POST", path, query, signal, auth, safe: true },
      auth,
    );
    if (!res.body?.token || typeof res.body.token !== "string") {
      throw new IcaResponseError(`ICA returned no token from POST ${path}`, res.status, {
        method: "POST",
        path,
      });
    }
    return res.body.token;
  }

  private async takeSlot(signal?: AbortSignal): Promise<() => void> {
    const started = Date.now();
    try {
      return await this.throttle.acquire(signal);
    } catch (err) {
      if (err instanceof IcaError) throw err; // the limit could not be kept (e.g. its Redis is unreachable)
      throw new IcaAbortError();
    } finally {
      this.stats.throttledMs += Date.now() - started;
    }
  }

  /** Throttled, retried transport for one request with the given auth headers. */
  private async send<T>(req: IcaRequest, authHeaders: Record<string, string>): Promise<IcaResponse<T>> {
    const info: RequestInfo = {
      method: req.method,
      path: req.path,
      ...(req.url ? {} : { baseUrl: this.baseUrl }),
    };
    const url = this.transport.url(req, info); // refused here, before a slot is taken, if it leaves ICA
    const safe = req.safe ?? (req.method === "GET" || req.idempotencyKey !== undefined);
    const started = Date.now();
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      if (attempt > 1) this.stats.retries++;
      const done = await this.takeSlot(req.signal);
      let delay: number | undefined;
      try {
        return await this.transport.sendOnce<T>(req, url, authHeaders, info);
      } catch (err) {
        lastError = err as Error;
        delay = retryDelay(err, attempt, safe, this.retry);
        if (delay === undefined) throw err;
      } finally {
        done();
      }
      if (!mayRetry(attempt, Date.now() - started, delay, this.retry)) break;
      log.debug("retrying ICA request", {
        method: req.method,
        path: req.path,
        attempt,
        delayMs: delay,
        reason: lastError.message,
      });
      await sleep(delay, req.signal);
    }
    throw lastError ?? new IcaError("request failed");
  }
}

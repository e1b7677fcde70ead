import { gunzipSync } from "node:zlib";
import pThrottle from "p-throttle";
import { Agent, type Dispatcher, EnvHttpProxyAgent, request as undiciRequest } from "undici";
import { type LinkedSignal, linkSignals } from "../abort.js";
import { log } from "../log.js";
import { redact } from "../redact.js";
import { VERSION } from "../version.js";
import { TokenManager } from "./auth.js";
import {
  IcaAbortError,
  IcaApiError,
  IcaAuthConfigError,
  IcaError,
  IcaNetworkError,
  IcaResponseError,
  IcaTimeoutError,
  type RequestInfo,
} from "./errors.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";
export type MediaVersion = "v3" | "v4";
export type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];

export interface IcaRequest {
  method: HttpMethod;
  /** Path template below the base URL, e.g. "/api/projects/{projectId}". */
  path: string;
  pathParams?: Record<string, string>;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Vendor media type version for Accept (and Content-Type when there is a body). Default v3. */
  version?: MediaVersion;
  /** "vendor" sends the same vendor type as Accept; "json" sends application/json. */
  contentType?: "vendor" | "json";
  idempotencyKey?: string;
  /** Safe to repeat after a 5xx, timeout or dropped connection. GETs always are; so is anything with an idempotency key. */
  safe?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Send no credentials (token endpoints set their own). */
  auth?: false | Record<string, string>;
  /**
   * An absolute URL on the base URL's origin to use instead of base URL + `path` (for documents outside the
   * REST API, such as the published OpenAPI document); `path` then only labels the request in logs and errors.
   */
  url?: string;
  /** Accept header instead of the vendor media type (e.g. "application/octet-stream"). */
  accept?: string;
  /** "text": a success body is returned as a UTF-8 string whatever its content type (errors are still mapped). */
  responseType?: "json" | "text";
}

export interface IcaResponse<T> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Give up when the next wait would end after this much time since the first attempt. */
  maxTotalMs: number;
}

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
}

export interface ClientStats {
  requests: number;
  retries: number;
  bytesReceived: number;
  throttledMs: number;
}

const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxTotalMs: 45_000,
};
const RETRYABLE_SERVER_STATUSES = new Set([502, 503, 504]);
const RETRYABLE_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
]);
/** Margin over one second so that jitter between leaving here and arriving at ICA never packs maxRps+1 requests into a second. */
const THROTTLE_INTERVAL_MS = 1_150;

function mediaType(version: MediaVersion): string {
  return `application/vnd.illumina.${version}+json`;
}

export function buildPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === "")
      throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
}

export function buildQuery(query: Record<string, QueryValue> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) search.append(key, String(v));
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/**
 * The one ICA client: base URL, auth, vendor media types, throttle, retries, timeouts, cancellation and
 * problem+json mapping. It knows nothing of MCP.
 */
export class IcaClient {
  readonly baseUrl: string;
  readonly origin: string;
  readonly stats: ClientStats = { requests: 0, retries: 0, bytesReceived: 0, throttledMs: 0 };
  private readonly dispatcher: Dispatcher;
  private readonly retry: RetryPolicy;
  private readonly auth: TokenManager;
  private readonly slot: () => Promise<void>;
  private readonly maxResponseBytes: number;
  private readonly closing = new AbortController();

  constructor(private readonly options: IcaClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.origin = new URL(this.baseUrl).origin;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.maxResponseBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
    const hasProxy = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"].some((v) => process.env[v]);
    this.dispatcher =
      options.useEnvProxy !== false && hasProxy
        ? new EnvHttpProxyAgent({ keepAliveTimeout: 10_000 })
        : new Agent({ keepAliveTimeout: 10_000, connections: 32 });
    const limit = Math.max(1, Math.floor(options.maxRps));
    const throttle = pThrottle({ limit, interval: THROTTLE_INTERVAL_MS, strict: true });
    this.slot = throttle(async () => {});
    this.auth = new TokenManager(
      { apiKey: options.apiKey, accessToken: options.accessToken, tenant: options.tenant, now: options.now },
      {
        mint: async (apiKey, tenant, signal) => {
          const res = await this.send<{ token?: string }>(
            { method: "POST", path: "/api/tokens", query: { tenant }, signal, auth: { "x-api-key": apiKey } },
            { "x-api-key": apiKey },
          );
          if (!res.body?.token)
            throw new IcaResponseError("ICA returned no token from POST /api/tokens", res.status, {
              method: "POST",
              path: "/api/tokens",
            });
          return res.body.token;
        },
        refresh: async (token, signal) => {
          const auth = { authorization: `Bearer ${token}` };
          const res = await this.send<{ token?: string }>(
            { method: "POST", path: "/api/tokens:refresh", signal, auth },
            auth,
          );
          if (!res.body?.token)
            throw new IcaResponseError("ICA returned no token from POST /api/tokens:refresh", res.status, {
              method: "POST",
              path: "/api/tokens:refresh",
            });
          return res.body.token;
        },
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
   * Fetches a presigned URL (for example a log file in S3). No ICA credentials are ever sent there, and the
   * URL is never logged. With `tailBytes`, asks for the last bytes only (Range) and trims to that size.
   */
  async downloadText(
    url: string,
    opts: { tailBytes?: number; maxBytes?: number; signal?: AbortSignal } = {},
  ) {
    const max = opts.maxBytes ?? 1024 * 1024;
    const target = new URL(url);
    if (target.protocol !== "https:" && target.protocol !== "http:") {
      throw new IcaResponseError(`unsupported download URL scheme ${target.protocol}`, 0, {
        method: "GET",
        path: "(download)",
      });
    }
    const info: RequestInfo = { method: "GET", path: `(download from ${target.host})` };
    const linked = this.combinedSignal(opts.signal, this.options.timeoutMs);
    const signal = linked.signal;
    const headers: Record<string, string> = { "user-agent": `ica-mcp/${VERSION}` };
    if (opts.tailBytes) headers.range = `bytes=-${opts.tailBytes}`;
    try {
      const res = await undiciRequest(target, {
        method: "GET",
        headers,
        dispatcher: this.dispatcher,
        signal,
      });
      if (res.statusCode >= 400) {
        await res.body.dump();
        throw new IcaResponseError(`the download URL answered ${res.statusCode}`, res.statusCode, info);
      }
      const buf = await this.readBody(
        res.body,
        Math.max(max, opts.tailBytes ?? 0) + 64 * 1024,
        info,
        res.statusCode,
      );
      let text = buf.toString("utf8");
      const limit = opts.tailBytes ?? max;
      const cut = Buffer.byteLength(text) > limit;
      if (cut) text = opts.tailBytes ? text.slice(-limit) : text.slice(0, limit);
      // A 206 covering the whole object ("bytes 0-299/300", a tail longer than the file) is not a cut.
      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers["content-range"] ?? "").trim());
      const partial =
        res.statusCode === 206 && (!range || Number(range[1]) > 0 || Number(range[2]) + 1 < Number(range[3]));
      return { text, truncated: cut || partial };
    } catch (err) {
      throw this.mapTransportError(err, info, opts.signal);
    } finally {
      linked.dispose();
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.dispatcher.close().catch(() => {});
  }

  /** An absolute URL, refused unless it is on the base URL's origin (credentials never go elsewhere). */
  private sameOrigin(url: string, info: RequestInfo): string {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new IcaResponseError(`not an absolute URL for ${info.method} ${info.path}`, 0, info);
    }
    if (target.origin !== this.origin) {
      throw new IcaResponseError(
        `refusing ${info.method} ${info.path}: ${target.origin} is not ICA's origin ${this.origin}`,
        0,
        info,
      );
    }
    return `${target.origin}${target.pathname}`;
  }

  /** The request's signal: the caller's, the client's close, and the timeout. Dispose when the request is done. */
  private combinedSignal(caller: AbortSignal | undefined, timeoutMs: number): LinkedSignal {
    return linkSignals([this.closing.signal, caller], timeoutMs);
  }

  private async waitForSlot(signal?: AbortSignal): Promise<void> {
    const started = Date.now();
    if (!signal) {
      await this.slot();
    } else {
      if (signal.aborted) throw new IcaAbortError();
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(new IcaAbortError());
        signal.addEventListener("abort", onAbort, { once: true });
      });
      try {
        await Promise.race([this.slot(), aborted]);
      } finally {
        if (onAbort) signal.removeEventListener("abort", onAbort);
      }
    }
    this.stats.throttledMs += Date.now() - started;
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2)); // "equal jitter": never retries instantly
  }

  /** Throttled, retried transport for one request with the given auth headers. */
  private async send<T>(req: IcaRequest, authHeaders: Record<string, string>): Promise<IcaResponse<T>> {
    const info: RequestInfo = {
      method: req.method,
      path: req.path,
      ...(req.url ? {} : { baseUrl: this.baseUrl }),
    };
    const safe = req.safe ?? (req.method === "GET" || req.idempotencyKey !== undefined);
    const started = Date.now();
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      if (attempt > 1) this.stats.retries++;
      await this.waitForSlot(req.signal);
      let delay: number | undefined;
      try {
        return await this.sendOnce<T>(req, authHeaders, info);
      } catch (err) {
        lastError = err as Error;
        if (err instanceof IcaApiError && err.status === 429) {
          // ICA did not process a 429'd request, so any method may be retried.
          delay =
            err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : this.backoff(attempt) * 2;
        } else if (err instanceof IcaApiError && RETRYABLE_SERVER_STATUSES.has(err.status) && safe) {
          delay = this.backoff(attempt);
        } else if (
          safe &&
          (err instanceof IcaTimeoutError ||
            (err instanceof IcaNetworkError && RETRYABLE_NETWORK_CODES.has(err.code ?? "")))
        ) {
          delay = this.backoff(attempt);
        } else {
          throw err;
        }
      }
      const elapsed = Date.now() - started;
      if (attempt === this.retry.maxAttempts || elapsed + delay > this.retry.maxTotalMs) break;
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

  private async sendOnce<T>(
    req: IcaRequest,
    authHeaders: Record<string, string>,
    info: RequestInfo,
  ): Promise<IcaResponse<T>> {
    const version = req.version ?? "v3";
    const url = `${req.url ? this.sameOrigin(req.url, info) : `${this.baseUrl}${buildPath(req.path, req.pathParams)}`}${buildQuery(req.query)}`;
    const headers: Record<string, string> = {
      accept: req.accept ?? mediaType(version),
      "accept-encoding": "gzip",
      "user-agent": `ica-mcp/${VERSION}`,
      ...authHeaders,
    };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers["content-type"] = req.contentType === "json" ? "application/json" : mediaType(version);
    }
    if (req.idempotencyKey) headers["idempotency-key"] = req.idempotencyKey;
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs;
    const linked = this.combinedSignal(req.signal, timeoutMs);
    const signal = linked.signal;
    const t0 = Date.now();
    this.stats.requests++;
    let status = 0;
    let resHeaders: Record<string, string> = {};
    let raw: Buffer;
    try {
      const res = await undiciRequest(url, {
        method: req.method,
        headers,
        body,
        dispatcher: this.dispatcher,
        signal,
      });
      status = res.statusCode;
      resHeaders = Object.fromEntries(
        Object.entries(res.headers).map(([k, v]) => [
          k.toLowerCase(),
          Array.isArray(v) ? v.join(", ") : String(v ?? ""),
        ]),
      );
      raw = await this.readBody(res.body, this.maxResponseBytes, info, status);
    } catch (err) {
      if (err instanceof IcaError) throw err;
      throw this.mapTransportError(err, info, req.signal, timeoutMs);
    } finally {
      linked.dispose();
    }
    this.stats.bytesReceived += raw.length;
    log.debug("ICA request", { method: req.method, path: req.path, status, ms: Date.now() - t0 });
    if (resHeaders["content-encoding"]?.includes("gzip") && raw.length > 0) {
      try {
        raw = gunzipSync(raw, { maxOutputLength: this.maxResponseBytes });
      } catch (err) {
        const tooLarge = (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
        throw new IcaResponseError(
          tooLarge
            ? `the response to ${req.method} ${req.path} exceeded ${Math.round(this.maxResponseBytes / 1024 / 1024)} MB and was not read; narrow the request (smaller pageSize or filters)`
            : `ICA sent a damaged gzip body for ${req.method} ${req.path}`,
          status,
          info,
        );
      }
    }
    const contentType = (resHeaders["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const isJson = contentType.endsWith("json");
    const asText = req.responseType === "text" && status < 400;
    let parsed: unknown;
    if (raw.length > 0 && isJson && !asText) {
      try {
        parsed = JSON.parse(raw.toString("utf8"));
      } catch {
        if (status >= 400) parsed = undefined;
        else
          throw new IcaResponseError(
            `ICA sent malformed or truncated JSON for ${req.method} ${req.path} (${raw.length} bytes)`,
            status,
            info,
          );
      }
    }
    if (status >= 400) throw this.apiError(status, parsed, contentType, raw, resHeaders, info);
    if (asText) return { status, headers: resHeaders, body: raw.toString("utf8") as T };
    if (raw.length > 0 && !isJson) {
      throw new IcaResponseError(
        `expected JSON from ${req.method} ${req.path} but got ${contentType || "no content type"} (${raw.length} bytes); a proxy or gateway may be answering instead of ICA`,
        status,
        info,
      );
    }
    return { status, headers: resHeaders, body: parsed as T };
  }

  private apiError(
    status: number,
    parsed: unknown,
    contentType: string,
    raw: Buffer,
    headers: Record<string, string>,
    info: RequestInfo,
  ): IcaApiError {
    const retryAfter = parseRetryAfter(headers["retry-after"]);
    if (parsed && typeof parsed === "object") {
      const p = parsed as Record<string, unknown>;
      const parameters: Record<string, string> = {};
      if (p.parameters && typeof p.parameters === "object") {
        for (const [k, v] of Object.entries(p.parameters as Record<string, unknown>))
          parameters[k] = String(v).slice(0, 500);
      }
      const title = typeof p.title === "string" && p.title ? p.title.slice(0, 200) : defaultTitle(status);
      const detail = typeof p.detail === "string" ? p.detail.slice(0, 1000) : undefined;
      return new IcaApiError(status, title, detail, parameters, info, retryAfter);
    }
    const what = contentType ? `a ${contentType} body` : "no body";
    const detail =
      raw.length > 0 && !contentType.endsWith("json")
        ? `${what} of ${raw.length} bytes instead of problem+json; a proxy or gateway may be answering instead of ICA`
        : undefined;
    return new IcaApiError(status, defaultTitle(status), detail, {}, info, retryAfter);
  }

  private async readBody(
    body: Dispatcher.ResponseData["body"],
    limit: number,
    info: RequestInfo,
    status: number,
  ): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        body.destroy();
        throw new IcaResponseError(
          `the response to ${info.method} ${info.path} exceeded ${Math.round(limit / 1024 / 1024)} MB and was not read; narrow the request (smaller pageSize or filters)`,
          status,
          info,
        );
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  private mapTransportError(
    err: unknown,
    info: RequestInfo,
    callerSignal?: AbortSignal,
    timeoutMs?: number,
  ): Error {
    if (err instanceof IcaError) return err;
    if (callerSignal?.aborted || this.closing.signal.aborted) return new IcaAbortError(info);
    const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
    if (
      e?.name === "TimeoutError" ||
      e?.code === "UND_ERR_HEADERS_TIMEOUT" ||
      e?.code === "UND_ERR_BODY_TIMEOUT"
    ) {
      return new IcaTimeoutError(timeoutMs ?? this.options.timeoutMs, info);
    }
    if (e?.name === "AbortError") return new IcaTimeoutError(timeoutMs ?? this.options.timeoutMs, info);
    const code = e?.code ?? e?.cause?.code;
    const reason = redact(e?.message ?? String(err)).slice(0, 200);
    const transient = code ? RETRYABLE_NETWORK_CODES.has(code) : true;
    return new IcaNetworkError(
      `could not reach ICA at ${this.origin} for ${info.method} ${info.path}: ${reason}${code ? ` (${code})` : ""}`,
      info,
      transient ? (code ?? "UND_ERR_SOCKET") : code,
    );
  }
}

function defaultTitle(status: number): string {
  const titles: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    406: "Not Acceptable",
    409: "Conflict",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
  };
  return titles[status] ?? `HTTP ${status}`;
}

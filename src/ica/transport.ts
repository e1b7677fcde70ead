/** One HTTP exchange with ICA: URL, headers, undici, body limits, gzip, JSON and problem+json mapping. */
import { gunzipSync } from "node:zlib";
import { type Dispatcher, request as undiciRequest } from "undici";
import { type LinkedSignal, linkSignals } from "../abort.js";
import { log } from "../log.js";
import { redact } from "../redact.js";
import { VERSION } from "../version.js";
import {
  IcaAbortError,
  IcaApiError,
  IcaError,
  IcaNetworkError,
  IcaResponseError,
  IcaTimeoutError,
  type RequestInfo,
} from "./errors.js";
import type { IcaRequest, IcaResponse, MediaVersion } from "./request.js";
import { parseRetryAfter, RETRYABLE_NETWORK_CODES } from "./retry.js";
import { apiUrl, buildPath, buildQuery, UnsafeRequestError } from "./url.js";

export function mediaType(version: MediaVersion): string {
  return `application/vnd.illumina.${version}+json`;
}

export interface TransportOptions {
  baseUrl: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  maxResponseBytes: number;
  /** Aborts everything in flight when the client closes. */
  closing: AbortSignal;
}

export interface TransportStats {
  requests: number;
  bytesReceived: number;
}

export class Transport {
  readonly origin: string;

  constructor(
    private readonly options: TransportOptions,
    private readonly stats: TransportStats,
  ) {
    this.origin = new URL(options.baseUrl).origin;
  }

  /** The URL one request goes to, checked to stay on ICA's origin (and below the base path for templates). */
  url(req: IcaRequest, info: RequestInfo): string {
    const query = buildQuery(req.query);
    if (req.url) return `${this.sameOrigin(req.url, info)}${query}`;
    return `${apiUrl(this.options.baseUrl, buildPath(req.path, req.pathParams), `${req.method} ${req.path}`).href}${query}`;
  }

  /** The request's signal: the caller's, the client's close, and the timeout. Dispose when the request is done. */
  combinedSignal(caller: AbortSignal | undefined, timeoutMs: number): LinkedSignal {
    return linkSignals([this.options.closing, caller], timeoutMs);
  }

  /** Sends one attempt (no retries, no throttle) to `url` (from `url()`) with the given auth headers. */
  async sendOnce<T>(
    req: IcaRequest,
    url: string,
    authHeaders: Record<string, string>,
    info: RequestInfo,
  ): Promise<IcaResponse<T>> {
    const version = req.version ?? "v3";
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
        dispatcher: this.options.dispatcher,
        signal,
      });
      status = res.statusCode;
      resHeaders = Object.fromEntries(
        Object.entries(res.headers).map(([k, v]) => [
          k.toLowerCase(),
          Array.isArray(v) ? v.join(", ") : String(v ?? ""),
        ]),
      );
      raw = await readBody(res.body, this.options.maxResponseBytes, info, status);
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
        raw = gunzipSync(raw, { maxOutputLength: this.options.maxResponseBytes });
      } catch (err) {
        const tooLarge = (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
        throw new IcaResponseError(
          tooLarge
            ? `the response to ${req.method} ${req.path} exceeded ${Math.round(this.options.maxResponseBytes / 1024 / 1024)} MB and was not read; narrow the request (smaller pageSize or filters)`
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
    if (status >= 400) throw apiError(status, parsed, contentType, raw, resHeaders, info);
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

  mapTransportError(err: unknown, info: RequestInfo, callerSignal?: AbortSignal, timeoutMs?: number): Error {
    if (err instanceof IcaError || err instanceof UnsafeRequestError) return err;
    if (callerSignal?.aborted || this.options.closing.aborted) return new IcaAbortError(info);
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
}

/**
 * The whole body, refused (and the stream destroyed) once it passes `limit` bytes. Event listeners rather than
 * `for await`: the async iterator costs a promise per chunk and stream wiring on every request.
 */
export function readBody(
  body: Dispatcher.ResponseData["body"],
  limit: number,
  info: RequestInfo,
  status: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        body.destroy();
        reject(
          new IcaResponseError(
            `the response to ${info.method} ${info.path} exceeded ${Math.round(limit / 1024 / 1024)} MB and was not read; narrow the request (smaller pageSize or filters)`,
            status,
            info,
          ),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    // Closed before its end without an error: what `for await` reports (stream.finished's premature close).
    const onClose = () => {
      cleanup();
      reject(Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
    };
    if (body.destroyed) {
      onClose();
      return;
    }
    body.on("data", onData);
    body.on("end", onEnd);
    body.on("error", onError);
    body.on("close", onClose);
  });
}

function apiError(
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

/**
 * The HTTP layer: node:http server, base path, fault injection, authentication, media-type negotiation,
 * body parsing, problem+json errors, gzip and exchange recording. Route handlers only see a RequestContext.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import type { Principal, Reply, RequestContext, SandboxServices } from "./context.js";
import type { Exchange } from "./exchange.js";
import type { FaultController } from "./faults.js";
import { baseType, consumedType, negotiate, PROBLEM_JSON, vendorType, vendorVersion } from "./media.js";
import { paginate } from "./paging.js";
import { ProblemError, problemBody, statusTitle } from "./problem.js";
import type { RouteMatch, Router } from "./router.js";
import { OPENAPI_DOCUMENT_PATH, openapiDocumentReply } from "./routes/openapi.js";
import type { SandboxState } from "./state.js";

export const BASE_PATH = "/ica/rest";
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Small bodies are not worth compressing (ICA's docs: JSON responses are gzipped on Accept-Encoding: gzip). */
const GZIP_MIN_BYTES = 1024;

export interface RequestLogEntry {
  /** performance.now() milliseconds at arrival. */
  t: number;
  method: string;
  path: string;
  /** The user the request authenticated as (API key or JWT), when it did. */
  userId?: string;
}

export interface ServerParts {
  state: SandboxState;
  services: SandboxServices;
  faults: FaultController;
  router: Router;
  record: boolean;
  exchanges: Exchange[];
  requestLog: RequestLogEntry[];
}

function flattenHeaders(headers: IncomingHttpHeaders | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : String(v);
  }
  return out;
}

function acceptsGzip(header: string | undefined): boolean {
  return (header ?? "").split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding !== "gzip" && coding !== "*") return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function isJsonType(type: string | undefined): boolean {
  return type === undefined || type === "application/json" || vendorVersion(type) !== undefined;
}

function parseForRecord(text: string, type: string | undefined): unknown {
  if (text === "") return undefined;
  if (isJsonType(type)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function problemReply(err: ProblemError, timestamp: string): Reply {
  return {
    status: err.status,
    body: problemBody(err.status, err.title, err.detail, err.parameters, timestamp),
    contentType: PROBLEM_JSON,
    headers: err.headers,
  };
}

/** Used for injected bodies that pretend to be ICA answers. */
const VENDOR_V3 = "application/vnd.illumina.v3+json";

function htmlPage(status: number): string {
  const title = status < 400 ? "Sign in" : `${status} ${statusTitle(status)}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export class SandboxServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly closing = new AbortController();

  constructor(private readonly parts: ServerParts) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        console.error("ica sandbox: unhandled error", err);
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { "content-type": PROBLEM_JSON });
          res.end(
            JSON.stringify(problemBody(500, "Internal Server Error", String(err), {}, parts.state.now())),
          );
        } else {
          res.destroy();
        }
      });
    });
    // Generous keep-alive: clients pool connections; close() destroys whatever is still open.
    this.server.keepAliveTimeout = 30_000;
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops listening and destroys every open socket, hanging requests included. */
  close(): Promise<void> {
    this.closing.abort();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.server.closeAllConnections();
    });
  }

  /** Resolves after `ms`, or early (false) when the sandbox closes. */
  private sleep(ms: number): Promise<boolean> {
    const signal = this.closing.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private record(exchange: Exchange): void {
    // The published OpenAPI document is not an operation of that document: nothing to check it against.
    if (exchange.path === OPENAPI_DOCUMENT_PATH) return;
    if (this.parts.record) this.parts.exchanges.push(exchange);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { state, router, faults } = this.parts;
    const t = performance.now();
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://sandbox.invalid");
    const inBase = url.pathname === BASE_PATH || url.pathname.startsWith(`${BASE_PATH}/`);
    const path = inBase ? url.pathname.slice(BASE_PATH.length) || "/" : url.pathname;
    const userId = this.parts.services.auth.identify(req.headers);
    this.parts.requestLog.push({ t, method, path, ...(userId ? { userId } : {}) });
    const exchange: Exchange = {
      method,
      path,
      query: [...url.searchParams.entries()],
      requestHeaders: flattenHeaders(req.headers),
      status: 0,
      responseHeaders: {},
    };
    const match: RouteMatch = inBase ? router.match(method, path) : { kind: "none" };

    const decision = faults.take({
      method,
      path,
      ...(match.kind === "found" ? { operationId: match.route.operationId } : {}),
    });
    if (decision.latencyMs > 0 && !(await this.sleep(decision.latencyMs))) return;
    const fault = decision.rule;
    if (fault?.kind === "drop") {
      exchange.injected = true;
      this.record(exchange);
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "hang") {
      // Never answered; the socket stays open until the client gives up or close() destroys it.
      exchange.injected = true;
      this.record(exchange);
      return;
    }

    const contentType = baseType(req.headers["content-type"]);
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      const reply = problemReply(
        new ProblemError(413, "Payload Too Large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes`),
        state.now(),
      );
      reply.headers = { ...reply.headers, connection: "close" };
      this.send(req, res, reply, exchange);
      return;
    }
    const rawText = rawBody.toString("utf8");
    exchange.requestBody = parseForRecord(rawText, contentType);

    if (fault?.kind === "status") {
      const headers: Record<string, string> =
        fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
      const detail =
        fault.status === 429
          ? "Too many requests: the rate limit was exceeded, please try again later"
          : `The service answered ${fault.status} ${statusTitle(fault.status)}`;
      const reply = problemReply(
        new ProblemError(fault.status, statusTitle(fault.status), detail, {}, headers),
        state.now(),
      );
      exchange.injected = true;
      this.send(req, res, reply, exchange);
      return;
    }
    if (fault?.kind === "huge") {
      exchange.injected = true;
      const count = Math.max(1, Math.floor(fault.bytes / 2));
      this.send(
        req,
        res,
        { status: 200, raw: `{"items":[${"0,".repeat(count)}0]}`, contentType: VENDOR_V3 },
        exchange,
      );
      return;
    }
    if (fault?.kind === "html") {
      exchange.injected = true;
      this.send(
        req,
        res,
        { status: fault.status, raw: htmlPage(fault.status), contentType: "text/html; charset=utf-8" },
        exchange,
      );
      return;
    }

    let reply: Reply;
    try {
      reply = await this.dispatch(req, method, path, url, rawText, contentType, match);
    } catch (err) {
      if (err instanceof ProblemError) {
        reply = problemReply(err, state.now());
      } else {
        console.error("ica sandbox: handler error", err);
        const detail = err instanceof Error ? err.message : String(err);
        reply = problemReply(
          new ProblemError(500, "Internal Server Error", `Sandbox error: ${detail}`),
          state.now(),
        );
      }
    }

    if (fault?.kind === "truncate" || fault?.kind === "wrongType") {
      exchange.injected = true;
      const text = reply.raw !== undefined ? String(reply.raw) : JSON.stringify(reply.body ?? {});
      reply =
        fault.kind === "truncate"
          ? { ...reply, body: undefined, raw: text.slice(0, fault.keepBytes ?? Math.floor(text.length / 2)) }
          : { ...reply, body: undefined, raw: text, contentType: fault.contentType ?? "text/plain" };
    }
    if (fault?.kind === "dropAfter") {
      // The work is done (state changed), but the client never learns the outcome.
      exchange.injected = true;
      this.record(exchange);
      req.socket.destroy();
      return;
    }
    this.send(req, res, reply, exchange);
  }

  private async dispatch(
    req: IncomingMessage,
    method: string,
    path: string,
    url: URL,
    rawText: string,
    contentType: string | undefined,
    match: RouteMatch,
  ): Promise<Reply> {
    const { state, services } = this.parts;
    if (path === OPENAPI_DOCUMENT_PATH && services.openapiDocument) {
      return openapiDocumentReply(method, services.openapiDocument);
    }
    if (match.kind !== "found") {
      // Like ICA's gateway: unauthenticated callers learn nothing about which API paths exist.
      if (path === "/api" || path.startsWith("/api/")) services.auth.authenticate(req.headers);
      if (match.kind === "method") {
        throw new ProblemError(
          405,
          "Method Not Allowed",
          `${method} is not supported on ${path}`,
          {},
          {
            allow: match.allowed.join(", "),
          },
        );
      }
      throw new ProblemError(404, "Not Found", `No endpoint matches ${method} ${path}`);
    }
    const route = match.route;
    const principal: Principal | undefined =
      route.auth === false ? undefined : services.auth.authenticate(req.headers);
    const version = negotiate(req.headers.accept, contentType, route.produces);

    const hasBody = rawText.length > 0;
    let consumed = contentType ? consumedType(contentType) : undefined;
    if (route.consumes && (hasBody || contentType !== undefined)) {
      if (!consumed || !route.consumes.includes(consumed)) {
        const accepted = route.consumes.map((c) =>
          c === "json"
            ? "application/json"
            : c === "form"
              ? "application/x-www-form-urlencoded"
              : c === "multipart"
                ? "multipart/form-data"
                : vendorType(c),
        );
        throw new ProblemError(
          415,
          "Unsupported Media Type",
          `Content-Type ${contentType ?? "(none)"} is not supported here; use one of: ${accepted.join(", ")}`,
          { "Content-Type": contentType ?? "" },
        );
      }
    } else {
      consumed = undefined;
    }
    const requestVersion = vendorVersion(contentType);
    if (
      route.produces.includes("v3") &&
      route.produces.includes("v4") &&
      requestVersion &&
      requestVersion !== version
    ) {
      throw new ProblemError(400, "Bad Request", "Content-Type and Accept must contain a matching version", {
        "Content-Type": contentType ?? "",
        Accept: req.headers.accept ?? "",
      });
    }

    let body: unknown;
    if (hasBody && route.consumes) {
      if (consumed === "form" || consumed === "multipart") {
        body = rawText;
      } else {
        try {
          body = JSON.parse(rawText);
        } catch (err) {
          throw new ProblemError(400, "Bad Request", "The request body is not valid JSON", {
            body: err instanceof Error ? err.message : "invalid JSON",
          });
        }
      }
    }

    const operationId = route.operationId;
    const params = match.params;
    const ctx: RequestContext = {
      method,
      path,
      operationId,
      params,
      query: url.searchParams,
      headers: req.headers,
      body,
      rawBody: rawText,
      contentType,
      version,
      principal,
      state,
      services,
      json: (status, replyBody, headers) => ({
        status,
        body: replyBody,
        contentType: vendorType(version),
        ...(headers ? { headers } : {}),
      }),
      problem: (status, title, detail, parameters) =>
        problemReply(new ProblemError(status, title, detail, parameters ?? {}), state.now()),
      noContent: (headers) => ({ status: 204, ...(headers ? { headers } : {}) }),
      paginate: (items, options = {}) =>
        paginate(items, url.searchParams, {
          ...options,
          defaultPageSize: services.defaultPageSize,
          maxPageSize: services.maxPageSize,
          scope: options.scope ?? `${operationId}:${JSON.stringify(params)}`,
        }),
    };
    return route.handler(ctx);
  }

  private send(req: IncomingMessage, res: ServerResponse, reply: Reply, exchange: Exchange): void {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(reply.headers ?? {})) headers[k.toLowerCase()] = v;
    let payload: Buffer | undefined;
    let jsonText: string | undefined;
    if (reply.raw !== undefined) payload = Buffer.from(reply.raw);
    else if (reply.body !== undefined) {
      jsonText = JSON.stringify(reply.body);
      payload = Buffer.from(jsonText);
    }
    if (payload !== undefined) {
      headers["content-type"] = reply.contentType ?? "application/json";
      headers.vary = "Accept-Encoding";
      if (payload.length > GZIP_MIN_BYTES && acceptsGzip(req.headers["accept-encoding"])) {
        payload = gzipSync(payload);
        headers["content-encoding"] = "gzip";
      }
    }
    if (reply.status !== 204 && reply.status !== 304)
      headers["content-length"] = String(payload?.length ?? 0);
    exchange.status = reply.status;
    exchange.responseHeaders = headers;
    // A snapshot, not the live object: later state changes must not rewrite the recording.
    if (jsonText !== undefined && this.parts.record) exchange.responseBody = JSON.parse(jsonText);
    else if (reply.raw !== undefined)
      exchange.responseBody = typeof reply.raw === "string" ? reply.raw : undefined;
    this.record(exchange);
    if (res.destroyed) return;
    res.writeHead(reply.status, headers);
    res.end(payload);
  }
}

/**
 * Team mode: stateless Streamable HTTP (the SDK's transport, `sessionIdGenerator: undefined`) at /mcp.
 * Each POST gets its own MCP server and transport (cheap: the tool surface is compiled once per process and per
 * narrowed selection), bound to the identity its headers carry, answered as SSE so progress notifications arrive
 * within the request. Nothing of a request outlives it except the identity pool (identities.ts), so any
 * replica can answer any request. Closing the request (client gone) closes its server, which aborts the call.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Config } from "../config.js";
import type { IcaClientOptions } from "../ica/client.js";
import { log } from "../log.js";
import type { AnyTool } from "../mcp/adapter.js";
import { setCredentialSource } from "../mcp/errors.js";
import { createServer, selectTools } from "../mcp/server.js";
import { buildSurface, type Surface } from "../mcp/surface.js";
import { ALL_TOOLS } from "../tools/index.js";
import { makeGuard } from "./guard.js";
import { HeaderError, type Narrowing, readCredentials, readNarrowing } from "./headers.js";
import { type IdentityCredentials, IdentityPool, IdentityPoolFullError } from "./identities.js";

/** JSON-RPC bodies larger than this are refused (413): no tool argument needs more. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** On shutdown, in-flight calls may finish for this long; then they are cancelled. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/** After cancelling, answers get this long to go out before connections are cut. */
const CANCEL_DRAIN_MS = 2_000;
/** Narrowed tool selections compiled and kept (each distinct X-ICA-Tools / read-only combination). */
const MAX_CACHED_SURFACES = 64;

export interface HttpServerOptions {
  config: Config;
  /** The deployment's tools (ICA_TOOLS / ICA_EXCLUDE_TOOLS / ICA_READ_ONLY applied); default from config. */
  tools?: AnyTool[];
  /** Options for every identity's ICA client. */
  clientOptions?: Partial<IcaClientOptions>;
  /** Per-identity client options (see IdentityPoolOptions.clientOptionsFor). */
  clientOptionsFor?: (identityId: string) => Partial<IcaClientOptions>;
  maxBodyBytes?: number;
  maxIdentities?: number;
}

export interface HttpServerHandle {
  /** "http://HOST:PORT" */
  origin: string;
  port: number;
  pool: IdentityPool;
  /** Requests being answered right now. */
  inFlight(): number;
  /** Stops accepting, lets in-flight calls finish within `graceMs`, cancels the rest, then closes everything. */
  close(graceMs?: number): Promise<void>;
}

function jsonRpcError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
) {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

/** A body must arrive within this long (a trickling client cannot hold a socket; answers may take longer). */
const BODY_TIMEOUT_MS = 30_000;

async function readBody(req: IncomingMessage, max: number): Promise<{ tooLarge: boolean; text: string }> {
  if (Number(req.headers["content-length"] ?? 0) > max) return { tooLarge: true, text: "" };
  const timer = setTimeout(() => req.destroy(new Error("request body timeout")), BODY_TIMEOUT_MS);
  timer.unref();
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > max) return { tooLarge: true, text: "" };
      chunks.push(chunk as Buffer);
    }
    return { tooLarge: false, text: Buffer.concat(chunks).toString("utf8") };
  } finally {
    clearTimeout(timer);
  }
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const { config } = options;
  // Shared-key deployments keep the environment's wording: the key is the server's.
  if (!config.httpSharedKey) setCredentialSource("headers");
  const guard = makeGuard(config);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const deploymentTools = options.tools ?? selectTools(config);
  const deploymentNames = new Set(deploymentTools.map((t) => t.name));
  const knownNames = new Set(ALL_TOOLS.map((t) => t.name));
  const surfaces = new Map<string, Surface>();
  surfaces.set(surfaceKey(config.readOnly, undefined), buildSurface(deploymentTools));

  const shared: IdentityCredentials | undefined = config.httpSharedKey
    ? { apiKey: config.apiKey, accessToken: config.accessToken }
    : undefined;
  const pool = new IdentityPool({
    config,
    clientOptions: options.clientOptions,
    clientOptionsFor: options.clientOptionsFor,
    maxIdentities: options.maxIdentities,
  });
  const shutdown = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let stopping = false;

  /** The surface for a narrowing: the deployment's tools, minus what the request takes away. */
  const surfaceFor = (n: Narrowing): Surface => {
    const key = surfaceKey(n.readOnly, n.tools);
    const cached = surfaces.get(key);
    if (cached) return cached;
    const tools = selectTools(
      // deploymentTools already reflect ICA_TOOLS / ICA_EXCLUDE_TOOLS: only the narrowing is applied here.
      { ...config, readOnly: n.readOnly, tools: n.tools, excludeTools: undefined },
      deploymentTools,
    );
    const surface = buildSurface(tools);
    if (surfaces.size < MAX_CACHED_SURFACES) surfaces.set(key, surface);
    return surface;
  };

  const serveMcp = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req, maxBody);
    if (body.tooLarge) {
      jsonRpcError(res, 413, `the request body is larger than ${maxBody} bytes`, { connection: "close" });
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(body.text);
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          jsonrpc: "2.0",
          error: { code: -32700, message: "Parse error: the body is not JSON" },
          id: null,
        }),
      );
      return;
    }
    let credentials: IdentityCredentials;
    let narrowing: Narrowing;
    try {
      credentials = readCredentials(req.headers, shared);
      narrowing = readNarrowing(req.headers, config, deploymentNames, knownNames);
    } catch (err) {
      if (!(err instanceof HeaderError)) throw err;
      jsonRpcError(res, err.status, err.message);
      return;
    }
    let lease: ReturnType<IdentityPool["lease"]>;
    try {
      lease = pool.lease(credentials);
    } catch (err) {
      if (!(err instanceof IdentityPoolFullError)) throw err;
      jsonRpcError(res, 503, err.message, { "retry-after": "60" });
      return;
    }
    // Finished or cut off: the lease goes, and the per-request server with it (closing it aborts a running call).
    let server: ReturnType<typeof createServer> | undefined;
    res.on("close", () => {
      lease.release();
      void server?.close().catch(() => {});
    });
    const { identity } = lease;
    const requestConfig: Config = {
      ...config,
      readOnly: narrowing.readOnly,
      ...(narrowing.tools ? { tools: narrowing.tools } : {}),
      ...(narrowing.allowedProjects ? { allowedProjects: narrowing.allowedProjects } : {}),
      // The request's identity is in its client; the configuration carries none.
      apiKey: undefined,
      accessToken: undefined,
    };
    server = createServer(surfaceFor(narrowing), {
      config: requestConfig,
      ica: identity.client,
      ...(narrowing.allowedProjects ? { allowedProjects: new Set(narrowing.allowedProjects) } : {}),
      shutdownSignal: shutdown.signal,
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: false,
    });
    transport.onerror = (err) => log.debug("HTTP transport error", { error: err.message });
    const mcp = server;
    await identity.scope.run(async () => {
      await mcp.connect(transport);
      await transport.handleRequest(req, res, message);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      // For load balancers (whatever Host they use); says nothing about anyone.
      res.writeHead(stopping ? 503 : 200, {
        "content-type": "application/json",
        "cache-control": "no-store",
      });
      res.end(JSON.stringify({ status: stopping ? "stopping" : "ok" }));
      return;
    }
    const refusal = guard.refusal(req);
    if (refusal) {
      jsonRpcError(res, 403, refusal);
      return;
    }
    guard.cors(req, res);
    if (req.method === "OPTIONS") {
      res.writeHead(204);
      res.end();
      return;
    }
    if (path !== "/mcp") {
      jsonRpcError(res, 404, "not found: the MCP endpoint is /mcp");
      return;
    }
    if (req.method !== "POST") {
      // Stateless: no session to stream to (GET) or to end (DELETE). Clients treat 405 as "not offered".
      jsonRpcError(
        res,
        405,
        "this server is stateless: only POST /mcp is offered (no standalone stream, no session)",
        {
          allow: "POST",
        },
      );
      return;
    }
    if (stopping) {
      jsonRpcError(res, 503, "the server is shutting down; retry on another replica", {
        connection: "close",
      });
      return;
    }
    await serveMcp(req, res);
  };

  const http = createHttpServer((req, res) => {
    const done = handle(req, res).catch((err: unknown) => {
      log.error("HTTP request failed", { error: err instanceof Error ? err.message : String(err) });
      jsonRpcError(res, 500, "internal error");
    });
    const tracked = new Promise<void>((resolve) => {
      res.on("close", resolve);
      void done.finally(() => {
        if (res.writableEnded) resolve();
      });
    });
    inFlight.add(tracked);
    void tracked.then(() => inFlight.delete(tracked));
  });
  // Slow or stuck clients cannot hold sockets forever; SSE answers keep themselves alive.
  http.headersTimeout = 20_000;
  http.requestTimeout = 0;
  http.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.port, config.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    origin: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    pool,
    inFlight: () => inFlight.size,
    close(graceMs = DEFAULT_SHUTDOWN_GRACE_MS) {
      closing ??= (async () => {
        stopping = true;
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        if (inFlight.size > 0) await waitAll(inFlight, graceMs);
        if (inFlight.size > 0) {
          log.info(`cancelling ${inFlight.size} call(s) still running after ${graceMs} ms`);
          shutdown.abort();
          await waitAll(inFlight, CANCEL_DRAIN_MS);
        }
        http.closeAllConnections();
        await closed;
        await pool.close();
      })();
      return closing;
    },
  };
}

function surfaceKey(readOnly: boolean, tools: string[] | undefined): string {
  return `${readOnly ? "ro" : "rw"}|${tools ? [...tools].sort().join(",") : "*"}`;
}

async function waitAll(pending: Set<Promise<void>>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([...pending]),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

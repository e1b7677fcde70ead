/**
 * A hostile fake ICA for the security tests: an HTTP server on 127.0.0.1 (port 0) that answers whatever a test
 * scripts, echoes what it was sent when asked, and records every request. It is bounded (request bodies,
 * request count) and ends by itself after a minute even if a test forgets to close it.
 *
 * It serves ICA's own OpenAPI document (../shared) so that ica_search_api / ica_call_api see the real
 * catalogue, and mints JWT-shaped tokens so that the client registers them as secrets.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

export const SPEC_YAML = fileURLToPath(
  new URL("../../../shared/ica-openapi/openapi_public.yaml", import.meta.url),
);

/** Bodies larger than this are not read (the connection is closed). */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** After this many requests the fake refuses everything (a runaway client loop cannot go on for ever). */
const MAX_REQUESTS = 2_000;
/** The fake closes itself after this long. */
const LIFETIME_MS = 90_000;

export interface Recorded {
  method: string;
  /** Below the base path, e.g. /api/projects/…; query not included. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface Reply {
  status?: number;
  body?: unknown;
  /** Default application/json (problem+json for status >= 400). */
  contentType?: string;
}

/** A route answers one "METHOD /api/path" (exact) or a function of the request. */
export type Handler = (req: Recorded) => Reply | Promise<Reply>;

export interface HostileIca {
  url: string;
  requests: Recorded[];
  /** Requests other than token minting and the OpenAPI document. */
  apiRequests(): Recorded[];
  /** The JWTs minted so far (the client registers them as secrets). */
  tokens: string[];
  route(key: string, handler: Handler | Reply): void;
  close(): Promise<void>;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

export function jwt(n: number): string {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return `${b64({ alg: "RS256", typ: "JWT" })}.${b64({ sub: `hostile-${n}`, exp, n })}.${Buffer.from(`sig-${n}-${Math.random()}`).toString("base64url")}`;
}

export async function startHostileIca(): Promise<HostileIca> {
  const routes = new Map<string, Handler>();
  const requests: Recorded[] = [];
  const tokens: string[] = [];
  let spec: string | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_REQUEST_BYTES) {
        req.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const send = (reply: Reply) => {
      const status = reply.status ?? 200;
      const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(status, {
        "content-type":
          reply.contentType ?? (status >= 400 ? "application/problem+json" : "application/json"),
        "content-length": String(Buffer.byteLength(text)),
      });
      res.end(text);
    };
    if (url.pathname === "/ica/api/swagger/openapi_public.yaml") {
      spec ??= readFileSync(SPEC_YAML, "utf8");
      return send({ body: spec, contentType: "application/yaml" });
    }
    const path = url.pathname.replace(/^\/ica\/rest/, "");
    const recorded: Recorded = {
      method: req.method ?? "GET",
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    requests.push(recorded);
    if (requests.length > MAX_REQUESTS)
      return send({ status: 503, body: { title: "fake ICA: too many requests" } });
    if (req.method === "POST" && path === "/api/tokens") {
      const token = jwt(tokens.length + 1);
      tokens.push(token);
      return send({ body: { token } });
    }
    const handler = routes.get(`${recorded.method} ${path}`);
    if (!handler)
      return send({
        status: 404,
        body: { status: 404, title: "Not Found", detail: `fake ICA has no ${recorded.method} ${path}` },
      });
    send(await handler(recorded));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const timer = setTimeout(() => server.close(), LIFETIME_MS);
  timer.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ica/rest`,
    requests,
    tokens,
    apiRequests: () => requests.filter((r) => r.path !== "/api/tokens"),
    route(key, handler) {
      routes.set(key, typeof handler === "function" ? handler : () => handler);
    },
    close() {
      clearTimeout(timer);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

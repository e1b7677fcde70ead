import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Sandbox } from "../../src/sandbox/index.js";

export interface FakeIca {
  /** The client's base URL ("http://127.0.0.1:PORT/ica/rest"). */
  url: string;
  /** Every request's method and path (below the base path) and query. */
  log: { method: string; path: string; query: URLSearchParams }[];
  /** Enough of a Sandbox for connectTools / sandboxClient (url and downloadOrigin). */
  asSandbox(): Sandbox;
  close(): Promise<void>;
}

export type FakeHandler = (
  req: { method: string; path: string; query: URLSearchParams; body: string },
  res: ServerResponse,
) => void | Promise<void>;

/** JSON with ICA's vendor media type. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/vnd.illumina.v3+json" });
  res.end(JSON.stringify(body));
}

/**
 * A small hostile ICA on 127.0.0.1 for behaviour the sandbox never shows. Token minting is answered; every
 * other request goes to `handle` (404 when it does not answer). Bounded: it closes itself after `lifetimeMs`.
 */
export async function startFakeIca(handle: FakeHandler, lifetimeMs = 60_000): Promise<FakeIca> {
  const log: FakeIca["log"] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const path = url.pathname.replace(/^\/ica\/rest/, "");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    log.push({ method: req.method ?? "GET", path, query: url.searchParams });
    if (req.method === "POST" && path === "/api/tokens") {
      return sendJson(res, 200, { token: "fake.jwt.token" });
    }
    await handle(
      { method: req.method ?? "GET", path, query: url.searchParams, body: Buffer.concat(chunks).toString() },
      res,
    );
    if (!res.headersSent) sendJson(res, 404, { title: "Not Found", status: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const timer = setTimeout(() => void close(), lifetimeMs);
  timer.unref();
  let closed: Promise<void> | undefined;
  const close = () => {
    clearTimeout(timer);
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  return {
    url: `${origin}/ica/rest`,
    log,
    asSandbox: () => ({ url: `${origin}/ica/rest`, downloadOrigin: origin }) as unknown as Sandbox,
    close,
  };
}

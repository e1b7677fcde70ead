import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The most arrivals inside any window [t, t + windowMs) (times in ms on one clock). */
export function maxInWindow(times: number[], windowMs = 1_000): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    while (j < t.length && t[j]! < t[i]! + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

export interface Forwarder {
  /** The forwarder's origin (http://127.0.0.1:PORT). */
  origin: string;
  /** Arrival time (performance.now(), noted before anything else), path and the upstream each request went to. */
  arrivals: { at: number; path: string; upstream: number }[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP forwarder: each request goes to the next of `upstreams` in turn (round robin; one upstream:
 * a counter in front of it), streamed both ways (SSE included), with the upstream's own Host.
 */
export async function startForwarder(upstreams: string[]): Promise<Forwarder> {
  const arrivals: Forwarder["arrivals"] = [];
  let next = 0;
  const server: Server = createServer((req, res) => {
    const at = performance.now();
    const index = next++ % upstreams.length;
    const target = new URL(req.url ?? "/", upstreams[index]);
    arrivals.push({ at, path: target.pathname, upstream: index });
    const headers = { ...req.headers, host: target.host };
    const out = request(target, { method: req.method, headers }, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      upstream.pipe(res);
    });
    out.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on("close", () => out.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

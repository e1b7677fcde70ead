/**
 * Browser safety for team mode, our own (the SDK's allowedHosts/allowedOrigins options are deprecated):
 * - Host: only configured names answer (DNS rebinding: a hostile page's name resolving to our address);
 *   bound to loopback, the loopback names are the default.
 * - Origin: a request with an Origin header is a browser's; only configured origins may call, and only they get
 *   CORS headers. Requests without Origin (assistants, agent platforms, curl) are not affected.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import type { Config } from "../config.js";

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

const isWildcard = (host: string) => host === "0.0.0.0" || host === "::" || host === "[::]";

export interface Guard {
  /** Why the request is refused (403), or undefined. */
  refusal(req: IncomingMessage): string | undefined;
  /** Adds CORS headers for an allowed Origin. */
  cors(req: IncomingMessage, res: ServerResponse): void;
}

/** Throws when the listening address and the Host list cannot work together (a wildcard bind with no list). */
export function makeGuard(config: Config): Guard {
  const hosts = hostList(config);
  const anyHost = hosts.includes("*");
  const origins = new Set((config.httpAllowedOrigins ?? []).map((o) => o.toLowerCase()));
  return {
    refusal(req) {
      const host = (req.headers.host ?? "").toLowerCase();
      if (!anyHost && !hostAllowed(host, hosts)) {
        return `the Host header ${JSON.stringify(host.slice(0, 100))} is not one this server answers (ICA_HTTP_ALLOWED_HOSTS)`;
      }
      const origin = req.headers.origin;
      if (origin !== undefined && !origins.has(origin.toLowerCase())) {
        return `the Origin ${JSON.stringify(origin.slice(0, 100))} may not call this server (ICA_HTTP_ALLOWED_ORIGINS)`;
      }
      return undefined;
    },
    cors(req, res) {
      const origin = req.headers.origin;
      if (origin === undefined || !origins.has(origin.toLowerCase())) return;
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
      res.setHeader("Access-Control-Allow-Methods", "POST, GET, DELETE, OPTIONS");
      res.setHeader(
        "Access-Control-Allow-Headers",
        "content-type, accept, mcp-protocol-version, mcp-session-id, last-event-id, authorization, x-ica-api-key, x-ica-access-token, x-ica-read-only, x-ica-tools, x-ica-allowed-projects",
      );
      res.setHeader("Access-Control-Max-Age", "600");
    },
  };
}

function hostList(config: Config): string[] {
  if (config.httpAllowedHosts && config.httpAllowedHosts.length > 0) {
    return config.httpAllowedHosts.map((h) => h.toLowerCase());
  }
  if (isLoopbackHost(config.host)) return ["localhost", "127.0.0.1", "[::1]"];
  if (isWildcard(config.host)) {
    throw new Error(
      `--host ${config.host} listens on every address: set ICA_HTTP_ALLOWED_HOSTS to the names clients use to reach it (or "*" when a proxy in front checks Host)`,
    );
  }
  return [isIP(config.host) === 6 ? `[${config.host.toLowerCase()}]` : config.host.toLowerCase()];
}

/** A list entry without a port allows any port of that name; with one, exactly that. */
function hostAllowed(host: string, allowed: string[]): boolean {
  if (host === "" || host.length > 300) return false;
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d+$/, "");
  return allowed.some((a) => a === host || a === name);
}

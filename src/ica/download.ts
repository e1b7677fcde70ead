/**
 * Fetches presigned URLs (log files, downloads). A hostile ICA, or anything in between, chooses these URLs,
 * so: https only, no ICA credentials, no redirects, and only public addresses, checked on the address
 * actually connected to (a custom `lookup` validates every resolved address; IP literals are checked before
 * connecting). The one exception is an explicit allowance of exact origins (the sandbox's own download
 * listener on loopback).
 */
import {
  lookup as dnsLookup,
  type LookupAddress,
  type LookupAllOptions,
  type LookupOneOptions,
} from "node:dns";
import type { LookupFunction } from "node:net";
import { Agent, type Dispatcher, EnvHttpProxyAgent, request as undiciRequest } from "undici";
import { linkSignals } from "../abort.js";
import { VERSION } from "../version.js";
import { addressProblem, parseIp } from "./address.js";
import {
  IcaAbortError,
  IcaError,
  IcaNetworkError,
  IcaResponseError,
  IcaTimeoutError,
  type RequestInfo,
} from "./errors.js";
import { readBody } from "./transport.js";

const REFUSED_CODE = "ERR_ICA_MCP_UNSAFE_ADDRESS";

export interface DownloaderOptions {
  timeoutMs: number;
  closing: AbortSignal;
  /** Exact origins ("http://127.0.0.1:4567") fetched whatever their scheme and address. */
  allowedOrigins?: readonly string[];
  /** Send downloads through HTTP(S)_PROXY when set (the proxy resolves names; see checkTarget). */
  useEnvProxy?: boolean;
}

type Resolver = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

function refusal(message: string): Error {
  return Object.assign(new Error(message), { code: REFUSED_CODE });
}

/**
 * A `lookup` for net/tls.connect that resolves every address of the name and fails unless all of them are
 * public; the connection then goes to one of exactly those addresses.
 */
export function guardedLookup(resolve: Resolver = dnsLookup as unknown as Resolver): LookupFunction {
  return ((
    hostname: string,
    options: LookupOneOptions | LookupAllOptions,
    callback: (...args: unknown[]) => void,
  ) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err);
      if (addresses.length === 0) return callback(refusal(`${hostname} resolves to no address`));
      for (const a of addresses) {
        const problem = addressProblem(a.address);
        if (problem) return callback(refusal(`${hostname} resolves to ${a.address}, ${problem}`));
      }
      if ((options as LookupAllOptions).all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as LookupFunction;
}

export class Downloader {
  private readonly guarded: Dispatcher;
  private readonly plain: Agent;
  private readonly allowed: Set<string>;
  private readonly proxied: boolean;

  constructor(private readonly options: DownloaderOptions) {
    this.allowed = new Set((options.allowedOrigins ?? []).map((o) => new URL(o).origin));
    const hasProxy = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"].some((v) => process.env[v]);
    this.proxied = options.useEnvProxy !== false && hasProxy;
    const connect = { lookup: guardedLookup() };
    // Through a proxy only the direct (NO_PROXY) connections use the guarded lookup; see checkTarget.
    this.guarded = this.proxied
      ? new EnvHttpProxyAgent({ keepAliveTimeout: 10_000, connect })
      : new Agent({ keepAliveTimeout: 10_000, connect });
    this.plain = new Agent({ keepAliveTimeout: 10_000 });
  }

  /**
   * Fetches a presigned URL as text. No ICA credentials are ever sent there, and the URL is never logged.
   * With `tailBytes`, asks for the last bytes only (Range) and trims to that size.
   */
  async downloadText(
    url: string,
    opts: { tailBytes?: number; maxBytes?: number; signal?: AbortSignal } = {},
  ): Promise<{ text: string; truncated: boolean }> {
    const max = opts.maxBytes ?? 1024 * 1024;
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new IcaResponseError("ICA gave a download URL that is not a URL", 0, {
        method: "GET",
        path: "(download)",
      });
    }
    const info: RequestInfo = { method: "GET", path: `(download from ${target.host})` };
    const allowed = this.allowed.has(target.origin);
    if (!allowed) await this.checkTarget(target, info);
    const linked = linkSignals([this.options.closing, opts.signal], this.options.timeoutMs);
    const headers: Record<string, string> = { "user-agent": `ica-mcp/${VERSION}` };
    if (opts.tailBytes) headers.range = `bytes=-${opts.tailBytes}`;
    try {
      const res = await undiciRequest(target, {
        method: "GET",
        headers,
        dispatcher: allowed ? this.plain : this.guarded,
        signal: linked.signal,
      });
      if (res.statusCode >= 400) {
        await res.body.dump();
        throw new IcaResponseError(`the download URL answered ${res.statusCode}`, res.statusCode, info);
      }
      if (res.statusCode >= 300) {
        await res.body.dump();
        throw new IcaResponseError(
          `the download URL answered ${res.statusCode} (a redirect, which is not followed)`,
          res.statusCode,
          info,
        );
      }
      const buf = await readBody(
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
      throw this.mapError(err, info, opts.signal);
    } finally {
      linked.dispose();
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.guarded.close().catch(() => {}), this.plain.close().catch(() => {})]);
  }

  /**
   * Scheme and literal address before anything is sent. A name is checked by the guarded lookup when it is
   * connected to; through a proxy the proxy resolves it, so the name is also resolved here first (a name
   * that resolves differently at the proxy is the one case this cannot see).
   */
  private async checkTarget(target: URL, info: RequestInfo): Promise<void> {
    const refuse = (why: string) =>
      new IcaResponseError(`refusing to fetch the download URL ICA gave: ${why}`, 0, info);
    if (target.protocol !== "https:") throw refuse(`it is ${target.protocol.replace(":", "")}, not https`);
    if (target.username || target.password) throw refuse("it carries user credentials");
    const host = target.hostname;
    if (parseIp(host)) {
      const problem = addressProblem(host);
      if (problem) throw refuse(`${host} is ${problem}`);
      return;
    }
    if (!this.proxied) return;
    const lookup = guardedLookup();
    await new Promise<void>((resolve, reject) =>
      lookup(host, { all: true }, (err: Error | null) =>
        err
          ? reject(
              refuse(
                (err as { code?: string }).code === REFUSED_CODE ? err.message : `${host} does not resolve`,
              ),
            )
          : resolve(),
      ),
    );
  }

  private mapError(err: unknown, info: RequestInfo, callerSignal?: AbortSignal): Error {
    if (err instanceof IcaError) return err;
    if (callerSignal?.aborted || this.options.closing.aborted) return new IcaAbortError(info);
    const e = err as {
      name?: string;
      code?: string;
      message?: string;
      cause?: { code?: string; message?: string };
    };
    const refused = e?.code === REFUSED_CODE ? e : e?.cause?.code === REFUSED_CODE ? e.cause : undefined;
    if (refused) {
      return new IcaResponseError(`refusing to fetch the download URL ICA gave: ${refused.message}`, 0, info);
    }
    if (e?.name === "TimeoutError" || e?.name === "AbortError" || e?.code === "UND_ERR_HEADERS_TIMEOUT") {
      return new IcaTimeoutError(this.options.timeoutMs, info);
    }
    const code = e?.code ?? e?.cause?.code;
    return new IcaNetworkError(
      `could not fetch the download URL ${info.path}${code ? ` (${code})` : ""}`,
      info,
      code,
    );
  }
}

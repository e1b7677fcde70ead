/**
 * POST /api/projects/{projectId}/data/{dataId}:createDownloadUrl (createDownloadUrlForData) and the object
 * store that serves the "presigned" URLs it returns.
 *
 * Like ICA, whose download URLs point at S3 (another origin), the URL is served by a SECOND loopback HTTP
 * listener (`DownloadService`, started and closed with the sandbox). URLs carry AWS-SigV4-looking query
 * parameters (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
 * X-Amz-Signature) and expire after `X-Amz-Expires` seconds of sandbox clock (default 3600). The store
 * answers like S3: 200 (or 206 for `Range: bytes=-N`, `bytes=a-b`, `bytes=a-`), 416 for unsatisfiable
 * ranges, 403 XML errors for expired or tampered URLs, 404 for unknown objects; it never asks for ICA
 * credentials and records every request's headers in `log` (`sandbox.downloads`), so tests can prove none
 * reach it.
 *
 * Files with stored text (`DataRecord.content`: logs, sample sheets) serve that text; other files serve a
 * deterministic placeholder text of min(size, 1 MiB) bytes. Folders -> 400 ("Not applicable for Folder"),
 * data that is not AVAILABLE (archived, partial, deleting) -> 400 naming the status.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { RouteDef } from "../context.js";
import { ProblemError } from "../problem.js";
import type { DataRecord, SandboxState } from "../state.js";

export const DOWNLOAD_URL_TTL_SECONDS = 3600;
const PLACEHOLDER_MAX_BYTES = 1024 * 1024;
const BUCKET = "ica-sandbox-store";
const ACCESS_KEY_ID = "ASIASANDBOXEXAMPLE01";

export interface DownloadLogEntry {
  /** performance.now() ms at arrival. */
  t: number;
  method: string;
  /** Path and query as received (the URL's signature included). */
  url: string;
  /** Lower-cased request headers exactly as received. */
  headers: Record<string, string>;
  status: number;
}

function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>\n`;
}

/** The sandbox's S3 stand-in: a separate listener for presigned download URLs. */
export class DownloadService {
  readonly log: DownloadLogEntry[] = [];
  origin = "";
  private readonly key = randomBytes(32);
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly state: SandboxState) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  async listen(host: string): Promise<void> {
    const address = await new Promise<AddressInfo>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, host, () => {
        this.server.off("error", reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
    const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
    this.origin = `http://${hostForUrl}:${address.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.server.closeAllConnections();
    });
  }

  /** A presigned GET URL for one file, valid for `ttlSeconds` of sandbox clock. */
  presign(d: DataRecord, ttlSeconds = DOWNLOAD_URL_TTL_SECONDS): string {
    const now = this.state.clock.now();
    const date = amzDate(now);
    const path = `/${BUCKET}/${d.projectId}/${d.id}/${encodeURIComponent(d.name)}`;
    const params = new URLSearchParams({
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": `${ACCESS_KEY_ID}/${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
      "X-Amz-Date": date,
      "X-Amz-Expires": String(ttlSeconds),
      "X-Amz-SignedHeaders": "host",
    });
    params.set("X-Amz-Signature", this.sign(path, params));
    return `${this.origin}${path}?${params.toString()}`;
  }

  private sign(path: string, params: URLSearchParams): string {
    const fields = ["X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires"].map((k) => params.get(k) ?? "");
    return createHmac("sha256", this.key)
      .update([path, ...fields].join("\n"))
      .digest("hex");
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const entry: DownloadLogEntry = {
      t: performance.now(),
      method: (req.method ?? "GET").toUpperCase(),
      url: req.url ?? "/",
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [
          k.toLowerCase(),
          Array.isArray(v) ? v.join(", ") : String(v),
        ]),
      ),
      status: 0,
    };
    this.log.push(entry);
    const send = (status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { "content-length": String(Buffer.byteLength(body)), ...headers });
      res.end(entry.method === "HEAD" ? undefined : body);
    };
    const xml = { "content-type": "application/xml" };
    req.resume();
    if (entry.method !== "GET" && entry.method !== "HEAD") {
      send(405, s3Error("MethodNotAllowed", "The specified method is not allowed against this resource."), {
        ...xml,
        allow: "GET, HEAD",
      });
      return;
    }
    const url = new URL(entry.url, "http://store.invalid");
    const params = url.searchParams;
    const signature = params.get("X-Amz-Signature") ?? "";
    const expected = this.sign(url.pathname, params);
    if (
      signature.length !== expected.length ||
      !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
    ) {
      send(
        403,
        s3Error(
          "SignatureDoesNotMatch",
          "The request signature we calculated does not match the signature you provided.",
        ),
        xml,
      );
      return;
    }
    const signedAt = parseAmzDate(params.get("X-Amz-Date") ?? "");
    const expires = Number(params.get("X-Amz-Expires"));
    if (
      signedAt === undefined ||
      !Number.isFinite(expires) ||
      this.state.clock.now() > signedAt + expires * 1000
    ) {
      send(403, s3Error("AccessDenied", "Request has expired"), xml);
      return;
    }
    const [, , projectId, dataId] = url.pathname.split("/");
    const d = dataId ? this.state.data.get(decodeURIComponent(dataId)) : undefined;
    if (!d || d.projectId !== projectId || d.dataType !== "FILE") {
      send(404, s3Error("NoSuchKey", "The specified key does not exist."), xml);
      return;
    }
    const body = objectBody(d);
    const common = {
      "content-type": contentTypeOf(d),
      "accept-ranges": "bytes",
      etag: `"${d.objectETag ?? d.id}"`,
      "last-modified": new Date(Date.parse(d.timeModified)).toUTCString(),
    };
    const range = req.headers.range;
    if (range === undefined) {
      send(200, body, common);
      return;
    }
    const r = parseRange(range, body.length);
    if (r === "ignore") {
      send(200, body, common);
      return;
    }
    if (r === undefined) {
      send(416, s3Error("InvalidRange", "The requested range is not satisfiable"), {
        ...xml,
        "content-range": `bytes */${body.length}`,
      });
      return;
    }
    send(206, body.subarray(r.start, r.end + 1), {
      ...common,
      "content-range": `bytes ${r.start}-${r.end}/${body.length}`,
    });
  }
}

function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** One byte range (RFC 9110); "ignore" for syntax S3 ignores (multiple ranges, other units). */
function parseRange(header: string, size: number): { start: number; end: number } | "ignore" | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return "ignore";
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return undefined;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return undefined;
  return { start, end };
}

function objectBody(d: DataRecord): Buffer {
  if (d.content !== undefined) return Buffer.from(d.content, "utf8");
  const size = Math.min(d.fileSizeInBytes ?? 0, PLACEHOLDER_MAX_BYTES);
  const line = `ica sandbox placeholder content of ${d.name} (${d.fileSizeInBytes ?? 0} bytes in ICA)\n`;
  return Buffer.from(line.repeat(Math.ceil(size / line.length) || 0).slice(0, size), "utf8");
}

function contentTypeOf(d: DataRecord): string {
  if (d.content !== undefined) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

export const downloadRoutes: RouteDef[] = [
  {
    method: "POST",
    path: "/api/projects/{projectId}/data/{dataId}:createDownloadUrl",
    operationId: "createDownloadUrlForData",
    produces: ["v3"],
    handler(ctx) {
      const { projectId, dataId } = ctx.params as { projectId: string; dataId: string };
      if (!ctx.state.projects.get(projectId)) {
        throw new ProblemError(404, "Not Found", `No project with id '${projectId}' exists`, { projectId });
      }
      const d = ctx.state.data.get(dataId);
      if (!d || d.projectId !== projectId) {
        throw new ProblemError(
          404,
          "Not Found",
          `No data with id '${dataId}' exists in project '${projectId}'`,
          {
            dataId,
          },
        );
      }
      if (d.dataType === "FOLDER") {
        throw new ProblemError(
          400,
          "Bad Request",
          `'${d.name}' is a folder: download URLs are not applicable for folders; request one per file`,
          { dataId, dataType: "FOLDER" },
        );
      }
      if (d.status !== "AVAILABLE") {
        throw new ProblemError(
          400,
          "Bad Request",
          `'${d.name}' cannot be downloaded while its status is ${d.status}${d.status === "ARCHIVED" ? "; unarchive it first" : ""}`,
          { dataId, status: d.status },
        );
      }
      const downloads = ctx.services.downloads;
      if (!downloads) throw new Error("the download store is not running");
      return ctx.json(200, { url: downloads.presign(d) });
    },
  },
];

/**
 * A fake ICA on 127.0.0.1 whose every answer is drawn from ICA's OpenAPI document by `SpecSampler`.
 *
 * It routes by the document's paths and operations: a request for an operation gets that operation's first
 * 2xx response, in the media type the request accepts, with a body sampled from the response schema. It
 * also answers the token endpoints (a JWT the client can read), the OpenAPI document itself (for the API
 * catalogue) and `/presigned/...` (the target of sampled download URLs, so nothing leaves the machine).
 *
 * Reproducible: `reset(seed)` starts a run; each body is a function of that seed and of the request
 * (method, path, query, and how often that same request was made in the run), not of arrival order, so
 * concurrent requests get the same answers in every run with the same seed.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { buildRoutes, matchRoute } from "./openapi/router.js";
import { SpecSampler } from "./spec-sampler.js";

export interface ServedAnswer {
  operationId: string;
  method: string;
  path: string;
  status: number;
  body: unknown;
}

export interface SpecIca {
  /** The client's base URL, e.g. http://127.0.0.1:PORT/ica/rest */
  url: string;
  /** Everything answered since the last reset (bodies as sent). */
  served: ServedAnswer[];
  /** Text bodies served for presigned URLs since the last reset. */
  downloads: string[];
  /** Requests for which the document has no operation (a client bug, or a gap in the fake). */
  unmatched: string[];
  reset(seed: number): void;
  /** Answers `operationId` with exactly `body` (instead of a sample) until the next reset. */
  answer(operationId: string, body: unknown): void;
  close(): Promise<void>;
}

export interface SpecIcaOptions {
  /** The parsed OpenAPI document. */
  document: Record<string, any>;
  /** The YAML text served as the document (for the API catalogue); omitted: 404. */
  yamlFile?: string;
  /**
   * Cursor pages of one operation after which `nextPageToken` is answered as null. Sampled tokens never
   * stop, and an auto-pager's page bound is not what this level tests.
   */
  pagesPerOperation?: number;
}

const PREFIX = "/ica/rest";
const CATALOGUE_PATH = "/ica/api/swagger/openapi_public.yaml";
const PRESIGNED = "/presigned/";

function jwt(): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return `${part({ alg: "none", typ: "JWT" })}.${part({ sub: "spec-ica", exp })}.c3BlYy1pY2Etc2lnbmF0dXJl`;
}

function seedOf(...parts: (string | number)[]): number {
  return createHash("sha256").update(parts.join("\u0000")).digest().readInt32LE(0);
}

function firstSuccess(op: any): { status: number; content?: Record<string, any> } | undefined {
  const codes = Object.keys(op.responses ?? {})
    .filter((c) => /^2\d\d$/.test(c))
    .sort();
  const code = codes[0];
  return code ? { status: Number(code), content: op.responses[code].content } : undefined;
}

function chooseMediaType(content: Record<string, any>, accept: string | undefined): string | undefined {
  const offered = Object.keys(content);
  const wanted = (accept ?? "")
    .split(",")
    .map((s) => s.split(";")[0]!.trim().toLowerCase())
    .filter(Boolean);
  return offered.find((m) => wanted.includes(m.toLowerCase())) ?? offered[0];
}

async function readBody(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // drained: request bodies do not shape the answers
  }
}

export async function startSpecIca(options: SpecIcaOptions): Promise<SpecIca> {
  const { document } = options;
  const routes = buildRoutes(document.paths ?? {});
  const pageLimit = options.pagesPerOperation ?? 3;
  let origin = "";
  let runSeed = 0;
  let counts = new Map<string, number>();
  let fixed = new Map<string, unknown>();
  const state = { served: [] as ServedAnswer[], downloads: [] as string[], unmatched: [] as string[] };

  const presignedUrl = fc
    .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.integer({ min: 1, max: 604_800 }))
    .map(([name, expires]) => `${origin}${PRESIGNED}${name}.log?X-Amz-Expires=${expires}&X-Amz-Signature=s`);
  const sampler = new SpecSampler(document, {
    stringFor: ({ property, format }) => {
      if (format === "uri" || format === "url") return presignedUrl;
      // Download and external-data URLs are plain strings in the document: real URLs and non-URLs alike.
      if (property === "url") return fc.oneof(presignedUrl, fc.string({ maxLength: 12 }));
      return undefined;
    },
  });

  const send = (res: ServerResponse, status: number, type: string | undefined, body?: string) => {
    res.statusCode = status;
    if (type) res.setHeader("content-type", type);
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    await readBody(req);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toLowerCase();
    if (url.pathname === CATALOGUE_PATH && options.yamlFile) {
      return send(res, 200, "application/yaml", readFileSync(options.yamlFile, "utf8"));
    }
    if (url.pathname.startsWith(PRESIGNED)) {
      const text = `log of ${url.pathname.slice(PRESIGNED.length)}\nline 2\n`;
      state.downloads.push(text);
      return send(res, 200, "text/plain", text);
    }
    if (!url.pathname.startsWith(`${PREFIX}/api/`)) return send(res, 404, "text/plain", "not found");
    const path = url.pathname.slice(PREFIX.length);
    if (method === "post" && (path === "/api/tokens" || path === "/api/tokens:refresh")) {
      return send(res, 200, "application/vnd.illumina.v3+json", JSON.stringify({ token: jwt() }));
    }
    const match = matchRoute(routes, path);
    const op = match?.route.pathItem[method];
    const success = op ? firstSuccess(op) : undefined;
    if (!op || !success) {
      state.unmatched.push(`${method.toUpperCase()} ${path}`);
      const problem = { type: "about:blank", title: "Not Found", status: 404, detail: "no such operation" };
      return send(res, 404, "application/problem+json", JSON.stringify(problem));
    }
    const operationId = String(op.operationId ?? `${method} ${match!.route.template}`);
    const mediaType = success.content ? chooseMediaType(success.content, req.headers.accept) : undefined;
    const schema = mediaType ? success.content![mediaType]?.schema : undefined;
    if (!mediaType || !schema || success.status === 204) {
      state.served.push({ operationId, method, path, status: success.status, body: undefined });
      return send(res, success.status, undefined);
    }
    const query = [...url.searchParams.entries()].sort().map(([k, v]) => `${k}=${v}`);
    const key = `${method} ${path}?${query.join("&")}`;
    const seen = counts.get(key) ?? 0;
    counts.set(key, seen + 1);
    let body = fixed.has(operationId)
      ? fixed.get(operationId)
      : sampler.sample(schema, seedOf(runSeed, key, seen));
    const pageKey = `page ${operationId}`;
    const pages = (counts.get(pageKey) ?? 0) + 1;
    counts.set(pageKey, pages);
    if (pages >= pageLimit && typeof body === "object" && body !== null && "nextPageToken" in body) {
      body = { ...body, nextPageToken: null };
    }
    state.served.push({ operationId, method, path, status: success.status, body });
    return send(res, success.status, mediaType, JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      state.unmatched.push(`fake ICA failed: ${String(err)}`);
      if (!res.headersSent) send(res, 500, "text/plain", "fake ICA failed");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}${PREFIX}`,
    get served() {
      return state.served;
    },
    get downloads() {
      return state.downloads;
    },
    get unmatched() {
      return state.unmatched;
    },
    reset(seed: number) {
      runSeed = seed;
      counts = new Map();
      fixed = new Map();
      state.served = [];
      state.downloads = [];
      state.unmatched = [];
    },
    answer(operationId: string, body: unknown) {
      fixed.set(operationId, body);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

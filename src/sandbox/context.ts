import type { IncomingHttpHeaders } from "node:http";
import type { AuthService } from "./auth.js";
import type { IdempotencyStore } from "./idempotency.js";
import type { ConsumedType, MediaVersion } from "./media.js";
import type { Page, PaginateOptions } from "./paging.js";
import type { OpenApiDocumentSource } from "./routes/openapi.js";
import type { DataRecord, SandboxState } from "./state.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** What a handler returns; the framework serialises, gzips, records and sends it. */
export interface Reply {
  status: number;
  /** JSON-serialised when present. */
  body?: unknown;
  /** Sent as is instead of `body` (e.g. octet-stream downloads). */
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Who is calling. Every API key and the Basic user map to the sandbox's default user. */
export interface Principal {
  userId: string;
  tenantId: string;
  tenantName: string;
  /** How this request authenticated. */
  scheme: "apikey" | "jwt";
  /** For JWTs: how the token was minted (ICA refuses to refresh API-key tokens). */
  tokenSource?: "apikey" | "basic";
  jti?: string;
}

/** Sandbox-wide services handlers may need beyond the state. */
export interface SandboxServices {
  auth: AuthService;
  idempotency: IdempotencyStore;
  defaultPageSize: number;
  maxPageSize: number;
  /** The object store behind presigned download URLs (routes/downloads.ts); a second loopback listener. */
  downloads?: { presign(d: DataRecord, ttlSeconds?: number): string };
  /** The OpenAPI document published at /ica/api/swagger/openapi_public.yaml (routes/openapi.ts). */
  openapiDocument?: OpenApiDocumentSource;
}

export interface RequestContext {
  readonly method: string;
  /** Path below the base path, e.g. "/api/projects/abc". */
  readonly path: string;
  readonly operationId: string;
  /** Decoded path parameters. */
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when empty); the raw text for form/multipart bodies. */
  readonly body: unknown;
  readonly rawBody: string;
  /** Base media type of the request body, lower-cased, if any. */
  readonly contentType: string | undefined;
  /** The negotiated response version. */
  readonly version: MediaVersion;
  /** Undefined only on routes declared with `auth: false`. */
  readonly principal: Principal | undefined;
  readonly state: SandboxState;
  readonly services: SandboxServices;
  /** A success reply in the negotiated vendor media type. */
  json(status: number, body: unknown, headers?: Record<string, string>): Reply;
  problem(status: number, title: string, detail?: string, parameters?: Record<string, string>): Reply;
  noContent(headers?: Record<string, string>): Reply;
  /** paginate() with this request's query and the sandbox's page-size settings. */
  paginate<T>(
    items: readonly T[],
    options?: Omit<PaginateOptions<T>, "defaultPageSize" | "maxPageSize">,
  ): Page<T>;
}

export interface RouteDef {
  method: HttpMethod;
  /** Template below the base path with {param} segments and colon actions, e.g. "/api/tokens:refresh". */
  path: string;
  operationId: string;
  /** Response versions in preference order; empty for routes without a JSON body (204s). */
  produces: MediaVersion[];
  /** Accepted request body types; omitted for routes that take no body (any body is then ignored). */
  consumes?: ConsumedType[];
  /** Default true: X-API-Key or Bearer JWT required. */
  auth?: boolean;
  handler(ctx: RequestContext): Reply | Promise<Reply>;
}

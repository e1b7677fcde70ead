/**
 * The embedded ICA sandbox: an independent, in-memory implementation of the parts of ICA's REST API the MCP
 * server uses, served over real HTTP. It imports nothing from src/ica, src/tools or src/mcp.
 */
import { AuthService } from "./auth.js";
import { describeRoutes } from "./catalogue.js";
import type { RouteDef, SandboxServices } from "./context.js";
import type { Exchange } from "./exchange.js";
import { FaultController } from "./faults.js";
import { BASE_PATH, type RequestLogEntry, SandboxServer } from "./http.js";
import { IdempotencyStore } from "./idempotency.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./paging.js";
import { Router } from "./router.js";
import { type DownloadLogEntry, DownloadService } from "./routes/downloads.js";
import { allRoutes } from "./routes/index.js";
import { OpenApiDocumentSource } from "./routes/openapi.js";
import { type SeedSummary, seedState } from "./seed/index.js";
import { SandboxState } from "./state.js";

export interface SandboxOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Seed of the deterministic world; default 1. */
  seed?: number;
  /** Accepted X-API-Key values; default ["sandbox-api-key"]. */
  apiKeys?: string[];
  /**
   * The user (by e-mail) each API key of `apiKeys` authenticates as; keys not listed authenticate as the default
   * user (sandbox@example.com). Lets tests tell several identities apart.
   */
  apiKeyUsers?: Record<string, string>;
  /** JWT lifetime in seconds; default 3600. */
  tokenTtlSeconds?: number;
  /** Page size when a paged request has no pageSize; default 100. */
  defaultPageSize?: number;
  /** Larger pageSize values are clamped to this; default 1000. */
  maxPageSize?: number;
  /** Record every request/response pair in `exchanges`; default false. */
  record?: boolean;
  /** An OpenAPI document (YAML) to publish at /ica/api/swagger/openapi_public.yaml; without it that path is a 404. */
  openapiPath?: string;
  /**
   * Without a readable openapiPath, publish the sandbox's own description of the operations it implements
   * (catalogue.ts) instead of answering 404; default false.
   */
  describeRoutes?: boolean;
  /** Routes served in addition to the built-in ones (framework tests, experiments); same rules apply. */
  extraRoutes?: RouteDef[];
}

export interface Sandbox {
  /** The client's base URL, e.g. "http://127.0.0.1:PORT/ica/rest". */
  url: string;
  /** "http://127.0.0.1:PORT". */
  origin: string;
  state: SandboxState;
  faults: FaultController;
  /** Every request/response pair, when started with record: true. */
  exchanges: Exchange[];
  /** Every request (always recorded); `t` is performance.now() in ms. */
  requestLog: RequestLogEntry[];
  apiKeys: string[];
  /** Ids of the seeded tenant objects (projects, pipelines, users, regions, storages) by key. */
  seed: SeedSummary;
  /** Origin of the second listener that serves presigned download URLs (another origin, like S3). */
  downloadOrigin: string;
  /** Every request the download store received, with its headers (no ICA credentials may ever appear). */
  downloads: DownloadLogEntry[];
  /** Idempotency-Key store; `hold()` keeps a create "in progress" (ICA's 409 for a repeat) until released. */
  idempotency: IdempotencyStore;
  /** Closes the server and destroys open sockets (hanging requests included). */
  close(): Promise<void>;
}

export const DEFAULT_API_KEY = "sandbox-api-key";

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? "127.0.0.1";
  const apiKeys = [...(options.apiKeys ?? [DEFAULT_API_KEY])];
  const state = new SandboxState(options.seed ?? 1);
  const seed = seedState(state);
  const keyUsers = new Map<string, string>();
  for (const [key, email] of Object.entries(options.apiKeyUsers ?? {})) {
    const user = state.users.find((u) => u.email.toLowerCase() === email.toLowerCase());
    if (!user) throw new Error(`apiKeyUsers: no seeded user has the e-mail ${email}`);
    keyUsers.set(key, user.id);
  }
  const auth = new AuthService(state, apiKeys, options.tokenTtlSeconds ?? 3600, keyUsers);
  const downloads = new DownloadService(state);
  await downloads.listen(host);
  const idempotency = new IdempotencyStore();
  const services: SandboxServices = {
    auth,
    downloads,
    idempotency,
    defaultPageSize: options.defaultPageSize ?? DEFAULT_PAGE_SIZE,
    maxPageSize: options.maxPageSize ?? MAX_PAGE_SIZE,
    openapiDocument: new OpenApiDocumentSource(
      options.openapiPath,
      options.describeRoutes ? () => JSON.stringify(describeRoutes(router.list()), null, 1) : undefined,
    ),
  };
  const faults = new FaultController(auth);
  const router = new Router();
  for (const route of [...allRoutes, ...(options.extraRoutes ?? [])]) router.add(route);
  const exchanges: Exchange[] = [];
  const requestLog: RequestLogEntry[] = [];
  const server = new SandboxServer({
    state,
    services,
    faults,
    router,
    record: options.record ?? false,
    exchanges,
    requestLog,
  });
  const address = await server.listen(host, options.port ?? 0).catch(async (err: unknown) => {
    await downloads.close();
    throw err;
  });
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const origin = `http://${hostForUrl}:${address.port}`;
  let closed: Promise<void> | undefined;
  return {
    url: `${origin}${BASE_PATH}`,
    origin,
    state,
    faults,
    exchanges,
    requestLog,
    apiKeys,
    seed,
    downloadOrigin: downloads.origin,
    downloads: downloads.log,
    idempotency,
    close: () => {
      idempotency.releaseAll();
      closed ??= Promise.all([server.close(), downloads.close()]).then(() => undefined);
      return closed;
    },
  };
}

export { SANDBOX_USER_EMAIL, SANDBOX_USER_PASSWORD } from "./auth.js";
export { BASE_TIME, SandboxClock } from "./clock.js";
export type { Principal, Reply, RequestContext, RouteDef } from "./context.js";
export type { Exchange } from "./exchange.js";
export type { FaultDecision, FaultHandle, FaultKind, FaultMatch, FaultRule } from "./faults.js";
export { FaultController } from "./faults.js";
export { BASE_PATH, type RequestLogEntry } from "./http.js";
export { withIdempotency } from "./idempotency.js";
export { OFFSET_ROW_LIMIT, type Page, type PaginateOptions, paginate } from "./paging.js";
export { ProblemError } from "./problem.js";
export { SEED_PROJECTS, type SeedSummary } from "./seed/index.js";
export * from "./state.js";

/**
 * The OpenAPI document the ICA instance publishes about itself (`<origin>/ica/api/swagger/openapi_public.yaml`
 * for the base URL `<origin>/ica/rest`), fetched on first use through the shared client and kept in memory for
 * the life of the process, so the catalogue always matches the user's ICA release. A failure is remembered:
 * nothing is fetched again for a minute, and every call in that minute gets the same explanation.
 */
import { log } from "../../log.js";
import type { IcaClient } from "../client.js";
import { IcaApiError, IcaAuthConfigError } from "../errors.js";
import { buildCatalogue, type Catalogue } from "./catalogue.js";
import { CatalogueUnavailableError } from "./errors.js";
import { loadAjv, loadYaml } from "./lazy-deps.js";

export { CatalogueUnavailableError };

/** After a failed fetch, nothing is fetched again for this long. */
export const CATALOGUE_RETRY_MS = 60_000;

const DOCUMENT_LABEL = "/api/swagger/openapi_public.yaml";
const ACCEPT = "application/yaml, text/yaml;q=0.9, application/x-yaml;q=0.9, text/plain;q=0.8, */*;q=0.5";

/** `<origin>/ica/rest` -> `<origin>/ica/api/swagger/openapi_public.yaml`; other base URLs use the origin's /ica. */
export function documentUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  if (/\/rest$/.test(base)) return `${base.slice(0, -"/rest".length)}/api/swagger/openapi_public.yaml`;
  return `${new URL(base).origin}/ica/api/swagger/openapi_public.yaml`;
}

interface CacheEntry {
  url: string;
  catalogue?: Catalogue;
  inFlight?: Promise<Catalogue>;
  failure?: { error: CatalogueUnavailableError; atMs: number };
}

/** One entry per client (a process normally has one). */
const cache = new WeakMap<IcaClient, CacheEntry>();

export interface CatalogueOptions {
  signal?: AbortSignal;
  /** Default CATALOGUE_RETRY_MS. */
  retryAfterMs?: number;
}

/** The catalogue of the client's ICA instance; throws CatalogueUnavailableError when it cannot be had. */
export async function getCatalogue(ica: IcaClient, opts: CatalogueOptions = {}): Promise<Catalogue> {
  let entry = cache.get(ica);
  if (!entry) {
    entry = { url: documentUrl(ica.baseUrl) };
    cache.set(ica, entry);
  }
  if (entry.catalogue) return entry.catalogue;
  if (entry.inFlight) return entry.inFlight;
  const retryAfterMs = opts.retryAfterMs ?? CATALOGUE_RETRY_MS;
  if (entry.failure) {
    const waited = Date.now() - entry.failure.atMs;
    if (waited < retryAfterMs) {
      const { reason, documentUrl: url } = entry.failure.error;
      throw new CatalogueUnavailableError(reason, url, Math.ceil((retryAfterMs - waited) / 1000));
    }
  }
  const current = entry;
  const pending = fetchCatalogue(ica, current.url, opts.signal);
  current.inFlight = pending;
  try {
    const catalogue = await pending;
    current.catalogue = catalogue;
    current.failure = undefined;
    log.info("loaded the ICA API catalogue", {
      operations: catalogue.operations.length,
      version: catalogue.version,
    });
    return catalogue;
  } catch (err) {
    // A cancelled call says nothing about the document: do not hold it against the next call.
    if (opts.signal?.aborted) throw err;
    const reason = err instanceof CatalogueUnavailableError ? err.reason : describe(err, current.url);
    const error = new CatalogueUnavailableError(reason, current.url, Math.ceil(retryAfterMs / 1000));
    current.failure = { error, atMs: Date.now() };
    log.warn("the ICA API catalogue is unavailable", { reason: error.reason });
    throw error;
  } finally {
    current.inFlight = undefined;
  }
}

function describe(err: unknown, url: string): string {
  if (err instanceof IcaApiError) {
    // The server's own words name the cause (a sandbox without a document, a gateway, a portal address).
    return err.status === 404
      ? `${new URL(url).origin} has no OpenAPI document at ${new URL(url).pathname} (404${err.detail ? `: ${err.detail}` : ""})`
      : `fetching the OpenAPI document failed with ${err.status} ${err.title}${err.detail ? `: ${err.detail}` : ""}`;
  }
  if (err instanceof IcaAuthConfigError) return `fetching the OpenAPI document failed: ${err.message}`;
  const message = err instanceof Error ? err.message : String(err);
  return `fetching the OpenAPI document failed: ${message.slice(0, 300)}`;
}

async function fetchCatalogue(ica: IcaClient, url: string, signal?: AbortSignal): Promise<Catalogue> {
  const request = {
    method: "GET" as const,
    path: DOCUMENT_LABEL,
    url,
    accept: ACCEPT,
    responseType: "text" as const,
    signal,
  };
  let text: string;
  try {
    // The document is public: no token is minted just to read it, unless ICA insists.
    text = (await ica.request<string>({ ...request, auth: false })).body;
  } catch (err) {
    if (!(err instanceof IcaApiError && (err.status === 401 || err.status === 403)) || !ica.hasCredentials) {
      throw err;
    }
    text = (await ica.request<string>(request)).body;
  }
  // yaml and Ajv (validate.ts) load with the first catalogue, not at start-up.
  const [{ parse }] = await Promise.all([loadYaml(), loadAjv()]);
  let document: unknown;
  try {
    document = parse(text, { maxAliasCount: 1000 });
  } catch (err) {
    throw new CatalogueUnavailableError(
      `the document at ${url} is not valid YAML (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`,
      url,
    );
  }
  try {
    return buildCatalogue(document);
  } catch (err) {
    throw new CatalogueUnavailableError(
      `the document at ${url} is not a usable OpenAPI document (${err instanceof Error ? err.message : String(err)})`,
      url,
    );
  }
}

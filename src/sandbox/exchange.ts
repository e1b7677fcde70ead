/** One request/response pair as seen by the sandbox; the OpenAPI contract tests validate these. */
export interface Exchange {
  method: string;
  /** Path below the base path, e.g. "/api/projects/abc" (no "/ica/rest" prefix, no query string). */
  path: string;
  /** Raw query pairs in order, repeated keys kept. */
  query: [string, string][];
  /** Lower-cased request header names. */
  requestHeaders: Record<string, string>;
  /** Parsed JSON body when the request had one (raw string when it was not JSON). */
  requestBody?: unknown;
  status: number;
  /** Lower-cased response header names. */
  responseHeaders: Record<string, string>;
  /** Parsed JSON body (after gunzip) when the response had one. */
  responseBody?: unknown;
  /** True when a fault injection produced (or altered) this response. */
  injected?: boolean;
}

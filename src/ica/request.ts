import type { QueryValue } from "./url.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";
export type MediaVersion = "v3" | "v4";
export type { QueryValue };

export interface IcaRequest {
  method: HttpMethod;
  /** Path template below the base URL, e.g. "/api/projects/{projectId}". */
  path: string;
  pathParams?: Record<string, string>;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Vendor media type version for Accept (and Content-Type when there is a body). Default v3. */
  version?: MediaVersion;
  /** "vendor" sends the same vendor type as Accept; "json" sends application/json. */
  contentType?: "vendor" | "json";
  idempotencyKey?: string;
  /** Safe to repeat after a 5xx, timeout or dropped connection. GETs always are; so is anything with an idempotency key. */
  safe?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Send no credentials (token endpoints set their own). */
  auth?: false | Record<string, string>;
  /**
   * An absolute URL on the base URL's origin to use instead of base URL + `path` (for documents outside the
   * REST API, such as the published OpenAPI document); `path` then only labels the request in logs and errors.
   */
  url?: string;
  /** Accept header instead of the vendor media type (e.g. "application/octet-stream"). */
  accept?: string;
  /** "text": a success body is returned as a UTF-8 string whatever its content type (errors are still mapped). */
  responseType?: "json" | "text";
}

export interface IcaResponse<T> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

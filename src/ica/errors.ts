/** Typed errors of the ICA client. Messages never contain credentials (they are redacted again on output). */

export type ApiErrorKind =
  | "auth"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "validation"
  | "rate_limited"
  | "server"
  | "other";

export interface RequestInfo {
  method: string;
  /** The path template, e.g. /api/projects/{projectId}; never a URL with secrets. */
  path: string;
  /** The configured base URL, for requests below it (error messages check its shape). */
  baseUrl?: string;
}

export class IcaError extends Error {
  override name = "IcaError";
}

/** ICA answered with an error status (usually an application/problem+json body). */
export class IcaApiError extends IcaError {
  override name = "IcaApiError";
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly parameters: Record<string, string>,
    readonly request: RequestInfo,
    readonly retryAfterSeconds?: number,
  ) {
    super(`ICA ${status} ${title}${detail ? `: ${detail}` : ""} (${request.method} ${request.path})`);
  }

  get kind(): ApiErrorKind {
    const s = this.status;
    if (s === 401) return "auth";
    if (s === 403) return "forbidden";
    if (s === 404) return "not_found";
    if (s === 409) return "conflict";
    if (s === 400 || s === 422) return "validation";
    if (s === 429) return "rate_limited";
    if (s >= 500) return "server";
    return "other";
  }
}

/** No credentials, or ICA refused the configured ones. `variable` names what the user should fix. */
export class IcaAuthConfigError extends IcaError {
  override name = "IcaAuthConfigError";
  constructor(
    message: string,
    readonly variable: string,
  ) {
    super(message);
  }
}

export class IcaNetworkError extends IcaError {
  override name = "IcaNetworkError";
  constructor(
    message: string,
    readonly request: RequestInfo,
    readonly code?: string,
  ) {
    super(message);
  }
}

export class IcaTimeoutError extends IcaError {
  override name = "IcaTimeoutError";
  constructor(
    readonly timeoutMs: number,
    readonly request: RequestInfo,
  ) {
    super(`ICA did not answer ${request.method} ${request.path} within ${timeoutMs} ms`);
  }
}

export class IcaAbortError extends IcaError {
  override name = "IcaAbortError";
  constructor(readonly request?: RequestInfo) {
    super("the request was cancelled");
  }
}

/** The shared rate limit could not be consulted (its Redis is unreachable): the request was not sent. */
export class IcaRateLimitUnavailableError extends IcaError {
  override name = "IcaRateLimitUnavailableError";
  constructor(
    message: string,
    readonly nextStep: string,
  ) {
    super(message);
  }
}

/** ICA (or a proxy in front of it) answered with something that is not the JSON we expected. */
export class IcaResponseError extends IcaError {
  override name = "IcaResponseError";
  constructor(
    message: string,
    readonly status: number,
    readonly request: RequestInfo,
  ) {
    super(message);
  }
}

/** A problem with the tool's arguments, found before anything was sent. Each problem says what to fix. */
export class UserInputError extends Error {
  override name = "UserInputError";
  readonly problems: string[];
  constructor(
    problems: string | string[],
    readonly hint?: string,
  ) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.join("; "));
    this.problems = list;
  }
}

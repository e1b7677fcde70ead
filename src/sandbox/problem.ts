import { randomUUID } from "node:crypto";

export const STATUS_TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function statusTitle(status: number): string {
  return STATUS_TITLES[status] ?? `HTTP ${status}`;
}

/** The spec's `Problem` schema: type/title/status/parameters/timestamp required, parameters always strings. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  parameters: Record<string, string>;
  timestamp: string;
  id: string;
}

/** Thrown anywhere below a route handler; the framework turns it into an application/problem+json reply. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly parameters: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ? `${status} ${title}: ${detail}` : `${status} ${title}`);
    this.name = "ProblemError";
  }
}

export function problemBody(
  status: number,
  title: string,
  detail: string | undefined,
  parameters: Record<string, string>,
  timestamp: string,
): ProblemBody {
  return {
    // ICA uses "about:blank" semantics: the status and title carry the meaning.
    type: "about:blank",
    title,
    status,
    ...(detail !== undefined ? { detail } : {}),
    parameters,
    timestamp,
    // Random rather than seeded: problem ids are correlation ids and must not shift the seeded PRNG stream.
    id: randomUUID(),
  };
}

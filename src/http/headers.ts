/**
 * What a team-mode request says in its headers: whose ICA credentials it carries, and how it narrows the
 * deployment's limits. Narrowing only: a header can take tools away, make the request read-only, or shrink the
 * allowed projects, never the opposite (values that would widen are ignored). Blank means unset. Every value is
 * bounded and checked; a malformed one is refused with a message that never echoes a credential.
 */
import type { IncomingHttpHeaders } from "node:http";
import { type Config, PROJECT_ID_PATTERN } from "../config.js";
import type { IdentityCredentials } from "./identities.js";

export const API_KEY_HEADER = "x-ica-api-key";
export const ACCESS_TOKEN_HEADER = "x-ica-access-token";
export const READ_ONLY_HEADER = "x-ica-read-only";
export const TOOLS_HEADER = "x-ica-tools";
export const ALLOWED_PROJECTS_HEADER = "x-ica-allowed-projects";

const MAX_KEY_CHARS = 1_024;
const MAX_TOKEN_CHARS = 16_384;
const MAX_LIST_HEADER_CHARS = 4_096;
const MAX_LIST_ENTRIES = 64;
/** API keys and JWTs: printable ASCII without spaces, commas or quotes (a doubled header arrives comma-joined). */
const CREDENTIAL = /^[A-Za-z0-9._~+/=-]+$/;

export class HeaderError extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
  }
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  const value = Array.isArray(v) ? v.join(",") : v;
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function credential(headers: IncomingHttpHeaders, name: string, max: number): string | undefined {
  const value = single(headers, name);
  if (value === undefined) return undefined;
  if (value.length > max || !CREDENTIAL.test(value)) {
    throw new HeaderError(
      400,
      `the ${headerLabel(name)} header is not a single ICA ${name === API_KEY_HEADER ? "API key" : "JWT"} (at most ${max} characters of A-Z a-z 0-9 . _ ~ + / = -)`,
    );
  }
  return value;
}

const LABELS: Record<string, string> = {
  [API_KEY_HEADER]: "X-ICA-API-Key",
  [ACCESS_TOKEN_HEADER]: "X-ICA-Access-Token",
  [TOOLS_HEADER]: "X-ICA-Tools",
  [ALLOWED_PROJECTS_HEADER]: "X-ICA-Allowed-Projects",
};
const headerLabel = (name: string) => LABELS[name] ?? name;

/** The request's own ICA credentials; a missing pair is a 401 (unless the deployment serves one identity). */
export function readCredentials(
  headers: IncomingHttpHeaders,
  shared: IdentityCredentials | undefined,
): IdentityCredentials {
  const apiKey = credential(headers, API_KEY_HEADER, MAX_KEY_CHARS);
  const accessToken = credential(headers, ACCESS_TOKEN_HEADER, MAX_TOKEN_CHARS);
  if (shared) {
    if (apiKey !== undefined || accessToken !== undefined) {
      throw new HeaderError(
        400,
        "this deployment serves one shared ICA identity (--http-shared-key): send no X-ICA-API-Key or X-ICA-Access-Token",
      );
    }
    return shared;
  }
  if (apiKey === undefined && accessToken === undefined) {
    throw new HeaderError(
      401,
      "no ICA credentials: send the user's ICA API key in the X-ICA-API-Key header (or a JWT in X-ICA-Access-Token)",
    );
  }
  return { ...(apiKey ? { apiKey } : {}), ...(accessToken ? { accessToken } : {}) };
}

export interface Narrowing {
  readOnly: boolean;
  /** Tool names the request keeps (a subset of the deployment's), or undefined for all of them. */
  tools?: string[];
  /** Projects the request may use (within the deployment's list), or undefined for the deployment's limit. */
  allowedProjects?: string[];
}

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

function list(headers: IncomingHttpHeaders, name: string): string[] | undefined {
  const value = single(headers, name);
  if (value === undefined) return undefined;
  const items = value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  if (value.length > MAX_LIST_HEADER_CHARS || items.length > MAX_LIST_ENTRIES) {
    throw new HeaderError(
      400,
      `the ${headerLabel(name)} header is too long (at most ${MAX_LIST_ENTRIES} entries, ${MAX_LIST_HEADER_CHARS} characters)`,
    );
  }
  return items;
}

/**
 * The request's limits within the deployment's: `serverTools` are the tools the deployment serves,
 * `knownTools` every tool name there is (a name outside it is a typo, refused; a known name the deployment
 * does not serve would widen, and is ignored).
 */
export function readNarrowing(
  headers: IncomingHttpHeaders,
  config: Config,
  serverTools: ReadonlySet<string>,
  knownTools: ReadonlySet<string>,
): Narrowing {
  let readOnly = config.readOnly;
  const ro = single(headers, READ_ONLY_HEADER);
  if (ro !== undefined) {
    const word = ro.toLowerCase();
    if (TRUE_WORDS.has(word)) readOnly = true;
    else if (!FALSE_WORDS.has(word)) {
      throw new HeaderError(400, "the X-ICA-Read-Only header must be true/false, 1/0, yes/no or on/off");
    }
  }
  let tools: string[] | undefined;
  const names = list(headers, TOOLS_HEADER);
  if (names !== undefined) {
    const unknown = names.filter((n) => !knownTools.has(n));
    if (unknown.length > 0) {
      throw new HeaderError(
        400,
        `the X-ICA-Tools header names unknown tools (${unknown
          .slice(0, 5)
          .map((n) => JSON.stringify(n.slice(0, 60)))
          .join(", ")}); this server offers: ${[...serverTools].join(", ")}`,
      );
    }
    tools = [...new Set(names.filter((n) => serverTools.has(n)))];
  }
  let allowedProjects: string[] | undefined;
  const projects = list(headers, ALLOWED_PROJECTS_HEADER);
  if (projects !== undefined) {
    const bad = projects.filter((p) => !PROJECT_ID_PATTERN.test(p));
    if (bad.length > 0) {
      throw new HeaderError(
        400,
        "the X-ICA-Allowed-Projects header must be comma-separated project ids (UUIDs; ica_list_projects shows them)",
      );
    }
    const ceiling = config.allowedProjects;
    allowedProjects = [...new Set(projects.filter((p) => !ceiling || ceiling.includes(p)))];
  }
  return { readOnly, ...(tools ? { tools } : {}), ...(allowedProjects ? { allowedProjects } : {}) };
}

import { UserInputError } from "./errors.js";

export type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];

/** Percent-decoding rounds applied when looking for hidden dot segments ("%2e%2e", "%252e%252e", …). */
const DECODE_ROUNDS = 3;

/** The value as a server or proxy might see it after decoding once, twice, … (stops at malformed escapes). */
function decodings(value: string): string[] {
  const out = [value];
  let current = value;
  for (let i = 0; i < DECODE_ROUNDS && current.includes("%"); i++) {
    try {
      current = decodeURIComponent(current);
    } catch {
      break;
    }
    out.push(current);
  }
  return out;
}

/** True when some "/"- or "\"-separated segment of any decoding is "." or "..". */
function hasDotSegment(value: string): boolean {
  return decodings(value).some((v) => v.split(/[/\\]/).some((s) => s === "." || s === ".."));
}

/**
 * One path parameter value, percent-encoded. Refused (an actionable UserInputError, before anything is sent):
 * empty values, dot segments in any encoding (URL normalisation would send the request to another operation),
 * and text that is not well-formed Unicode.
 */
export function encodePathParam(name: string, value: string, template: string): string {
  if (value === undefined || value === "") {
    throw new UserInputError(`path parameter ${name} is missing for ${template}`);
  }
  if (hasDotSegment(value)) {
    throw new UserInputError(
      `${name} "${value.slice(0, 80)}" is or contains a dot segment ("." or ".."), which would change the endpoint; pass the real ${name} (an id from the matching ica_list_* or ica_get_* tool)`,
    );
  }
  try {
    return encodeURIComponent(value);
  } catch {
    throw new UserInputError(
      `${name} is not well-formed text (a lone surrogate); pass the id as ICA gave it`,
    );
  }
}

export function buildPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodePathParam(name, params[name]!, template));
}

export function buildQuery(query: Record<string, QueryValue> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) search.append(key, String(v));
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A request the client refuses to send: its URL would leave ICA's origin or API base path. */
export class UnsafeRequestError extends UserInputError {
  override name = "UnsafeRequestError";
}

let lastBase: { href: string; base: URL; basePath: string } | undefined;

/** The base URL parsed once (every request of a client shares it); a URL object is never handed out. */
function parsedBase(baseUrl: string): { base: URL; basePath: string } {
  if (lastBase?.href !== baseUrl) {
    const base = new URL(baseUrl);
    lastBase = { href: baseUrl, base, basePath: base.pathname.replace(/\/+$/, "") };
  }
  return lastBase;
}

/**
 * base URL + path, checked before anything is sent: the path must start with "/", hold no dot segment, "\",
 * "?" or "#", and the parsed URL must stay on the base URL's origin and below its path. A template such as
 * "@evil.example/x" or "//evil.example/x" therefore never carries the Bearer token to another host.
 */
export function apiUrl(baseUrl: string, path: string, label: string): URL {
  const { base, basePath } = parsedBase(baseUrl);
  const refuse = (why: string) =>
    new UnsafeRequestError(
      `refusing to send ${label}: ${why}; only URLs below ${base.origin}${basePath}/ are sent`,
      "use an operation from ica_search_api as it is listed, with real ids as path parameters.",
    );
  if (!path.startsWith("/") || path.startsWith("//")) throw refuse("the path does not start with a single /");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\\?#]/.test(path) || /[\u0000-\u0020\u007f]/.test(path))
    throw refuse("the path holds \\, ?, # or control characters");
  if (hasDotSegment(path)) throw refuse("the path holds a dot segment");
  let url: URL;
  try {
    url = new URL(`${base.origin}${basePath}${path}`);
  } catch {
    throw refuse("the URL does not parse");
  }
  if (url.origin !== base.origin) throw refuse(`it would go to ${url.origin}`);
  if (!url.pathname.startsWith(`${basePath}/`) || url.username || url.password) {
    throw refuse("it would leave the API base path");
  }
  return url;
}

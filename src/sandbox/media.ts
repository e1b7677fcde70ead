import { ProblemError } from "./problem.js";

export type MediaVersion = "v3" | "v4";
/** Request body media types a route may accept ("form"/"multipart" are for later upload-style routes). */
export type ConsumedType = MediaVersion | "json" | "form" | "multipart";

export const PROBLEM_JSON = "application/problem+json";

export function vendorType(version: MediaVersion): string {
  return `application/vnd.illumina.${version}+json`;
}

const VENDOR = /^application\/vnd\.illumina\.(v\d+)\+json$/;

/** "application/vnd.illumina.v3+json; charset=utf-8" -> "application/vnd.illumina.v3+json". */
export function baseType(header: string | undefined): string | undefined {
  const t = header?.split(";")[0]?.trim().toLowerCase();
  return t ? t : undefined;
}

/** The vendor version named by a media type ("v3"), or undefined for other types. */
export function vendorVersion(type: string | undefined): string | undefined {
  return type ? VENDOR.exec(type)?.[1] : undefined;
}

/** What a request body's Content-Type is, in `consumes` terms; undefined when it is none of them. */
export function consumedType(type: string): ConsumedType | undefined {
  const v = vendorVersion(type);
  if (v === "v3" || v === "v4") return v;
  if (type === "application/json") return "json";
  if (type === "application/x-www-form-urlencoded") return "form";
  if (type === "multipart/form-data") return "multipart";
  return undefined;
}

/** Types in an Accept header that let the server pick its default version. */
const GENERIC_ACCEPT = new Set(["*/*", "application/*", "application/json"]);

/**
 * Picks the response version. A vendor version named in Accept wins when the route offers it (in Accept
 * order); `*\/*`, `application/json` or no Accept fall back to the request's vendor Content-Type version (when
 * offered) and then to the route's first version; anything else is 406.
 */
export function negotiate(
  accept: string | undefined,
  contentType: string | undefined,
  produces: readonly MediaVersion[],
): MediaVersion {
  const fallback = (): MediaVersion => {
    const fromBody = vendorVersion(contentType);
    const offered = produces.find((v) => v === fromBody);
    return offered ?? produces[0] ?? "v3";
  };
  if (produces.length === 0) return fallback();
  const types = (accept ?? "")
    .split(",")
    .map((part) => baseType(part))
    .filter((t): t is string => t !== undefined);
  if (types.length === 0) return fallback();
  for (const t of types) {
    const v = vendorVersion(t);
    const offered = produces.find((p) => p === v);
    if (offered) return offered;
  }
  if (types.some((t) => GENERIC_ACCEPT.has(t))) return fallback();
  throw new ProblemError(
    406,
    "Not Acceptable",
    `None of the requested media types (${types.join(", ")}) is available; this endpoint produces ${produces
      .map(vendorType)
      .join(", ")}`,
    { Accept: accept ?? "" },
  );
}

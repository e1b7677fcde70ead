/**
 * Secret registry and redaction. Every string that leaves the process (tool results, errors, log lines)
 * passes through `redact`, so a key, JWT or AWS secret can never be echoed back, even by accident.
 */
const secrets = new Set<string>();
const REPLACEMENT = "[REDACTED]";
// Anything shaped like a JWT (three base64url parts, header starting with {"…) is redacted even if unknown.
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g;
// Presigned URL signatures (AWS SigV4 / SigV2 query parameters) are credentials too.
const SIGNED_QUERY =
  /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=)[^&\s"']+/gi;

/** Registers a value that must never be shown. Very short values are ignored (they would mangle text). */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === "string" && value.length >= 6) secrets.add(value);
}

/** Redacts registered secrets, anything JWT-shaped and presigned-URL signatures (for logs and error texts). */
export function redact(text: string): string {
  return redactKnown(text).replace(JWT_PATTERN, REPLACEMENT).replace(SIGNED_QUERY, `$1${REPLACEMENT}`);
}

/**
 * Redacts registered secrets only. Used on successful results, where opaque ICA values (page tokens, for
 * one) must pass through intact even if they happen to look like a JWT.
 */
export function redactKnown(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REPLACEMENT);
  }
  return out;
}

/** Redacts registered secrets in every string inside a JSON-like value (returns a new value). */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redactKnown(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}

/** For tests only: the secrets registered so far in this process. */
export function registeredSecrets(): string[] {
  return [...secrets];
}

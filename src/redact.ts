/**
 * Secret registry and redaction. Every string that leaves the process (tool results, resources, prompts, errors,
 * log lines) passes through `redact` or `redactDeep`, so a key, JWT or AWS secret can never be echoed back.
 *
 * Everything here runs in time linear in the text (scanners, no backtracking patterns): a hostile argument or
 * ICA answer must not be able to stall the server. The registry is bounded, and values learned from generic
 * calls must look random (a status word under a "password" key must not hide every later FAILED).
 */
import { AsyncLocalStorage } from "node:async_hooks";

const REPLACEMENT = "[REDACTED]";

/** Registered values are kept in insertion order; the oldest go first past this many. */
export const MAX_SECRETS = 1024;
/** Shorter values are never registered (they would mangle ordinary text). */
export const MIN_SECRET_LENGTH = 6;
/** Longer values are not registered (no credential is this long; it would only cost time on every call). */
export const MAX_SECRET_LENGTH = 16_384;
/** Values learned from generic calls (`registerLikelySecret`) must be at least this long. */
export const MIN_LEARNED_LENGTH = 8;
/** A secret cut by a length limit is still redacted when at least this much of it remains at an edge. */
const MIN_EDGE = 8;
/** A partial match must cover at least this much (and 60% of the secret) to be redacted. */
const MIN_PARTIAL = 16;

/** The process's own secrets (configuration, stdio mode): registered outside any scope. */
const secrets = new Set<string>();
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * The secrets of one identity (HTTP mode: one ICA key or token). Inside `run`, registrations go to the scope and
 * redaction covers the process's secrets plus the scope's, so one identity's traffic can neither evict another's
 * secrets (each scope has its own MAX_SECRETS bound) nor see them.
 */
export class SecretScope {
  readonly secrets = new Set<string>();
  constructor() {
    liveScopes.add(this);
  }
  run<T>(fn: () => T): T {
    return scopeStorage.run(this, fn);
  }
  /** Forgets the scope (its identity left the cache). */
  dispose(): void {
    liveScopes.delete(this);
    this.secrets.clear();
  }
}

const scopeStorage = new AsyncLocalStorage<SecretScope>();
const liveScopes = new Set<SecretScope>();

function add(value: string): void {
  const set = scopeStorage.getStore()?.secrets ?? secrets;
  if (set.has(value)) return;
  set.add(value);
  if (set.size > MAX_SECRETS) {
    const oldest = set.values().next().value;
    if (oldest !== undefined) set.delete(oldest);
  }
}

/**
 * A cheap pre-check over the JSON.stringify text of a value: false only when redactDeep would change nothing
 * in it (the process's secrets and the current scope's, as redactKnown). Every match redactKnown makes (a whole secret, a head or a tail left by a cut) contains the secret's
 * first or last MIN_EDGE characters, and JSON.stringify writes those verbatim unless the secret holds a
 * character it escapes (then this answers true, and the caller walks the value).
 */
export function mayHoldSecret(json: string): boolean {
  const scope = scopeStorage.getStore();
  return edgeIn(json, secrets) || (scope !== undefined && edgeIn(json, scope.secrets));
}

function edgeIn(json: string, set: ReadonlySet<string>): boolean {
  for (const secret of set) {
    if (JSON_ESCAPED.test(secret)) return true;
    if (json.includes(secret.slice(0, MIN_EDGE)) || json.includes(secret.slice(-MIN_EDGE))) return true;
  }
  return false;
}

/**
 * Registers a value known to be a credential (configured keys, minted tokens, AWS keys given to a credentials
 * tool). Very short or absurdly long values are ignored.
 */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === "string" && value.length >= MIN_SECRET_LENGTH && value.length <= MAX_SECRET_LENGTH) {
    add(value);
  }
}

/**
 * Registers a value that sits under a secret-looking key of a generic call, only if it looks like a
 * credential: long enough, several character classes, and some randomness. Returns whether it was registered.
 */
export function registerLikelySecret(value: string): boolean {
  if (!looksRandom(value)) return false;
  add(value);
  return true;
}

/** Length, character classes (lower, upper, digits) and Shannon entropy per character; linear time. */
export function looksRandom(value: string): boolean {
  if (value.length < MIN_LEARNED_LENGTH || value.length > MAX_SECRET_LENGTH) return false;
  let lower = 0;
  let upper = 0;
  let digit = 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  if (lower + upper + digit < 2) return false;
  let entropy = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    entropy -= p * Math.log2(p);
  }
  return entropy >= 2.5;
}

/** Redacts registered secrets, anything JWT-shaped and presigned-URL signatures (for logs and error texts). */
export function redact(text: string): string {
  return maskSignedQuery(redactJwtShaped(redactKnown(text)));
}

/** Redacts first, then cuts to `max` characters (a cut first could leave most of a secret unrecognised). */
export function redactAndCut(text: string, max: number, suffix = "…"): string {
  const clean = redact(text);
  return clean.length > max ? `${clean.slice(0, max)}${suffix}` : clean;
}

/**
 * Redacts registered secrets only, plus the head or tail of one left by a cut made elsewhere (ICA cuts problem
 * details; log tails start mid-line). Used on successful results, where opaque
 * ICA values (page tokens, for one) must pass through intact even if they happen to look like a JWT.
 */
export function redactKnown(text: string): string {
  if (text.length < MIN_SECRET_LENGTH) return text;
  let out = redactWith(text, secrets);
  const scope = scopeStorage.getStore();
  if (scope) out = redactWith(out, scope.secrets);
  return out;
}

function redactWith(text: string, set: ReadonlySet<string>): string {
  let out = text;
  for (const secret of set) {
    if (out.includes(secret)) out = out.split(secret).join(REPLACEMENT);
    if (secret.length > MIN_PARTIAL) out = redactPartials(out, secret);
  }
  return out;
}

/**
 * Replaces what is left of `secret` after a cut: a long enough run matching its head (a text cut after it) or
 * its tail (a log tail starting inside it), wherever it sits. Anchored on 8-character pieces, so the cost is
 * one indexOf scan plus the secret's length per candidate.
 */
function redactPartials(text: string, secret: string): string {
  // Long enough that a shared prefix (every HS256 JWT starts alike; "sandbox-…") is never taken for a secret.
  const min = Math.max(MIN_PARTIAL, Math.ceil(secret.length * 0.6));
  const ranges: [number, number][] = [];
  const head = secret.slice(0, MIN_EDGE);
  for (let i = text.indexOf(head); i >= 0; i = text.indexOf(head, i + 1)) {
    let m = MIN_EDGE;
    while (m < secret.length && i + m < text.length && text[i + m] === secret[m]) m++;
    if (m >= min) ranges.push([i, i + m]);
  }
  const tail = secret.slice(-MIN_EDGE);
  for (let j = text.indexOf(tail); j >= 0; j = text.indexOf(tail, j + 1)) {
    const end = j + MIN_EDGE;
    let m = MIN_EDGE;
    while (m < secret.length && end - m - 1 >= 0 && text[end - m - 1] === secret[secret.length - m - 1]) m++;
    if (m >= min) ranges.push([end - m, end]);
  }
  if (ranges.length === 0) return text;
  ranges.sort((x, y) => x[0] - y[0]);
  let out = "";
  let copied = 0;
  for (const [from, to] of ranges) {
    if (to <= copied) continue;
    out += `${text.slice(copied, Math.max(from, copied))}${from >= copied ? REPLACEMENT : ""}`;
    copied = to;
  }
  return out + text.slice(copied);
}

const isBase64Url = (c: number) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95;

/**
 * Replaces what /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g would match, with a single
 * left-to-right scan over runs of base64url characters and dots (the regex backtracks quadratically on
 * "eyJeyJeyJ…").
 */
export function redactJwtShaped(text: string): string {
  if (!text.includes("eyJ")) return text;
  let out = "";
  let copied = 0;
  let i = 0;
  const n = text.length;
  // The next "eyJ" at or after the current part: only ever moves forward, so the scan stays linear.
  let next = text.indexOf("eyJ");
  while (i < n) {
    const c = text.charCodeAt(i);
    if (!isBase64Url(c) && c !== 46) {
      i++;
      continue;
    }
    // A run of [A-Za-z0-9_.-]: split it into dot-separated parts.
    const start = i;
    while (i < n && (isBase64Url(text.charCodeAt(i)) || text.charCodeAt(i) === 46)) i++;
    const parts: { from: number; to: number }[] = [];
    let p = start;
    for (let k = start; k <= i; k++) {
      if (k === i || text.charCodeAt(k) === 46) {
        parts.push({ from: p, to: k });
        p = k + 1;
      }
    }
    for (let k = 0; k + 2 < parts.length; ) {
      const first = parts[k]!;
      if (next >= 0 && next < first.from) next = text.indexOf("eyJ", first.from);
      if (next < 0) break;
      const at = next;
      const ok =
        at >= 0 &&
        at + 8 <= first.to &&
        parts[k + 1]!.to - parts[k + 1]!.from >= 5 &&
        parts[k + 2]!.to - parts[k + 2]!.from >= 5;
      if (ok) {
        out += text.slice(copied, at) + REPLACEMENT;
        copied = parts[k + 2]!.to;
        k += 3;
      } else {
        k++;
      }
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const SIGNED_PARAMS = [
  "x-amz-signature",
  "x-amz-credential",
  "x-amz-security-token",
  "signature",
  "awsaccesskeyid",
].map((name) => `${name}=`);

/** Masks the values of presigned-URL signature parameters (AWS SigV4 / SigV2) after ? or &; linear. */
export function maskSignedQuery(text: string): string {
  if (!/[?&]/.test(text)) return text;
  let out = "";
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 63 && c !== 38) continue; // ? or &
    const lower = text.slice(i + 1, i + 24).toLowerCase();
    const name = SIGNED_PARAMS.find((p) => lower.startsWith(p));
    if (!name) continue;
    const valueStart = i + 1 + name.length;
    let end = valueStart;
    while (end < text.length && !"&\"' \t\r\n".includes(text[end]!)) end++;
    if (end === valueStart) continue;
    out += text.slice(copied, valueStart) + REPLACEMENT;
    copied = end;
    i = end - 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Nesting deeper than this is not walked (JSON from ICA is shallow; this only stops a stack overflow). */
const MAX_DEPTH = 200;

/**
 * Redacts registered secrets in every string AND every object key inside a JSON-like value (returns a new
 * value). `also` adds a text transform applied to strings and keys (e.g. masking presigned signatures).
 */
export function redactDeep<T>(value: T, also?: (text: string) => string): T {
  const text = (s: string) => (also ? also(redactKnown(s)) : redactKnown(s));
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return text(v);
    if (depth > MAX_DEPTH) return "[nested too deep]";
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const key = text(k);
        // Plain assignment is much faster; a "__proto__" key must become an own property, not the prototype.
        if (key === "__proto__") {
          Object.defineProperty(out, key, {
            value: walk(x, depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else out[key] = walk(x, depth + 1);
      }
      return out;
    }
    return v;
  };
  return walk(value, 0) as T;
}

/** For tests only: the secrets registered so far in this process (every live identity scope included). */
export function registeredSecrets(): string[] {
  return [...secrets, ...[...liveScopes].flatMap((s) => [...s.secrets])];
}

/**
 * Fault injection. Rules are checked in the order they were added, before authentication, on every request
 * (POST /api/tokens included). All matching `latency` rules add up and are consumed; then the first matching
 * rule of any other kind decides the outcome. Each applied rule uses up one of its `times` (default 1).
 */
import type { AuthService } from "./auth.js";
import { pathMatchesTemplate } from "./router.js";

export interface FaultMatch {
  /** HTTP method, case-insensitive. */
  method?: string;
  /** Path below the base path: exact ("/api/projects"), a template ("/api/projects/{projectId}") or a RegExp. */
  path?: string | RegExp;
  /** The route's operationId, e.g. "getProjects". */
  operationId?: string;
}

interface FaultCommon {
  /** How many requests the rule applies to; default 1, Infinity allowed. */
  times?: number;
  match?: FaultMatch;
}

export type FaultRule =
  /** A problem+json error; Retry-After only when `retryAfter` is given (seconds or an HTTP date). */
  | (FaultCommon & { kind: "status"; status: 429 | 500 | 502 | 503 | 504; retryAfter?: number | string })
  /** The connection is destroyed before the request is read or executed. */
  | (FaultCommon & { kind: "drop" })
  /** The request executes fully, then the connection is destroyed instead of answering (lost response). */
  | (FaultCommon & { kind: "dropAfter" })
  /** Delay before processing. */
  | (FaultCommon & { kind: "latency"; ms: number })
  /** Never answer; Sandbox.close() still ends the connection. */
  | (FaultCommon & { kind: "hang" })
  /** An HTML page such as a proxy or load balancer sends (text/html), usually an error status. */
  | (FaultCommon & { kind: "html"; status: number })
  /** The request executes; the answer's body is cut to `keepBytes` (default half) mid-JSON. */
  | (FaultCommon & { kind: "truncate"; keepBytes?: number })
  /** The request executes; the JSON answer is labelled with another content type (default text/plain). */
  | (FaultCommon & { kind: "wrongType"; contentType?: string })
  /** A 200 answer with an enormous JSON body of about `bytes` bytes, instead of executing. */
  | (FaultCommon & { kind: "huge"; bytes: number });

export type FaultKind = FaultRule["kind"];

export interface FaultHandle {
  readonly rule: FaultRule;
  /** Applications left. */
  readonly remaining: number;
  /** Times applied so far. */
  readonly hits: number;
  remove(): void;
}

interface Installed {
  rule: FaultRule;
  remaining: number;
  hits: number;
}

export interface FaultDecision {
  latencyMs: number;
  /** The non-latency rule to apply, if any. */
  rule?: Exclude<FaultRule, { kind: "latency" }>;
}

export interface FaultRequest {
  method: string;
  path: string;
  operationId?: string;
}

function matches(match: FaultMatch | undefined, req: FaultRequest): boolean {
  if (!match) return true;
  if (match.method && match.method.toUpperCase() !== req.method.toUpperCase()) return false;
  if (match.operationId && match.operationId !== req.operationId) return false;
  if (match.path !== undefined) {
    if (match.path instanceof RegExp) return match.path.test(req.path);
    const wanted = match.path.startsWith("/ica/rest/") ? match.path.slice("/ica/rest".length) : match.path;
    if (wanted !== req.path && !(wanted.includes("{") && pathMatchesTemplate(wanted, req.path))) return false;
  }
  return true;
}

export class FaultController {
  private rules: Installed[] = [];
  private readonly counts: Record<FaultKind, number> = {
    status: 0,
    drop: 0,
    dropAfter: 0,
    latency: 0,
    hang: 0,
    html: 0,
    truncate: 0,
    wrongType: 0,
    huge: 0,
  };

  constructor(private readonly auth: AuthService) {}

  add(rule: FaultRule): FaultHandle {
    const times = rule.times ?? 1;
    if (!(times > 0) || (!Number.isInteger(times) && times !== Number.POSITIVE_INFINITY)) {
      throw new Error("fault times must be a positive integer or Infinity");
    }
    if (rule.kind === "latency" && !(rule.ms >= 0 && Number.isFinite(rule.ms))) {
      throw new Error("latency fault needs a finite ms >= 0");
    }
    if (rule.kind === "status" && !(rule.status >= 400 && rule.status <= 599)) {
      throw new Error("status fault needs a 4xx or 5xx status");
    }
    // HTML pages may even come with 200 (a captive portal or misrouted proxy): any status is allowed.
    if (
      rule.kind === "html" &&
      !(Number.isInteger(rule.status) && rule.status >= 200 && rule.status <= 599)
    ) {
      throw new Error("html fault needs a status from 200 to 599");
    }
    const installed: Installed = { rule, remaining: times, hits: 0 };
    this.rules.push(installed);
    return {
      rule,
      get remaining() {
        return installed.remaining;
      },
      get hits() {
        return installed.hits;
      },
      remove: () => {
        this.rules = this.rules.filter((r) => r !== installed);
      },
    };
  }

  /** Removes every rule (does not un-revoke keys or revive tokens). */
  clear(): void {
    this.rules = [];
  }

  /** Rules that still have applications left. */
  get pending(): number {
    return this.rules.length;
  }

  /** Total faults injected so far (latency included). */
  get injected(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  /** Faults injected so far, per kind. */
  get injectedByKind(): Readonly<Record<FaultKind, number>> {
    return { ...this.counts };
  }

  /** Every JWT issued so far is rejected with 401 from now on (new ones can be minted). */
  expireTokens(): void {
    this.auth.expireTokens();
  }

  /** The key is rejected with 401 from now on (JWTs already minted from it stay valid until they expire). */
  revokeApiKey(key: string): void {
    this.auth.revokeApiKey(key);
  }

  /** Consumes the rules that apply to this request. */
  take(req: FaultRequest): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const installed of this.rules) {
      if (installed.remaining <= 0 || !matches(installed.rule.match, req)) continue;
      const rule = installed.rule;
      if (rule.kind === "latency") {
        decision.latencyMs += rule.ms;
      } else if (decision.rule) {
        continue;
      } else {
        decision.rule = rule;
      }
      installed.remaining -= 1;
      installed.hits += 1;
      this.counts[rule.kind] += 1;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return decision;
  }
}

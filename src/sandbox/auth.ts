import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Principal } from "./context.js";
import { ProblemError } from "./problem.js";
import type { SandboxState, UserRecord } from "./state.js";

/** Payload of the sandbox's JWTs (HS256). `src` records how the token was minted. */
export interface JwtClaims {
  sub: string;
  tid: string;
  tenant: string;
  iat: number;
  exp: number;
  src: "apikey" | "basic";
  jti: string;
}

export const SANDBOX_USER_EMAIL = "sandbox@example.com";
export const SANDBOX_USER_PASSWORD = "sandbox-password";

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison is constant-time whatever the lengths.
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * API keys, Basic credentials and JWTs. JWT `iat`/`exp` follow the wall clock (plus clock.advance()), not the
 * sandbox's 2026-11-01 world clock, because clients compare `exp` with their own clock to renew early.
 */
export class AuthService {
  private readonly secret = randomBytes(32);
  /** jti of every token still honoured; expireTokens() empties it. */
  private readonly live = new Set<string>();
  private readonly revoked = new Set<string>();

  constructor(
    private readonly state: SandboxState,
    readonly apiKeys: readonly string[],
    readonly ttlSeconds: number,
    /** The user each API key belongs to (by user id); keys not listed belong to the default user. */
    private readonly keyUsers: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** The user an API key authenticates as. */
  userForKey(key: string): string {
    return this.keyUsers.get(key) ?? this.state.defaultUserId;
  }

  /** Who a request authenticates as, without judging it (for the request log); undefined when unknown. */
  identify(headers: IncomingHttpHeaders): string | undefined {
    const bearer = /^Bearer\s+(\S+)$/i.exec(header(headers, "authorization") ?? "");
    if (bearer) {
      const result = this.verify(bearer[1]!);
      return "claims" in result ? result.claims.sub : undefined;
    }
    const apiKey = header(headers, "x-api-key");
    return apiKey !== undefined && this.isValidApiKey(apiKey) ? this.userForKey(apiKey) : undefined;
  }

  nowSeconds(): number {
    return Math.floor((Date.now() + this.state.clock.advancedMs) / 1000);
  }

  isValidApiKey(key: string): boolean {
    return this.apiKeys.some((k) => sameSecret(k, key)) && !this.revoked.has(key);
  }

  revokeApiKey(key: string): void {
    this.revoked.add(key);
  }

  /** Every JWT issued so far stops working (401), as if the tenant had rotated its signing key. */
  expireTokens(): void {
    this.live.clear();
  }

  /** The user for a `Basic base64(email:password)` header, or undefined. */
  basicUser(authorization: string | undefined): UserRecord | undefined {
    const m = /^Basic\s+(\S+)$/i.exec(authorization ?? "");
    if (!m) return undefined;
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    const email = decoded.slice(0, colon).toLowerCase();
    const password = decoded.slice(colon + 1);
    const user = this.state.users.find((u) => u.email.toLowerCase() === email);
    return user?.password !== undefined && sameSecret(user.password, password) ? user : undefined;
  }

  issue(userId: string, src: "apikey" | "basic"): string {
    const iat = this.nowSeconds();
    const claims: JwtClaims = {
      sub: userId,
      tid: this.state.tenant.id,
      tenant: this.state.tenant.name,
      iat,
      exp: iat + this.ttlSeconds,
      src,
      jti: randomUUID(),
    };
    this.live.add(claims.jti);
    const signingInput = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
    return `${signingInput}.${this.sign(signingInput)}`;
  }

  private sign(input: string): string {
    return createHmac("sha256", this.secret).update(input).digest("base64url");
  }

  /** Claims of a valid token, or the reason it is not valid. */
  verify(token: string): { claims: JwtClaims } | { error: string } {
    const parts = token.split(".");
    if (parts.length !== 3) return { error: "The bearer token is not a JWT" };
    const [h, p, sig] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(`${h}.${p}`));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { error: "The JWT signature is not valid" };
    }
    let claims: JwtClaims;
    try {
      claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as JwtClaims;
    } catch {
      return { error: "The JWT payload is not readable" };
    }
    if (typeof claims.exp !== "number" || claims.exp <= this.nowSeconds())
      return { error: "The JWT has expired" };
    if (!this.live.has(claims.jti)) return { error: "The JWT is no longer valid" };
    return { claims };
  }

  principal(userId: string, scheme: "apikey" | "jwt", claims?: JwtClaims): Principal {
    return {
      userId,
      tenantId: this.state.tenant.id,
      tenantName: this.state.tenant.name,
      scheme,
      ...(claims ? { tokenSource: claims.src, jti: claims.jti } : {}),
    };
  }

  /**
   * The global security of ICA's API: a Bearer JWT or an X-API-Key (either one valid is enough).
   * Throws a 401 problem otherwise.
   */
  authenticate(headers: IncomingHttpHeaders): Principal {
    const authorization = header(headers, "authorization");
    const apiKey = header(headers, "x-api-key");
    let reason = "No credentials: send an X-API-Key header or Authorization: Bearer <JWT>";
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (bearer) {
      const result = this.verify(bearer[1]!);
      if ("claims" in result) return this.principal(result.claims.sub, "jwt", result.claims);
      reason = result.error;
    } else if (authorization) {
      reason =
        "Only Bearer JWTs are accepted in the Authorization header (Basic works on POST /api/tokens only)";
    }
    if (apiKey !== undefined) {
      if (this.isValidApiKey(apiKey)) return this.principal(this.userForKey(apiKey), "apikey");
      reason = "The API key is not valid";
    }
    throw new ProblemError(401, "Unauthorized", reason);
  }
}

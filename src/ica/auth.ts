import { log } from "../log.js";
import { registerSecret } from "../redact.js";
import { IcaApiError, IcaAuthConfigError } from "./errors.js";
import { jwtExpiry } from "./jwt.js";

/** Mints a JWT from the API key (POST /api/tokens) or refreshes one (POST /api/tokens:refresh). */
export interface TokenEndpoints {
  mint(apiKey: string, tenant: string | undefined, signal?: AbortSignal): Promise<string>;
  refresh(token: string, signal?: AbortSignal): Promise<string>;
}

/** Renew this long before `exp`, so a request never leaves with a token that expires in flight. */
const EARLY_RENEWAL_MS = 60_000;
/** A token without a readable `exp` is trusted this long before minting again. */
const UNKNOWN_EXPIRY_MS = 10 * 60_000;

export interface AuthOptions {
  apiKey?: string;
  accessToken?: string;
  tenant?: string;
  now?: () => number;
}

/**
 * Holds the current credentials. With an API key it caches the minted JWT until shortly before `exp` and
 * shares one in-flight mint between concurrent callers. With a given token it uses it directly, refreshes it
 * before `exp` where ICA allows, and falls back to the key when the token is rejected.
 */
export class TokenManager {
  private jwt?: { token: string; renewAt: number; minted: boolean };
  private pending?: Promise<string>;
  private refreshRefused = false;
  private givenTokenRejected = false;
  private readonly now: () => number;

  constructor(
    private readonly options: AuthOptions,
    private readonly endpoints: TokenEndpoints,
  ) {
    this.now = options.now ?? Date.now;
    if (options.accessToken) {
      registerSecret(options.accessToken);
      this.jwt = { token: options.accessToken, renewAt: this.renewAt(options.accessToken), minted: false };
    }
  }

  get configured(): boolean {
    return Boolean(this.options.apiKey || this.options.accessToken);
  }

  /** The variable a user should fix when ICA refuses our credentials. */
  get variable(): string {
    if (this.options.apiKey && (!this.options.accessToken || this.givenTokenRejected)) return "ICA_API_KEY";
    return "ICA_ACCESS_TOKEN";
  }

  /** Headers for the next request; mints or refreshes first when needed. */
  async headers(signal?: AbortSignal): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.token(signal)}` };
  }

  /** Forgets a token ICA rejected (401). Returns true when another attempt can use different credentials. */
  invalidate(rejectedAuthorization: string | undefined): boolean {
    const rejected = rejectedAuthorization?.replace(/^Bearer /, "");
    if (this.jwt && rejected && this.jwt.token !== rejected) return true; // someone already renewed it
    if (this.jwt && !this.jwt.minted) this.givenTokenRejected = true;
    this.jwt = undefined;
    return Boolean(this.options.apiKey);
  }

  private renewAt(token: string): number {
    const exp = jwtExpiry(token);
    if (exp === undefined) return this.now() + UNKNOWN_EXPIRY_MS;
    // Short-lived tokens renew at 80% of their remaining life, so a fresh token is never "due" at once.
    const remaining = exp * 1000 - this.now();
    return exp * 1000 - Math.min(EARLY_RENEWAL_MS, Math.max(0, remaining) / 5);
  }

  private async token(signal?: AbortSignal): Promise<string> {
    const current = this.jwt;
    if (current && this.now() < current.renewAt) return current.token;
    if (this.pending) return this.pending;
    this.pending = this.renew(current, signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async renew(
    current: { token: string; minted: boolean } | undefined,
    signal?: AbortSignal,
  ): Promise<string> {
    // A given (not minted) token close to expiry: try to extend it, once it is known ICA allows that.
    if (current && !current.minted && !this.refreshRefused) {
      try {
        const token = await this.endpoints.refresh(current.token, signal);
        return this.store(token, false);
      } catch (err) {
        this.refreshRefused = true;
        log.warn("could not refresh ICA_ACCESS_TOKEN; it is used until ICA rejects it", {
          reason: err instanceof Error ? err.message : String(err),
        });
        if (!this.options.apiKey) {
          this.jwt = { token: current.token, renewAt: Number.POSITIVE_INFINITY, minted: false };
          return current.token;
        }
      }
    }
    if (!this.options.apiKey) {
      if (current && !current.minted && !this.givenTokenRejected) {
        this.jwt = { token: current.token, renewAt: Number.POSITIVE_INFINITY, minted: false };
        return current.token;
      }
      throw new IcaAuthConfigError(
        this.givenTokenRejected
          ? "ICA rejected ICA_ACCESS_TOKEN (expired or revoked) and no ICA_API_KEY is set to mint a new one"
          : "no ICA credentials are configured",
        "ICA_ACCESS_TOKEN",
      );
    }
    try {
      const token = await this.endpoints.mint(this.options.apiKey, this.options.tenant, signal);
      log.debug("minted a JWT from the API key");
      return this.store(token, true);
    } catch (err) {
      if (err instanceof IcaApiError && (err.status === 401 || err.status === 403)) {
        const tenantNote = this.options.tenant ? ` for tenant "${this.options.tenant}" (ICA_TENANT)` : "";
        throw new IcaAuthConfigError(
          `ICA refused the API key${tenantNote} (${err.status} ${err.title}${err.detail ? `: ${err.detail}` : ""})`,
          err.status === 403 && this.options.tenant ? "ICA_TENANT" : "ICA_API_KEY",
        );
      }
      throw err;
    }
  }

  private store(token: string, minted: boolean): string {
    registerSecret(token);
    this.jwt = { token, renewAt: this.renewAt(token), minted };
    return token;
  }
}

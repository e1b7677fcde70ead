import { linkSignals } from "../abort.js";
import { log } from "../log.js";
import { registerSecret } from "../redact.js";
import { IcaAbortError, IcaApiError, IcaAuthConfigError, IcaTimeoutError } from "./errors.js";
import { jwtExpiry } from "./jwt.js";

/** Mints a JWT from the API key (POST /api/tokens) or refreshes one (POST /api/tokens:refresh). */
export interface TokenEndpoints {
  mint(apiKey: string, tenant: string | undefined, signal: AbortSignal): Promise<string>;
  refresh(token: string, signal: AbortSignal): Promise<string>;
}

/** Renew this long before `exp`, so a request never leaves with a token that expires in flight. */
const EARLY_RENEWAL_MS = 60_000;
/** A token without a readable `exp` is trusted this long before minting again. */
const UNKNOWN_EXPIRY_MS = 10 * 60_000;
/** After a refresh failed for a passing reason (5xx, timeout), the given token is used this long before trying again. */
const REFRESH_RETRY_MS = 15_000;
/** A renewal flight gives up after this long unless the client says otherwise. */
const DEFAULT_RENEWAL_TIMEOUT_MS = 60_000;

export interface AuthOptions {
  apiKey?: string;
  accessToken?: string;
  tenant?: string;
  now?: () => number;
  /** Aborts a renewal in flight when the client closes. */
  closing?: AbortSignal;
  /** How long one renewal (with its retries) may take. */
  renewalTimeoutMs?: number;
}

/**
 * A clear "no" from a token endpoint: the credentials or the token cannot be used for this. 400 included,
 * because that is ICA's answer to refreshing a token minted from an API key. 5xx, 429, timeouts and network
 * errors are passing troubles, never a reason to stop renewing.
 */
function isRefusal(err: unknown): err is IcaApiError {
  return err instanceof IcaApiError && (err.status === 400 || err.status === 401 || err.status === 403);
}

/** Waits for `promise`, or rejects when `signal` aborts first (the promise itself goes on). */
function waitFor<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new IcaAbortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new IcaAbortError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Holds the current credentials. With an API key it caches the minted JWT until shortly before `exp` and
 * shares one in-flight mint between concurrent callers. With a given token it uses it directly, refreshes it
 * before `exp` where ICA allows, and falls back to the key when the token is rejected.
 *
 * A renewal runs as a single flight of its own (its own timeout, the client's close signal), never under a
 * caller's cancel signal: a caller that gives up stops waiting, the others keep the renewal.
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
    this.pending ??= this.flight(current).finally(() => {
      this.pending = undefined;
    });
    return waitFor(this.pending, signal);
  }

  /** One renewal shared by every waiting caller, under its own signal. */
  private async flight(current: { token: string; minted: boolean } | undefined): Promise<string> {
    const linked = linkSignals(
      [this.options.closing],
      this.options.renewalTimeoutMs ?? DEFAULT_RENEWAL_TIMEOUT_MS,
    );
    try {
      return await this.renew(current, linked.signal);
    } catch (err) {
      if (linked.signal.aborted && !this.options.closing?.aborted) {
        const ms = this.options.renewalTimeoutMs ?? DEFAULT_RENEWAL_TIMEOUT_MS;
        throw new IcaTimeoutError(ms, {
          method: "POST",
          path: current?.minted === false ? "/api/tokens:refresh" : "/api/tokens",
        });
      }
      throw err;
    } finally {
      linked.dispose();
    }
  }

  private async renew(
    current: { token: string; minted: boolean } | undefined,
    signal: AbortSignal,
  ): Promise<string> {
    // A given (not minted) token close to expiry: try to extend it, unless ICA said it cannot be.
    if (current && !current.minted && !this.refreshRefused) {
      try {
        const token = await this.endpoints.refresh(current.token, signal);
        return this.store(token, false);
      } catch (err) {
        const refused = isRefusal(err);
        if (refused) this.refreshRefused = true;
        log.warn(
          refused
            ? "ICA refuses to refresh ICA_ACCESS_TOKEN; it is used until ICA rejects it"
            : "could not refresh ICA_ACCESS_TOKEN this time; trying again later",
          { reason: err instanceof Error ? err.message : String(err) },
        );
        if (!this.options.apiKey) {
          const renewAt = refused ? Number.POSITIVE_INFINITY : this.now() + REFRESH_RETRY_MS;
          this.jwt = { token: current.token, renewAt, minted: false };
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

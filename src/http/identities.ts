/**
 * Team mode's identities: one entry per ICA identity (API key and/or JWT a request brings), each with its OWN
 * IcaClient (so its own minted-JWT cache, throttle budget, API catalogue and estimate caches, which are keyed by
 * the client) and its own SecretScope (the secrets its traffic registers). Nothing of one entry ever serves
 * another identity's request.
 *
 * Entries are keyed by a SHA-256 of the credentials (never the credentials themselves; the hash is never
 * logged either), bounded in number and in idle time. An entry is closed only when no request holds it; when
 * the pool is full, only an entry idle for at least MIN_IDLE_BEFORE_EVICT_MS may make room (so a busy
 * identity's throttle budget is never reset by someone else's traffic); otherwise the new request is refused.
 */
import { createHash } from "node:crypto";
import type { Config } from "../config.js";
import type { IcaClient, IcaClientOptions } from "../ica/client.js";
import { clientFromConfig } from "../ica/from-config.js";
import { registerSecret, SecretScope } from "../redact.js";

export interface IdentityCredentials {
  apiKey?: string;
  accessToken?: string;
}

/** Idle entries are closed after this long (their JWT is minted again on the next request). */
export const DEFAULT_IDENTITY_IDLE_MS = 15 * 60_000;
export const DEFAULT_MAX_IDENTITIES = 1_000;
/** A full pool makes room only from entries idle this long: well past any throttle window. */
export const MIN_IDLE_BEFORE_EVICT_MS = 60_000;

/** A stable, non-reversible name of an identity (hex SHA-256); also usable as a key in a shared store. */
export function identityId(credentials: IdentityCredentials): string {
  return createHash("sha256")
    .update(`ica-mcp-identity\0${credentials.apiKey ?? ""}\0${credentials.accessToken ?? ""}`)
    .digest("hex");
}

/**
 * THE one place an identity's ICA client is made. `extra` carries per-identity client options from
 * IdentityPoolOptions.clientOptionsFor (e.g. a shared rate limiter keyed by `id`).
 */
export function createIdentityClient(
  config: Config,
  credentials: IdentityCredentials,
  base: Partial<IcaClientOptions>,
  extra: Partial<IcaClientOptions>,
): IcaClient {
  return clientFromConfig(
    { ...config, apiKey: credentials.apiKey, accessToken: credentials.accessToken },
    { ...base, ...extra },
  );
}

export interface IdentityPoolOptions {
  config: Config;
  /** Options every identity's client gets (tests: fast retries; --sandbox: its download origin). */
  clientOptions?: Partial<IcaClientOptions>;
  /** Per-identity client options, given the identity's id (the hook for a limiter shared between replicas). */
  clientOptionsFor?: (id: string) => Partial<IcaClientOptions>;
  maxIdentities?: number;
  idleMs?: number;
  now?: () => number;
}

export interface Identity {
  readonly id: string;
  readonly client: IcaClient;
  readonly scope: SecretScope;
}

interface Entry extends Identity {
  active: number;
  lastUsed: number;
}

export interface IdentityLease {
  identity: Identity;
  /** Call once when the request is over. */
  release(): void;
}

export class IdentityPoolFullError extends Error {}

export class IdentityPool {
  private readonly entries = new Map<string, Entry>();
  private readonly max: number;
  private readonly idleMs: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: IdentityPoolOptions) {
    this.max = options.maxIdentities ?? DEFAULT_MAX_IDENTITIES;
    this.idleMs = options.idleMs ?? DEFAULT_IDENTITY_IDLE_MS;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry for these credentials (made on first use), held until `release`. */
  lease(credentials: IdentityCredentials): IdentityLease {
    if (this.closed) throw new IdentityPoolFullError("the server is shutting down");
    const id = identityId(credentials);
    const now = this.now();
    this.sweep(now);
    let entry = this.entries.get(id);
    if (entry) {
      // Most recently used last: the map's order is the eviction order.
      this.entries.delete(id);
    } else {
      if (this.entries.size >= this.max) this.makeRoom(now);
      entry = this.create(id, credentials);
    }
    this.entries.set(id, entry);
    entry.active++;
    entry.lastUsed = now;
    let released = false;
    const held = entry;
    return {
      identity: entry,
      release: () => {
        if (released) return;
        released = true;
        held.active--;
        held.lastUsed = this.now();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => this.dispose(e)));
  }

  private create(id: string, credentials: IdentityCredentials): Entry {
    const scope = new SecretScope();
    // Registered in the identity's own scope: the client registers the tokens it is given or mints there too.
    const client = scope.run(() => {
      registerSecret(credentials.apiKey);
      registerSecret(credentials.accessToken);
      return createIdentityClient(
        this.options.config,
        credentials,
        this.options.clientOptions ?? {},
        this.options.clientOptionsFor?.(id) ?? {},
      );
    });
    return { id, client, scope, active: 0, lastUsed: this.now() };
  }

  private sweep(now: number): void {
    for (const entry of [...this.entries.values()]) {
      if (entry.active === 0 && now - entry.lastUsed >= this.idleMs) {
        this.entries.delete(entry.id);
        void this.dispose(entry);
      }
    }
  }

  private makeRoom(now: number): void {
    for (const entry of this.entries.values()) {
      if (entry.active === 0 && now - entry.lastUsed >= Math.min(MIN_IDLE_BEFORE_EVICT_MS, this.idleMs)) {
        this.entries.delete(entry.id);
        void this.dispose(entry);
        return;
      }
    }
    throw new IdentityPoolFullError(
      `this server already serves ${this.max} active ICA identities; retry in a minute`,
    );
  }

  private async dispose(entry: Entry): Promise<void> {
    await entry.client.close().catch(() => {});
    entry.scope.dispose();
  }
}

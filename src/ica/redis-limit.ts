import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { log } from "../log.js";
import { registerSecret } from "../redact.js";
import { IcaRateLimitUnavailableError } from "./errors.js";
import type { RequestLimiter } from "./throttle.js";

/**
 * The rate limit of one ICA identity shared by every process that uses it (ICA_RATE_LIMIT_REDIS_URL), with the
 * property of `RequestThrottle`: a request holds a slot from the moment it is let go until `windowMs` after its
 * answer came back, so that N replicas together never put more than `limit` requests into any sliding window
 * at ICA.
 *
 * Redis keeps a sorted set per identity (key: a hash of base URL and credential, never the credential): one
 * member per slot, scored with the moment (µs, Redis's clock) the slot stops counting. A slot is taken with the
 * score "now + holdMs" (the request may be in flight that long: its timeout plus the window plus a grace, so a
 * replica that dies holding slots frees them by itself); its release moves the score to "answer + windowMs".
 * Both are small Lua scripts, atomic, and read Redis's TIME, never a replica's clock.
 *
 * Waiting: inside a process, strict FIFO, and only the head of the queue asks Redis (for as many slots as there
 * are waiters, in one script call). A denied process sleeps until a slot can be free: every release publishes on
 * the identity's channel, and the script says when the earliest slot expires; a wake-up at least every
 * `maxWaitMs` covers a lost message. Pub/sub rather than backoff: a backoff that grows favours newcomers over
 * those that waited longest, and one that does not grow is polling; here every waiting process is woken by the
 * same event and asks once, and none waits longer the longer it has waited.
 *
 * Fail closed: when Redis cannot be reached, calls fail with `IcaRateLimitUnavailableError` (nothing is sent
 * unthrottled) and work again as soon as the connection is back.
 */

/** Takes up to ARGV[3] slots; answers { granted, µs until the earliest slot stops counting (-1: none held) }. */
export const ACQUIRE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local key = KEYS[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now))
local free = tonumber(ARGV[1]) - redis.call('ZCARD', key)
local granted = 0
if free > 0 then
  granted = math.min(free, tonumber(ARGV[3]))
  local score = string.format('%.0f', now + tonumber(ARGV[2]))
  for i = 1, granted do
    redis.call('ZADD', key, score, ARGV[4] .. ':' .. i)
  end
  redis.call('PEXPIRE', key, ARGV[5])
end
local wait = -1
local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
if first[2] then wait = tonumber(first[2]) - now end
return { granted, wait }
`;

/** Moves the given slots to "now + window" (re-adding one that outlived its bound) and wakes the waiters. */
export const RELEASE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local key = KEYS[1]
local score = string.format('%.0f', now + tonumber(ARGV[1]))
for i = 3, #ARGV do
  redis.call('ZADD', key, score, ARGV[i])
end
local ttl = math.ceil(tonumber(ARGV[1]) / 1000) + 1
if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
redis.call('PUBLISH', ARGV[2], '1')
return 1
`;

type LimitRedis = Redis & {
  icaAcquire(
    key: string,
    limit: number,
    holdUs: number,
    want: number,
    prefix: string,
    ttlMs: number,
  ): Promise<[number, number]>;
  icaRelease(key: string, windowUs: number, channel: string, ...members: string[]): Promise<number>;
};

export interface RedisLimiterOptions {
  /** redis:// or rediss:// (validated by the configuration). */
  url: string;
  /** What identifies the budget: base URL and credential; only its hash reaches Redis. */
  identity: { baseUrl: string; credential: string };
  limit: number;
  /** How long a slot taken for a request that is never released counts: at least its timeout plus the window. */
  holdMs: number;
  windowMs?: number;
  /** How long a call waits for a connection that is not (yet) up before failing closed. */
  readyWaitMs?: number;
  /** A denied process asks again at least this often even if no release was announced. */
  maxWaitMs?: number;
}

const KEY_PREFIX = "ica-mcp:rl:v1:";

/** The Redis key of an identity's budget: a SHA-256 of base URL and credential (never the credential). */
export function identityKey(identity: { baseUrl: string; credential: string }): string {
  const hash = createHash("sha256")
    .update(`ica-mcp rate limit\0${identity.baseUrl.replace(/\/+$/, "")}\0${identity.credential}`)
    .digest("hex");
  return `${KEY_PREFIX}${hash}`;
}

/** The URL as it may be shown: scheme, host, port and database, never a user name or password. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}`;
  } catch {
    return "(an unparsable URL)";
  }
}

/** One connection (and, when someone waits, one subscriber) per Redis URL per process, shared by identities. */
class RedisStore {
  private static readonly stores = new Map<string, RedisStore>();
  readonly replicaId = randomBytes(6).toString("hex");
  readonly shown: string;
  private users = 0;
  private client: Promise<LimitRedis> | undefined;
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<() => void>>();
  private lastError: string | undefined;

  static for(url: string): RedisStore {
    let store = RedisStore.stores.get(url);
    if (!store) {
      store = new RedisStore(url);
      RedisStore.stores.set(url, store);
    }
    store.users++;
    return store;
  }

  private constructor(private readonly url: string) {
    this.shown = describeRedisUrl(url);
    try {
      const u = new URL(url);
      registerSecret(decodeURIComponent(u.password));
      registerSecret(u.password);
    } catch {
      // validated by the configuration
    }
  }

  /** The connection, ready; fails closed (IcaRateLimitUnavailableError) when it is not within `waitMs`. */
  async ready(waitMs: number, signal?: AbortSignal): Promise<LimitRedis> {
    let client: LimitRedis;
    try {
      this.client ??= this.connect();
      client = await this.client;
    } catch (err) {
      this.client = undefined;
      throw this.unavailable(`ioredis could not be loaded: ${(err as Error).message}`);
    }
    if (client.status === "ready") return client;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: unknown) => {
        clearTimeout(timer);
        client.off("ready", onReady);
        signal?.removeEventListener("abort", onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onReady = () => done();
      const onAbort = () => done(signal?.reason);
      const timer = setTimeout(() => done(this.unavailable(this.lastError ?? "not connected")), waitMs);
      client.once("ready", onReady);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    return client;
  }

  unavailable(reason: string): IcaRateLimitUnavailableError {
    return new IcaRateLimitUnavailableError(
      `the shared ICA rate limit is unavailable: Redis at ${this.shown} (ICA_RATE_LIMIT_REDIS_URL) did not answer (${reason}); nothing was sent to ICA`,
      "check that Redis is running and reachable from this server (and the URL, including any password, is right), then call again: calls go on as soon as Redis answers, and are never sent unthrottled.",
    );
  }

  private async connect(): Promise<LimitRedis> {
    const { Redis } = await import("./ioredis.js");
    const client = new Redis(this.url, {
      connectionName: "ica-mcp",
      // Fail at once while disconnected instead of queueing: the caller gets a clear error, not a hang.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2_000,
      commandTimeout: 2_000,
      // Reconnect for ever, at most a second apart, so calls recover as soon as Redis is back.
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1_000),
    }) as LimitRedis;
    client.defineCommand("icaAcquire", { numberOfKeys: 1, lua: ACQUIRE_LUA });
    client.defineCommand("icaRelease", { numberOfKeys: 1, lua: RELEASE_LUA });
    client.on("error", (err: Error) => {
      const reason = err.message;
      if (reason !== this.lastError) log.warn(`rate-limit Redis at ${this.shown}: ${reason}`);
      this.lastError = reason;
    });
    client.on("ready", () => {
      if (this.lastError) log.info(`rate-limit Redis at ${this.shown} is reachable again`);
      this.lastError = undefined;
    });
    return client;
  }

  /**
   * Calls `wake` on every release announced on `channel` until unsubscribed. Never awaited by a waiter: while
   * the subscriber is not connected, waiters still wake at least every `maxWaitMs`.
   */
  subscribe(channel: string, wake: () => void): void {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(wake);
    if (set.size > 1) return;
    void this.client?.then((client) => {
      if (!this.listeners.has(channel) || this.users === 0) return;
      if (!this.subscriber) {
        this.subscriber = client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
        this.subscriber.on("error", () => {}); // the main connection reports; waiters also wake on a timer
        this.subscriber.on("message", (ch: string) => {
          for (const fn of this.listeners.get(ch) ?? []) fn();
        });
      }
      this.subscriber.subscribe(channel).catch(() => {});
    });
  }

  unsubscribe(channel: string, wake: () => void): void {
    const set = this.listeners.get(channel);
    if (!set?.delete(wake) || set.size > 0) return;
    this.listeners.delete(channel);
    this.subscriber?.unsubscribe(channel).catch(() => {});
  }

  async release(): Promise<void> {
    if (--this.users > 0) return;
    RedisStore.stores.delete(this.url);
    this.subscriber?.disconnect();
    const client = await this.client?.catch(() => undefined);
    if (client?.status === "ready") await client.quit().catch(() => client.disconnect());
    else client?.disconnect();
  }
}

interface Waiter {
  grant(member: string): void;
  fail(err: unknown): void;
}

/** One identity's budget in one process; give it to `IcaClient` as its `limiter`. */
export class RedisLimiter implements RequestLimiter {
  readonly key: string;
  private readonly channel: string;
  private readonly store: RedisStore;
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly holdMs: number;
  private readonly readyWaitMs: number;
  private readonly maxWaitMs: number;
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private wakeSleeper: (() => void) | undefined;
  private readonly wake = () => this.wakeSleeper?.();
  private seq = 0;
  private toRelease: string[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(options: RedisLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1)
      throw new Error("rate limit must be a whole number from 1");
    this.key = identityKey(options.identity);
    this.channel = `${this.key}:free`;
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? 1_000;
    this.holdMs = Math.max(options.holdMs, this.windowMs);
    this.readyWaitMs = options.readyWaitMs ?? 1_500;
    this.maxWaitMs = options.maxWaitMs ?? 200;
    this.store = RedisStore.for(options.url);
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.closed) return Promise.reject(this.store.unavailable("the client was closed"));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason);
        if (this.waiters.length === 0) this.wake();
      };
      const waiter: Waiter = {
        grant: (member) => {
          signal?.removeEventListener("abort", onAbort);
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            this.releaseSoon(member);
          });
        },
        fail: (err) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
      void this.pump();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.fail(this.store.unavailable("the client was closed"));
    this.wake();
    await this.flush();
    this.store.unsubscribe(this.channel, this.wake);
    await this.store.release();
  }

  /** Only one pump runs: it asks Redis for the queue's head until the queue is empty. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    let subscribed = false;
    try {
      while (this.waiters.length > 0) {
        let granted: number;
        let waitUs: number;
        const prefix = `${this.store.replicaId}:${++this.seq}`;
        try {
          const redis = await this.store.ready(this.readyWaitMs);
          [granted, waitUs] = await redis.icaAcquire(
            this.key,
            this.limit,
            this.holdMs * 1_000,
            this.waiters.length,
            prefix,
            this.holdMs + this.windowMs,
          );
        } catch (err) {
          const failure =
            err instanceof IcaRateLimitUnavailableError
              ? err
              : this.store.unavailable((err as Error).message);
          for (const w of this.waiters.splice(0)) w.fail(failure);
          break;
        }
        for (let i = 1; i <= granted; i++) {
          const member = `${prefix}:${i}`;
          const waiter = this.waiters.shift();
          if (waiter) waiter.grant(member);
          else this.releaseSoon(member); // its caller gave up meanwhile
        }
        if (this.waiters.length === 0) break;
        if (!subscribed) {
          subscribed = true;
          this.store.subscribe(this.channel, this.wake);
        }
        const waitMs = waitUs < 0 ? this.maxWaitMs : Math.ceil(waitUs / 1_000) + 1;
        await this.sleep(Math.min(this.maxWaitMs, Math.max(1, waitMs)));
      }
    } finally {
      this.pumping = false;
      if (subscribed) this.store.unsubscribe(this.channel, this.wake);
      // A waiter that arrived while we were unsubscribing.
      if (this.waiters.length > 0 && !this.closed) void this.pump();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeSleeper?.(), ms);
      this.wakeSleeper = () => {
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        resolve();
      };
    });
  }

  /** Releases go out together once per turn of the event loop (later is safe: the slot counts longer). */
  private releaseSoon(member: string): void {
    this.toRelease.push(member);
    if (this.toRelease.length === 1 && !this.flushing) setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const members = this.toRelease.splice(0);
    if (members.length === 0) return;
    this.flushing = (async () => {
      try {
        const redis = await this.store.ready(this.readyWaitMs);
        await redis.icaRelease(this.key, this.windowMs * 1_000, this.channel, ...members);
      } catch (err) {
        // The slots then count until their bound (holdMs): fewer requests for a while, never more.
        log.debug("could not release rate-limit slots in Redis", { error: (err as Error).message });
      }
    })();
    await this.flushing;
    this.flushing = undefined;
    this.wake();
    if (this.toRelease.length > 0) await this.flush();
  }
}

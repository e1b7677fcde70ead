/**
 * ICA's Idempotency-Key semantics (OpenAPI description of the header): a successful response (status < 400)
 * is kept 7 days per endpoint, key and user; the same body replays it without executing again; the same key
 * while the first call is still running -> 409; a different body -> 422; error responses are not stored,
 * so clients may retry them.
 *
 * A request can be held (IdempotencyStore.hold) on arrival, before the key is looked at, or while it is being
 * processed, after the key is recorded as in progress: tests use that to see ICA's real 409 for a repeat while
 * the original is still running, or to act between a client's calls.
 */
import { createHash } from "node:crypto";
import type { Reply, RequestContext } from "./context.js";
import { ProblemError } from "./problem.js";

export const IDEMPOTENCY_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const MAX_KEY_LENGTH = 255;

interface Entry {
  bodyHash: string;
  /** Absent while the original request is executing. */
  reply?: Reply;
  storedAt: number;
}

/** JSON with sorted keys, so that key order and whitespace do not make two bodies "different". */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** "arrival": before the key is looked at; "processing": after it is recorded as in progress (repeats get 409). */
export type HoldPhase = "arrival" | "processing";

export interface IdempotencyHold {
  /** Resolves once a request is waiting in the hold. */
  readonly reached: Promise<void>;
  /** Lets every waiting (and any later) request of this hold go on. */
  release(): void;
}

interface InstalledHold {
  operationKey: string;
  phase: HoldPhase;
  remaining: number;
  released: boolean;
  open: () => void;
  reach: () => void;
  gate: Promise<void>;
}

export class IdempotencyStore {
  readonly entries = new Map<string, Entry>();
  private holds: InstalledHold[] = [];

  /** Number of stored (completed) responses; for tests. */
  get size(): number {
    return [...this.entries.values()].filter((e) => e.reply).length;
  }

  /**
   * Holds the next `times` requests (with an Idempotency-Key) of the operation `operationKey` (the route's
   * operationId, e.g. "createNextflowAnalysis") at `phase` until release().
   */
  hold(operationKey: string, phase: HoldPhase = "processing", times = 1): IdempotencyHold {
    let reach!: () => void;
    const reached = new Promise<void>((resolve) => {
      reach = resolve;
    });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const h: InstalledHold = {
      operationKey,
      phase,
      remaining: times,
      released: false,
      open,
      reach,
      gate,
    };
    this.holds.push(h);
    return {
      reached,
      release: () => {
        h.released = true;
        this.holds = this.holds.filter((x) => x !== h);
        h.open();
      },
    };
  }

  /** Waits while a hold applies to this request. */
  async pass(operationKey: string, phase: HoldPhase): Promise<void> {
    const h = this.holds.find(
      (x) => x.operationKey === operationKey && x.phase === phase && x.remaining > 0 && !x.released,
    );
    if (!h) return;
    // Kept in the list until released, so that releaseAll() also lets a used-up hold's waiter go.
    h.remaining--;
    h.reach();
    await h.gate;
  }

  /** Releases every hold (the sandbox is closing). */
  releaseAll(): void {
    for (const h of this.holds) h.open();
    this.holds = [];
  }
}

export async function withIdempotency(
  ctx: RequestContext,
  operationKey: string,
  compute: () => Reply | Promise<Reply>,
): Promise<Reply> {
  const raw = ctx.headers["idempotency-key"];
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (key === undefined || key === "") return compute();
  if (key.length > MAX_KEY_LENGTH) {
    throw new ProblemError(
      400,
      "Bad Request",
      `Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters`,
      {
        "Idempotency-Key": `length ${key.length}`,
      },
    );
  }
  const store = ctx.services.idempotency;
  await store.pass(operationKey, "arrival");
  const now = ctx.state.clock.now();
  const storeKey = JSON.stringify([operationKey, key, ctx.principal?.userId ?? "anonymous"]);
  const bodyHash = createHash("sha256")
    .update(ctx.body === undefined ? ctx.rawBody : canonical(ctx.body))
    .digest("hex");

  const existing = store.entries.get(storeKey);
  if (existing?.reply && now - existing.storedAt > IDEMPOTENCY_TTL_MS) store.entries.delete(storeKey);
  const current = store.entries.get(storeKey);
  if (current) {
    if (current.bodyHash !== bodyHash) {
      throw new ProblemError(
        422,
        "Unprocessable Entity",
        "This Idempotency-Key was already used with a different request body",
        { "Idempotency-Key": key },
      );
    }
    if (!current.reply) {
      throw new ProblemError(
        409,
        "Conflict",
        "The original request with this Idempotency-Key is still in progress",
        {
          "Idempotency-Key": key,
        },
      );
    }
    return current.reply;
  }

  store.entries.set(storeKey, { bodyHash, storedAt: now });
  let reply: Reply;
  try {
    await store.pass(operationKey, "processing");
    reply = await compute();
  } catch (err) {
    store.entries.delete(storeKey);
    throw err;
  }
  if (reply.status >= 400) store.entries.delete(storeKey);
  else store.entries.set(storeKey, { bodyHash, reply, storedAt: ctx.state.clock.now() });
  return reply;
}

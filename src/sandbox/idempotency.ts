/**
 * ICA's Idempotency-Key semantics (OpenAPI description of the header): a successful response (status < 400)
 * is kept 7 days per endpoint, key and user; the same body replays it without executing again; the same key
 * while the first call is still running -> 409; a different body -> 422; error responses are not stored,
 * so clients may retry them.
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

export class IdempotencyStore {
  readonly entries = new Map<string, Entry>();

  /** Number of stored (completed) responses; for tests. */
  get size(): number {
    return [...this.entries.values()].filter((e) => e.reply).length;
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
    reply = await compute();
  } catch (err) {
    store.entries.delete(storeKey);
    throw err;
  }
  if (reply.status >= 400) store.entries.delete(storeKey);
  else store.entries.set(storeKey, { bodyHash, reply, storedAt: ctx.state.clock.now() });
  return reply;
}

/**
 * Confirmation of a billed or destructive step (a launch, a batch, an abort, a key rotation), ICA_CONFIRM:
 * - `auto` (default): ask the user through the client's form (MCP elicitation) when the client declares it;
 *   otherwise go on, gated by the client's own approval of the tool call;
 * - `required`: an accepted form, or the confirmationToken a dry run returned for exactly this request;
 * - `off`: never ask (automations).
 * A confirmationToken is an HMAC over the exact resolved request (not over the caller's arguments: a changed
 * best-match code or a file that moved changes the request) with a per-process random key, or
 * ICA_CONFIRM_SECRET when set, valid 10 minutes. Any difference is refused with the new plan.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Config } from "../../config.js";
import { canonicalJson } from "../../ica/api/launch.js";
import { UserInputError } from "../../ica/errors.js";
import { log } from "../../log.js";
import type { ToolContext } from "../../mcp/adapter.js";

export const TOKEN_TTL_MS = 10 * 60_000;
/** A person reads the plan: far longer than the SDK's default 60 s request timeout. */
export const ELICIT_TIMEOUT_MS = 10 * 60_000;
export const MAX_TOKEN_CHARS = 200;
export const confirmationTokenParam = z.string().max(MAX_TOKEN_CHARS).optional().describe("From dryRun.");

export type ConfirmKind = "launch" | "batch" | "abort" | "rotate";

/** Generated once per process; tokens from another process (or a restart) do not verify without a secret. */
let processKey: Buffer | undefined;

function keyOf(config: Pick<Config, "confirmSecret">): Buffer {
  if (config.confirmSecret)
    return createHash("sha256").update(`ica-mcp-confirm\0${config.confirmSecret}`).digest();
  processKey ??= randomBytes(32);
  return processKey;
}

/** Names the key (not secret: a hash of it), so that a token of another process is recognised as such. */
function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("base64url").slice(0, 8);
}

function mac(key: Buffer, kind: ConfirmKind, expires: number, binding: unknown): string {
  return createHmac("sha256", key)
    .update(`v1\0${kind}\0${expires}\0${canonicalJson(binding)}`)
    .digest("base64url");
}

/** A token for this exact request, valid TOKEN_TTL_MS from `now`. */
export function issueConfirmationToken(
  config: Pick<Config, "confirmSecret">,
  kind: ConfirmKind,
  binding: unknown,
  now = Date.now(),
): string {
  const key = keyOf(config);
  const expires = now + TOKEN_TTL_MS;
  return `c1.${expires.toString(36)}.${keyId(key)}.${mac(key, kind, expires, binding)}`;
}

export type TokenCheck =
  | { ok: true }
  | { ok: false; reason: "malformed" | "expired" | "other_process" | "changed"; message: string };

export function checkConfirmationToken(
  config: Pick<Config, "confirmSecret">,
  token: string,
  kind: ConfirmKind,
  binding: unknown,
  now = Date.now(),
): TokenCheck {
  const parts = token.split(".");
  const expires =
    parts.length === 4 && /^[0-9a-z]{1,12}$/.test(parts[1]!) ? Number.parseInt(parts[1]!, 36) : NaN;
  if (parts[0] !== "c1" || !Number.isSafeInteger(expires)) {
    return { ok: false, reason: "malformed", message: "the confirmationToken is not one this server issued" };
  }
  const key = keyOf(config);
  if (parts[2] !== keyId(key)) {
    return {
      ok: false,
      reason: "other_process",
      message:
        "the confirmationToken was issued by another server process (the server restarted, or another one issued it; set ICA_CONFIRM_SECRET to share tokens between processes)",
    };
  }
  const expected = Buffer.from(mac(key, kind, expires, binding));
  const given = Buffer.from(parts[3]!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return {
      ok: false,
      reason: "changed",
      message: `the confirmationToken was issued for a different ${kind === "batch" ? "batch" : "request"}: something changed since the dry run (arguments, resolved data, storage or activation code)`,
    };
  }
  if (now > expires) {
    return {
      ok: false,
      reason: "expired",
      message: `the confirmationToken expired (tokens are valid ${TOKEN_TTL_MS / 60_000} minutes)`,
    };
  }
  return { ok: true };
}

export type Confirmation =
  | { go: true; via: "elicitation" | "token" | "client" | "off" }
  | { go: false; outcome: "declined" | "cancelled"; reason: string };

export interface ConfirmRequest {
  kind: ConfirmKind;
  /** The plan in words: the same text the dry run and the result show. */
  plan: string;
  /** The exact resolved request the token is bound to. */
  binding: unknown;
  token?: string;
  /** What a dry run of this tool is called, for the next step ("dryRun: true"). */
  dryRunHint?: string;
}

/** Whether the client declared form elicitation (an empty `elicitation` object means form, per the spec). */
export function canElicit(ctx: ToolContext): boolean {
  const e = ctx.clientCapabilities()?.elicitation as { form?: unknown; url?: unknown } | undefined;
  if (!e || !ctx.elicit) return false;
  return e.form !== undefined || e.url === undefined;
}

/** Whether a plan must be worked out before the step (to ask, to bind a token, or for a dry run). */
export function planNeeded(ctx: ToolContext, opts: { dryRun?: boolean; token?: string }): boolean {
  if (opts.dryRun || opts.token !== undefined) return true;
  return ctx.config.confirm !== "off" && canElicit(ctx);
}

function tokenRefused(req: ConfirmRequest, message: string): UserInputError {
  return new UserInputError(
    [message, `the plan now: ${req.plan}`],
    `call again with ${req.dryRunHint ?? "dryRun: true"} to get a confirmationToken for this plan, show the plan to the user, then call with that token.`,
  );
}

/**
 * Decides whether the step may go ahead, asking the user when ICA_CONFIRM and the client say so. Declining,
 * cancelling or not answering within ELICIT_TIMEOUT_MS all mean: send nothing.
 */
export async function confirmStep(ctx: ToolContext, req: ConfirmRequest): Promise<Confirmation> {
  const mode = ctx.config.confirm;
  let tokenOk = false;
  if (req.token !== undefined) {
    const check = checkConfirmationToken(ctx.config, req.token, req.kind, req.binding);
    if (!check.ok) throw tokenRefused(req, check.message);
    tokenOk = true;
  }
  if (mode === "off") return { go: true, via: "off" };
  if (mode === "required" && tokenOk) return { go: true, via: "token" };
  if (!canElicit(ctx)) {
    if (mode === "auto") return { go: true, via: tokenOk ? "token" : "client" };
    throw new UserInputError(
      "ICA_CONFIRM=required: this client cannot show a confirmation form (no elicitation), so this step needs the confirmationToken of a dry run; nothing was sent",
      `call with ${req.dryRunHint ?? "dryRun: true"}, show its plan to the user, and once they agree call again with its confirmationToken (valid ${TOKEN_TTL_MS / 60_000} minutes).`,
    );
  }
  try {
    const answer = await ctx.elicit!(
      {
        message: `${req.plan}\n\nAccept to go ahead; decline to send nothing.`,
        requestedSchema: { type: "object", properties: {} },
      },
      { timeoutMs: ELICIT_TIMEOUT_MS },
    );
    if (answer.action === "accept") return { go: true, via: "elicitation" };
    return {
      go: false,
      outcome: answer.action === "cancel" ? "cancelled" : "declined",
      reason: answer.action === "cancel" ? "the user dismissed the confirmation" : "the user declined",
    };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) {
      return { go: false, outcome: "declined", reason: "no answer within 10 minutes (counted as declined)" };
    }
    log.warn("confirmation form failed", { error: String(err) });
    return {
      go: false,
      outcome: "declined",
      reason: `the client could not show the confirmation (${err instanceof Error ? err.message.slice(0, 200) : "unknown error"})`,
    };
  }
}

/** The one sentence a result gives when nothing was sent because the user said no. */
export function notConfirmedText(c: Extract<Confirmation, { go: false }>, what: string): string {
  return `Nothing was sent to ICA: ${c.reason}, so ${what}.`;
}

/** How the step was confirmed, for the result. */
export function confirmedText(c: Extract<Confirmation, { go: true }>): string {
  switch (c.via) {
    case "elicitation":
      return "confirmed by the user in the client's form";
    case "token":
      return "confirmed by the dry run's confirmationToken";
    case "off":
      return "ICA_CONFIRM=off: not asked";
    default:
      return "approved through the client's own tool approval";
  }
}

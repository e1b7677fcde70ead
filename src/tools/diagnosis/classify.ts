/**
 * Decides an analysis's failure class from evidence: the tail of its first failed step's log, the step's
 * exit code, ICA's summary. Pure (no requests), bounded: lines are cut before matching, evidence is cut to
 * a byte budget, and invisible or control characters in quoted lines are shown escaped (the text is ICA's
 * data, never instructions).
 */
import {
  type AdviceContext,
  FAILURE_CLASSES,
  type FailureClassId,
  MAX_LINE_CHARS,
  namedTool,
  UNKNOWN_ADVICE,
} from "./classes.js";

/** Log lines looked at, from the end of the tail. */
const MAX_SCANNED_LINES = 400;
/** Lines of an unmatched tail that are shown. */
const UNKNOWN_TAIL_LINES = 8;

export interface ClassifyInput {
  status: string;
  summary?: string;
  /** The first failed step. */
  step?: string;
  exitCode?: number;
  storage?: string;
  /** The log tail of the failed step (stderr, or stdout when stderr was empty). */
  log?: string;
}

export interface Classification {
  failureClass: FailureClassId;
  /** Quoted lines from ICA (untrusted), each within maxLineBytes, at most maxLines. */
  evidence: string[];
  tool?: string;
  advice: string;
}

export interface EvidenceBudget {
  maxLines: number;
  maxLineBytes: number;
}

// C0/C1 controls (tab excepted), zero-width, bidi overrides and isolates, BOM, tag characters.
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters made visible.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]|\udb40[\udc00-\udc7f]/g;

/** Shows control, bidi, zero-width and tag characters as visible \\u escapes. */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (ch) =>
    [...ch].map((c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`).join(""),
  );
}

/** Cuts text to at most maxBytes of UTF-8, ending in "…" when cut, never inside a character. */
export function cutBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = "";
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes - 3) break;
    out += ch;
    bytes += n;
  }
  return `${out}…`;
}

function quote(line: string, budget: EvidenceBudget): string {
  return cutBytes(escapeInvisible(line.trim()), budget.maxLineBytes);
}

function logLines(log: string | undefined): string[] {
  if (!log) return [];
  const lines = log.split("\n");
  return lines
    .slice(-MAX_SCANNED_LINES)
    .map((l) => l.slice(0, MAX_LINE_CHARS).replace(/\r$/, ""))
    .filter((l) => l.trim() !== "");
}

function commandError(lines: string[]): string | undefined {
  const at = lines.findIndex((l) => /^\s{0,8}Command error:\s{0,8}$/.test(l));
  return at >= 0 ? lines.slice(at + 1).find((l) => l.trim() !== "") : undefined;
}

export function classify(input: ClassifyInput, budget: EvidenceBudget): Classification {
  const lines = logLines(input.log);
  const summary = input.summary ? [input.summary.slice(0, MAX_LINE_CHARS)] : [];
  const candidates = [...lines, ...summary];
  const ctx: AdviceContext = {
    ...(input.step ? { step: input.step } : {}),
    ...(input.storage ? { storage: input.storage } : {}),
    ...(input.exitCode !== undefined ? { exitCode: input.exitCode } : {}),
  };
  const finish = (id: FailureClassId, matched: string[], advice: (c: AdviceContext) => string) => {
    const tool = matched.map(namedTool).find(Boolean) ?? candidates.map(namedTool).find(Boolean);
    if (tool) ctx.tool = tool;
    const evidence = matched.slice(0, budget.maxLines).map((l) => quote(l, budget));
    return { failureClass: id, evidence, ...(tool ? { tool } : {}), advice: advice(ctx) };
  };
  for (const cls of FAILURE_CLASSES) {
    if (cls.id === "aborted" && input.status !== "ABORTED") continue;
    // Lines ordered by the first pattern they match: the table lists the most telling pattern first.
    const ranked: { line: string; rank: number }[] = [];
    for (const line of candidates) {
      const rank = cls.patterns.findIndex((p) => p.test(line));
      if (rank >= 0) ranked.push({ line, rank });
    }
    const matched = ranked.sort((a, b) => a.rank - b.rank).map((r) => r.line);
    // Nextflow prints the tool's own words under "Command error:": the best line there is.
    if (cls.id === "tool_exit" && matched.length > 0) {
      const cause = commandError(lines);
      if (cause) matched.unshift(cause);
    }
    const byExit = input.exitCode !== undefined && (cls.exitCodes ?? []).includes(input.exitCode);
    if (cls.id === "aborted" || matched.length > 0 || byExit) return finish(cls.id, matched, cls.advice);
  }
  const tail = candidates.slice(-UNKNOWN_TAIL_LINES);
  return finish("unknown", tail, () => UNKNOWN_ADVICE);
}

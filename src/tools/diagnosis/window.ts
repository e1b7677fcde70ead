/** The since/until/lastDays parameters shared by ica_list_analyses and ica_summarize_analyses. */
import { z } from "zod";
import { UserInputError } from "../../ica/errors.js";

const DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export const sinceParam = z
  .string()
  .min(10)
  .max(40)
  .describe("Started at or after (YYYY-MM-DD or ISO date-time, UTC).");
export const untilParam = z.string().min(10).max(40).describe("Started before (exclusive; default now).");

const DAY = 86_400_000;

function parseDate(name: string, value: string, problems: string[]): number | undefined {
  // A date-time without an offset is read as UTC, like a bare date.
  const v =
    DATE.test(value) && value.length > 10 && !/(?:Z|[+-]\d{2}:?\d{2})$/.test(value) ? `${value}Z` : value;
  const t = DATE.test(value) ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(t)) {
    problems.push(
      `${name} "${value.slice(0, 40)}" is not a date: use YYYY-MM-DD or an ISO date-time such as 2026-11-24T00:00:00Z`,
    );
    return undefined;
  }
  return t;
}

export interface Window {
  sinceMs?: number;
  untilMs?: number;
}

/** Reads since/until/lastDays into a window (problems are pushed, nothing thrown). */
export function readWindow(
  args: { since?: string; until?: string; lastDays?: number },
  now: number,
  problems: string[],
): Window {
  const w: Window = {};
  if (args.lastDays !== undefined && args.since !== undefined) {
    problems.push("lastDays and since both set the start of the window: send one of them");
  }
  if (args.since !== undefined) w.sinceMs = parseDate("since", args.since, problems);
  if (args.until !== undefined) w.untilMs = parseDate("until", args.until, problems);
  if (args.lastDays !== undefined) w.sinceMs = (w.untilMs ?? now) - args.lastDays * DAY;
  if (w.sinceMs !== undefined && w.untilMs !== undefined && w.sinceMs >= w.untilMs) {
    problems.push("since must be before until");
  }
  return w;
}

export function windowText(w: Window): string {
  const d = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
  if (w.sinceMs !== undefined && w.untilMs !== undefined) return `started ${d(w.sinceMs)} to ${d(w.untilMs)}`;
  if (w.sinceMs !== undefined) return `started since ${d(w.sinceMs)}`;
  if (w.untilMs !== undefined) return `started before ${d(w.untilMs)}`;
  return "any start";
}

/** Refuses what since/until cannot be combined with (they page by startDate desc with offsets). */
export function checkWindowPaging(
  args: { pageToken?: string; sort?: string; paging?: string },
  problems: string[],
): void {
  const why =
    "since/until page the search sorted by startDate desc with offsets (ICA's search has no date filter) and stop at the first analysis that started before since";
  if (args.pageToken !== undefined)
    problems.push(`since/until cannot be combined with pageToken: ${why}; continue with pageOffset instead`);
  if (args.sort !== undefined && args.sort.replace(/\s+/g, " ").trim().toLowerCase() !== "startdate desc")
    problems.push(`since/until cannot be combined with sort "${args.sort.slice(0, 60)}": ${why}; drop sort`);
  if (args.paging === "cursor") problems.push(`since/until cannot use paging:"cursor": ${why}`);
}

export function assertNoProblems(problems: string[]): void {
  if (problems.length > 0) throw new UserInputError(problems);
}

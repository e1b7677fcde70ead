import { z } from "zod";
import type { Collected, Page, PagingPlan } from "../ica/paging.js";

/** The "way on" every listing reports, in both paging styles. */
export const pagingOutputShape = {
  paging: z.enum(["cursor", "offset"]).describe("The paging style ICA used for this page."),
  nextPageToken: z.string().optional().describe("Cursor mode: pass as pageToken to get the next page."),
  remainingRecords: z.number().optional().describe("Cursor mode: records after this page."),
  nextPageOffset: z
    .number()
    .optional()
    .describe("Offset mode: pass as pageOffset (with the same sort) for the next page."),
  totalItemCount: z.number().optional().describe("Offset mode: records matching the filters."),
  rowsCut: z
    .number()
    .optional()
    .describe(
      "Rows left out so the result fits (ICA sent huge values): call again from the same position with pageSize (or maxItems) = the rows shown.",
    ),
};

export interface PagingOutput {
  paging: "cursor" | "offset";
  nextPageToken?: string;
  remainingRecords?: number;
  nextPageOffset?: number;
  totalItemCount?: number;
  rowsCut?: number;
}

/**
 * Paging fields once a table had to leave rows out (see columnar.ts fit): offset paging continues right
 * after the last row shown; a cursor would skip the rows left out, so it is dropped and the caller re-asks
 * from the same position for fewer rows.
 */
export function afterCut(p: PagingOutput, cut: number, shown: number, startOffset = 0): PagingOutput {
  if (cut === 0) return p;
  if (p.paging === "offset") return { ...p, nextPageOffset: startOffset + shown, rowsCut: cut };
  const { nextPageToken: _skipped, remainingRecords: _r, ...rest } = p;
  return { ...rest, rowsCut: cut };
}

/** Paging fields for one page fetched with `plan`. */
export function pageOutput(plan: PagingPlan, page: Page<unknown>): PagingOutput {
  if (plan.mode === "cursor") {
    const more = page.nextPageToken !== undefined && (page.remainingRecords ?? 1) > 0;
    return {
      paging: "cursor",
      ...(more ? { nextPageToken: page.nextPageToken } : {}),
      remainingRecords: more ? (page.remainingRecords ?? undefined) : 0,
    };
  }
  const offset = plan.pageOffset ?? 0;
  const reached = offset + page.items.length;
  const total = page.totalItemCount;
  const more =
    total !== undefined
      ? reached < Math.min(total, 200_000)
      : page.items.length >= plan.pageSize && reached < 200_000;
  return {
    paging: "offset",
    ...(total !== undefined ? { totalItemCount: total } : {}),
    ...(more ? { nextPageOffset: reached } : {}),
  };
}

/** Paging fields for an auto-paged collection. */
export function collectedOutput(c: Collected<unknown>): PagingOutput {
  if (c.mode === "cursor") {
    return {
      paging: "cursor",
      ...(c.nextPageToken ? { nextPageToken: c.nextPageToken } : {}),
      ...(c.remainingRecords !== undefined ? { remainingRecords: c.remainingRecords } : {}),
    };
  }
  return {
    paging: "offset",
    ...(c.totalItemCount !== undefined ? { totalItemCount: c.totalItemCount } : {}),
    ...(c.nextPageOffset !== undefined ? { nextPageOffset: c.nextPageOffset } : {}),
  };
}

/** One sentence on how to continue, for the text mirror. */
export function continuationHint(p: PagingOutput, sort?: string): string {
  if (p.rowsCut && p.paging === "cursor") {
    return `${p.rowsCut} row(s) were left out because ICA's values were very large: call again with the same pageToken (or none) and a pageSize or maxItems of the rows shown, then continue from its nextPageToken.`;
  }
  if (p.paging === "cursor") {
    if (p.nextPageToken) {
      return `${p.remainingRecords ?? "More"} more: call again with pageToken="${p.nextPageToken}" (same filters).`;
    }
    return "No more pages.";
  }
  if (p.nextPageOffset !== undefined) {
    const total = p.totalItemCount !== undefined ? ` of ${p.totalItemCount}` : "";
    const cap =
      p.totalItemCount !== undefined && p.totalItemCount > 200_000
        ? " (offset paging stops at 200,000; use cursor paging for the rest)"
        : "";
    return `Showing up to row ${p.nextPageOffset}${total}: call again with pageOffset=${p.nextPageOffset}${sort ? ` and sort="${sort}"` : ""} for more${cap}.`;
  }
  return `No more pages${p.totalItemCount !== undefined ? ` (${p.totalItemCount} in all)` : ""}.`;
}

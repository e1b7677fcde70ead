/** ica_list_analyses with since/until: the window pager instead of one page (see ica/api/analysis-window.ts). */
import type { AnalysisFilters, IcaAnalysis } from "../../ica/api/analyses.js";
import { collectAnalysesInWindow } from "../../ica/api/analysis-window.js";
import type { ToolContext } from "../../mcp/adapter.js";
import { assertNoProblems, checkWindowPaging, readWindow, type Window, windowText } from "./window.js";

/** Rows read per page and pages per call: one call scans at most 5,000 rows. */
const WINDOW_PAGE_SIZE = 200;
const WINDOW_MAX_PAGES = 25;

export interface WindowArgs {
  since?: string;
  until?: string;
  pageToken?: string;
  pageOffset?: number;
  sort?: string;
  paging?: string;
}

/** Validates since/until against the other paging arguments; pushes problems. */
export function planWindow(args: WindowArgs, problems: string[]): Window {
  checkWindowPaging(args, problems);
  return readWindow(args, Date.now(), problems);
}

export async function listWindow(
  ctx: ToolContext,
  projectId: string,
  filters: AnalysisFilters,
  w: Window,
  args: WindowArgs,
  limit: number,
  label: string,
) {
  const found = await collectAnalysesInWindow(ctx.ica, projectId, filters, {
    ...w,
    startOffset: args.pageOffset ?? 0,
    pageSize: WINDOW_PAGE_SIZE,
    maxPages: WINDOW_MAX_PAGES,
    maxItems: limit,
    signal: ctx.signal,
    onProgress: (scanned, kept) => {
      void ctx.progress(scanned, undefined, `scanned ${scanned} analyses, ${kept} in the window`);
    },
  });
  const more = found.nextPageOffset !== undefined;
  const parts = [
    `${found.items.length} analyses${label} ${windowText(w)} (sorted by startDate desc; ${found.pages} request(s)).`,
  ];
  if (found.notStarted.length > 0)
    parts.push(`${found.notStarted.length} not started yet (no startDate) were skipped.`);
  if (found.stop === "offsetCap")
    parts.push(
      "ICA's offset paging stops at 200,000 rows before the window's start was reached: narrow until.",
    );
  else if (more)
    parts.push(
      `More may remain: call again with pageOffset=${found.nextPageOffset} and the same since/until.${found.stop === "emptyPage" ? " (ICA returned an empty page while saying more rows remain.)" : ""}`,
    );
  else parts.push("That is all of them.");
  return {
    items: found.items as IcaAnalysis[],
    truncated: more || found.stop === "offsetCap",
    paging: {
      paging: "offset" as const,
      ...(found.totalItemCount !== undefined ? { totalItemCount: found.totalItemCount } : {}),
      ...(more ? { nextPageOffset: found.nextPageOffset } : {}),
    },
    summaryParts: parts,
  };
}

export { assertNoProblems };

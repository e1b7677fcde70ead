/**
 * Analyses started in a time window. ICA's analysis search has no date filter, so this pages the search
 * sorted by `startDate desc` (offset paging) and stops at the first analysis that started before `since`.
 * Analyses with no startDate sort first in that order (PostgreSQL's NULLS FIRST for DESC) and are counted
 * apart, as not started. Sequential pages (each decides whether another is needed), inside the client's
 * throttle; bounded by a page count, by ICA's 200,000-row offset cap, and by the caller's item limit.
 */
import type { IcaClient } from "../client.js";
import { OFFSET_LIMIT, type PagingPlan } from "../paging.js";
import { type AnalysisFilters, type IcaAnalysis, searchAnalyses } from "./analyses.js";

export const WINDOW_SORT = "startDate desc";

export type WindowStop =
  /** Reached an analysis that started before `since`. */
  | "since"
  /** ICA had no more rows. */
  | "end"
  /** The caller's item limit was reached first (continue from nextPageOffset). */
  | "limit"
  /** ICA's offset paging stops at 200,000 rows. */
  | "offsetCap"
  /** The page-count bound of one call. */
  | "pageLimit"
  /** An empty page while ICA said more rows remain (ICA's paging misbehaved). */
  | "emptyPage";

export interface WindowOptions {
  /** Inclusive lower bound on startDate (ms since the epoch); undefined = no lower bound. */
  sinceMs?: number;
  /** Exclusive upper bound on startDate (ms); undefined = no upper bound. */
  untilMs?: number;
  /** Row offset to start from (a continuation). */
  startOffset?: number;
  pageSize: number;
  maxPages: number;
  /** Stop once this many analyses in the window were kept. */
  maxItems?: number;
  /** Extra client-side condition (e.g. a pipeline code); analyses failing it are scanned but not kept. */
  keep?: (a: IcaAnalysis) => boolean;
  signal?: AbortSignal;
  onProgress?: (scanned: number, kept: number) => void;
}

export interface WindowResult {
  /** Analyses that started in the window (and passed `keep`), newest first, without duplicates. */
  items: IcaAnalysis[];
  /** Rows read from ICA. */
  scanned: number;
  pages: number;
  stop: WindowStop;
  /** Analyses without a startDate (not started yet) that were seen; not in `items`. */
  notStarted: IcaAnalysis[];
  /** Rows seen twice across offset pages (ICA does not guarantee unique rows), dropped. */
  duplicates: number;
  /** Where to continue (same filters and window) when the scan stopped before `since` or the end. */
  nextPageOffset?: number;
  totalItemCount?: number;
}

function startMs(a: IcaAnalysis): number | undefined {
  if (!a.startDate) return undefined;
  const t = Date.parse(a.startDate);
  return Number.isFinite(t) ? t : undefined;
}

export async function collectAnalysesInWindow(
  ica: IcaClient,
  projectId: string,
  filters: AnalysisFilters,
  opts: WindowOptions,
): Promise<WindowResult> {
  const items: IcaAnalysis[] = [];
  const notStarted: IcaAnalysis[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  let scanned = 0;
  let pages = 0;
  let offset = opts.startOffset ?? 0;
  let totalItemCount: number | undefined;
  const done = (stop: WindowStop, next?: number): WindowResult => ({
    items,
    scanned,
    pages,
    stop,
    notStarted,
    duplicates,
    ...(next !== undefined ? { nextPageOffset: next } : {}),
    ...(totalItemCount !== undefined ? { totalItemCount } : {}),
  });
  for (;;) {
    if (offset >= OFFSET_LIMIT) return done("offsetCap");
    if (pages >= opts.maxPages) return done("pageLimit", offset);
    opts.signal?.throwIfAborted();
    const plan: PagingPlan = {
      mode: "offset",
      pageOffset: offset,
      pageSize: Math.min(opts.pageSize, OFFSET_LIMIT - offset),
      sort: WINDOW_SORT,
    };
    const page = await searchAnalyses(ica, projectId, filters, plan, opts.signal);
    pages++;
    if (page.totalItemCount !== undefined) totalItemCount = page.totalItemCount;
    for (let i = 0; i < page.items.length; i++) {
      const a = page.items[i]!;
      scanned++;
      const rowOffset = offset + i;
      if (seen.has(a.id)) {
        duplicates++;
        continue;
      }
      seen.add(a.id);
      const t = startMs(a);
      if (t === undefined) {
        notStarted.push(a);
        continue;
      }
      if (opts.sinceMs !== undefined && t < opts.sinceMs) return done("since");
      if (opts.untilMs !== undefined && t >= opts.untilMs) continue;
      if (opts.keep && !opts.keep(a)) continue;
      items.push(a);
      if (opts.maxItems !== undefined && items.length >= opts.maxItems) {
        const reachedPage = offset + page.items.length;
        const more =
          i + 1 < page.items.length ||
          (totalItemCount !== undefined ? reachedPage < totalItemCount : page.items.length >= plan.pageSize);
        return more ? done("limit", rowOffset + 1) : done("end");
      }
    }
    opts.onProgress?.(scanned, items.length);
    const reached = offset + page.items.length;
    const saysMore = totalItemCount !== undefined ? reached < totalItemCount : undefined;
    if (page.items.length === 0) return saysMore ? done("emptyPage", offset) : done("end");
    if (saysMore === false || (saysMore === undefined && page.items.length < plan.pageSize))
      return done("end");
    offset = reached;
  }
}

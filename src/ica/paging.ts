import { UserInputError } from "./errors.js";

/** ICA's offset paging stops at 200,000 rows (ICA API guide, "Offset-based pagination"). */
export const OFFSET_LIMIT = 200_000;

export type PagingMode = "cursor" | "offset";

export interface PagingInput {
  pageSize?: number;
  pageToken?: string;
  pageOffset?: number;
  sort?: string;
  paging?: PagingMode;
}

export interface PagingPlan {
  mode: PagingMode;
  pageSize: number;
  pageToken?: string;
  pageOffset?: number;
  /** Normalised sort, e.g. "reference desc,startDate". */
  sort?: string;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
  remainingRecords?: number;
  totalItemCount?: number;
}

/** Parses and checks a sort expression against the fields ICA allows for this listing. */
export function normaliseSort(sort: string, allowed: readonly string[]): string {
  const problems: string[] = [];
  const parts = sort
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((part) => {
      const [field = "", direction, ...rest] = part.split(/\s+/);
      const match = allowed.find((a) => a.toLowerCase() === field.toLowerCase());
      if (!match)
        problems.push(`sort field "${field}" is not sortable here; use one of: ${allowed.join(", ")}`);
      const dir = direction?.toLowerCase();
      if (rest.length > 0 || (dir !== undefined && dir !== "asc" && dir !== "desc")) {
        problems.push(`sort "${part}" must be a field optionally followed by "asc" or "desc"`);
      }
      return dir === "desc" ? `${match ?? field} desc` : (match ?? field);
    });
  if (parts.length === 0) problems.push(`sort is empty; use one of: ${allowed.join(", ")}`);
  if (problems.length > 0) throw new UserInputError(problems);
  return parts.join(",");
}

/**
 * ICA's paging rules: no sort -> cursor paging (pageSize + pageToken); sort or pageOffset -> offset paging
 * (pageSize + pageOffset, from 0). `paging` chooses explicitly. Conflicts and the 200,000-row cap are
 * refused here, before anything is sent.
 */
export function planPaging(
  input: PagingInput,
  opts: { sortFields: readonly string[]; defaultPageSize: number; maxPageSize: number },
): PagingPlan {
  const problems: string[] = [];
  const pageSize = input.pageSize ?? opts.defaultPageSize;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > opts.maxPageSize) {
    problems.push(`pageSize must be a whole number from 1 to ${opts.maxPageSize}`);
  }
  if (input.pageToken !== undefined && input.pageOffset !== undefined) {
    problems.push(
      "pageToken (cursor paging) and pageOffset (offset paging) cannot be combined: to continue a cursor listing send only pageToken; to jump to a position send only pageOffset",
    );
  }
  if (input.paging === "cursor" && input.sort) {
    problems.push(
      'sort needs offset paging (ICA sorts only with offset-based pagination): drop paging:"cursor" or drop sort',
    );
  }
  if (input.paging === "cursor" && input.pageOffset !== undefined) {
    problems.push('pageOffset belongs to offset paging: use paging:"offset" or continue with pageToken');
  }
  if (input.paging === "offset" && input.pageToken !== undefined) {
    problems.push('pageToken belongs to cursor paging: use paging:"cursor" or send pageOffset');
  }
  if (input.sort !== undefined && input.pageToken !== undefined && input.paging === undefined) {
    problems.push(
      "sort cannot be combined with pageToken: sorted listings page with pageOffset (offset paging)",
    );
  }
  let sort: string | undefined;
  if (input.sort !== undefined) {
    try {
      sort = normaliseSort(input.sort, opts.sortFields);
    } catch (err) {
      problems.push(...(err as UserInputError).problems);
    }
  }
  const mode: PagingMode =
    input.paging ?? (input.sort !== undefined || input.pageOffset !== undefined ? "offset" : "cursor");
  let pageOffset: number | undefined;
  if (mode === "offset") {
    pageOffset = input.pageOffset ?? 0;
    if (!Number.isInteger(pageOffset) || pageOffset < 0)
      problems.push("pageOffset must be a whole number from 0");
    else if (pageOffset >= OFFSET_LIMIT) {
      problems.push(
        `pageOffset ${pageOffset} is past ICA's offset-paging limit of ${OFFSET_LIMIT.toLocaleString("en-US")} rows; use cursor paging (omit sort and pageOffset, then follow nextPageToken) or narrow the filters`,
      );
    }
  }
  if (problems.length > 0) throw new UserInputError(problems);
  const plan: PagingPlan = { mode, pageSize };
  if (mode === "cursor" && input.pageToken) plan.pageToken = input.pageToken;
  if (mode === "offset") {
    plan.pageOffset = pageOffset;
    // A page that would cross the cap is shortened to end there.
    plan.pageSize = Math.min(pageSize, OFFSET_LIMIT - (pageOffset ?? 0));
  }
  if (sort) plan.sort = sort;
  return plan;
}

/** The query parameters for one page (ICA takes them as strings). */
export function pageQuery(plan: PagingPlan): Record<string, string | undefined> {
  return plan.mode === "cursor"
    ? { pageSize: String(plan.pageSize), pageToken: plan.pageToken }
    : { pageSize: String(plan.pageSize), pageOffset: String(plan.pageOffset ?? 0), sort: plan.sort };
}

/** Reads ICA's paging envelope. */
export function readPage<T>(body: unknown): Page<T> {
  const b = (body ?? {}) as Record<string, unknown>;
  const page: Page<T> = { items: Array.isArray(b.items) ? (b.items as T[]) : [] };
  if (typeof b.nextPageToken === "string" && b.nextPageToken !== "") page.nextPageToken = b.nextPageToken;
  if (typeof b.remainingRecords === "number") page.remainingRecords = b.remainingRecords;
  if (typeof b.totalItemCount === "number") page.totalItemCount = b.totalItemCount;
  return page;
}

export interface CollectOptions {
  /** Stop after this many items (the rest is reported as a continuation). */
  maxItems: number;
  signal?: AbortSignal;
  onProgress?: (collected: number, total: number | undefined) => void;
  /** Offset mode only: pages fetched at once once totalItemCount is known (the client throttle still applies). */
  concurrency?: number;
  /** Requests at most (default: twice the pages maxItems needs at the planned page size, at least 20). */
  maxPages?: number;
}

/**
 * Why auto-paging stopped. "end": ICA said there is no more. "max-items": maxItems collected.
 * "cursor-repeated": ICA handed out a cursor it had already given (following it would loop forever).
 * "empty-page": an empty page while ICA said more records remain. "page-bound": maxPages requests sent.
 * "offset-limit": ICA's 200,000-row offset cap.
 */
export type StopReason =
  | "end"
  | "max-items"
  | "cursor-repeated"
  | "empty-page"
  | "page-bound"
  | "offset-limit";

/** Stop reasons under which the collection may be incomplete although ICA claimed more. */
export type AbnormalStop = "cursor-repeated" | "empty-page" | "page-bound";
export const ABNORMAL_STOPS: ReadonlySet<StopReason> = new Set<AbnormalStop>([
  "cursor-repeated",
  "empty-page",
  "page-bound",
]);

/** The stop reason when it is abnormal (worth a field in a tool result), else undefined. */
export function abnormalStop(c: Pick<Collected<unknown>, "stopped">): AbnormalStop | undefined {
  return ABNORMAL_STOPS.has(c.stopped) ? (c.stopped as AbnormalStop) : undefined;
}

export interface Collected<T> {
  items: T[];
  mode: PagingMode;
  pages: number;
  /** True when more items remain than were collected (or may remain: see `stopped`). */
  truncated: boolean;
  stopped: StopReason;
  nextPageToken?: string;
  nextPageOffset?: number;
  remainingRecords?: number;
  totalItemCount?: number;
}

/** One sentence for a result whose collection stopped abnormally; undefined otherwise. */
export function stopNote(c: Pick<Collected<unknown>, "stopped" | "pages">): string | undefined {
  switch (c.stopped) {
    case "cursor-repeated":
      return `ICA's cursor stopped moving (the same nextPageToken came back), so paging stopped after ${c.pages} request(s); the rest may be reachable with offset paging (pass sort or pageOffset).`;
    case "empty-page":
      return `ICA sent an empty page while saying more records remain, so paging stopped after ${c.pages} request(s); narrow the filters or use the other paging style.`;
    case "page-bound":
      return `paging stopped at its bound of ${c.pages} request(s) (ICA's pages were smaller than asked); continue from the next page.`;
    default:
      return undefined;
  }
}

/** A signal aborted by `parent` or by `abort()`; dispose when done. */
function childSignal(parent?: AbortSignal): { signal: AbortSignal; abort(): void; dispose(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    abort: () => controller.abort(new Error("a sibling page failed")),
    dispose: () => parent?.removeEventListener("abort", onAbort),
  };
}

/**
 * Bounded auto-paging. Cursor mode follows nextPageToken sequentially (each page holds the pointer to the
 * next) and stops when a cursor repeats or an empty page claims more. Offset mode reads totalItemCount from
 * the first page and fetches the rest concurrently, stepping by the page size ICA actually used; one failed
 * page cancels its siblings. Without totalItemCount it pages sequentially until an empty page. Every mode
 * stops after `maxPages` requests.
 */
export async function collectPages<T>(
  plan: PagingPlan,
  fetchPage: (plan: PagingPlan, signal?: AbortSignal) => Promise<Page<T>>,
  opts: CollectOptions,
): Promise<Collected<T>> {
  const maxPages = opts.maxPages ?? Math.max(20, 2 * Math.ceil(opts.maxItems / Math.max(1, plan.pageSize)));
  return plan.mode === "cursor"
    ? collectCursor(plan, fetchPage, opts, maxPages)
    : collectOffset(plan, fetchPage, opts, maxPages);
}

async function collectCursor<T>(
  plan: PagingPlan,
  fetchPage: (plan: PagingPlan, signal?: AbortSignal) => Promise<Page<T>>,
  opts: CollectOptions,
  maxPages: number,
): Promise<Collected<T>> {
  const items: T[] = [];
  const seen = new Set<string>();
  if (plan.pageToken) seen.add(plan.pageToken);
  let pages = 0;
  let current: PagingPlan = { ...plan };
  for (;;) {
    opts.signal?.throwIfAborted();
    const want = opts.maxItems - items.length;
    const page = await fetchPage(
      { ...current, pageSize: Math.min(current.pageSize, Math.max(1, want)) },
      opts.signal,
    );
    pages++;
    items.push(...page.items.slice(0, want));
    const total = page.remainingRecords !== undefined ? items.length + page.remainingRecords : undefined;
    opts.onProgress?.(items.length, total);
    const next = page.nextPageToken;
    const more = next !== undefined && (page.remainingRecords ?? 1) > 0;
    const base = { items, mode: "cursor" as const, pages };
    if (!more) return { ...base, truncated: false, stopped: "end", remainingRecords: 0 };
    const rest = page.remainingRecords !== undefined ? { remainingRecords: page.remainingRecords } : {};
    if (items.length >= opts.maxItems) {
      return { ...base, truncated: true, stopped: "max-items", nextPageToken: next, ...rest };
    }
    // A cursor seen before leads back into the same pages: following it never ends.
    if (seen.has(next)) return { ...base, truncated: true, stopped: "cursor-repeated", ...rest };
    if (page.items.length === 0) {
      return { ...base, truncated: true, stopped: "empty-page", nextPageToken: next, ...rest };
    }
    if (pages >= maxPages) {
      return { ...base, truncated: true, stopped: "page-bound", nextPageToken: next, ...rest };
    }
    seen.add(next);
    current = { ...current, pageToken: next };
  }
}

async function collectOffset<T>(
  plan: PagingPlan,
  fetchPage: (plan: PagingPlan, signal?: AbortSignal) => Promise<Page<T>>,
  opts: CollectOptions,
  maxPages: number,
): Promise<Collected<T>> {
  const start = plan.pageOffset ?? 0;
  const end = Math.min(OFFSET_LIMIT, start + opts.maxItems);
  const first = await fetchPage({ ...plan, pageSize: Math.min(plan.pageSize, end - start) }, opts.signal);
  let pages = 1;
  const total = first.totalItemCount;
  const stop = Math.min(total ?? Number.POSITIVE_INFINITY, end);
  const progressTotal = total === undefined ? undefined : Math.min(total, OFFSET_LIMIT) - start;
  const chunks = new Map<number, T[]>([[start, first.items.slice(0, end - start)]]);
  const collected = () => [...chunks.values()].reduce((n, c) => n + c.length, 0);
  opts.onProgress?.(collected(), progressTotal);
  const finish = (stopped?: StopReason) => finishOffset(chunks, start, pages, total, end, stopped);

  if (total === undefined) {
    // No total: sequential pages until an empty one (a short page may only be ICA's own page size).
    let offset = start + first.items.length;
    if (first.items.length === 0) return finish("end");
    while (offset < end) {
      if (pages >= maxPages) return finish("page-bound");
      opts.signal?.throwIfAborted();
      const page = await fetchPage(
        { ...plan, pageOffset: offset, pageSize: Math.min(plan.pageSize, end - offset) },
        opts.signal,
      );
      pages++;
      if (page.items.length === 0) return finish("end");
      chunks.set(offset, page.items.slice(0, end - offset));
      offset += Math.min(page.items.length, end - offset);
      opts.onProgress?.(collected(), undefined);
    }
    if (offset >= OFFSET_LIMIT) return finish("offset-limit");
    // maxItems reached, but without a total only one more row tells whether anything remains.
    if (pages >= maxPages) return finish("page-bound");
    const probe = await fetchPage({ ...plan, pageOffset: offset, pageSize: 1 }, opts.signal);
    pages++;
    return finish(probe.items.length === 0 ? "end" : "max-items");
  }

  // ICA may serve fewer rows per page than asked: step by what the first page held when more remained.
  const step =
    first.items.length > 0 && first.items.length < plan.pageSize ? first.items.length : plan.pageSize;
  if (first.items.length === 0 && start < stop) return finish("empty-page");
  const offsets: number[] = [];
  for (let o = start + first.items.length; o < stop; o += step) offsets.push(o);
  const child = childSignal(opts.signal);
  let failure: unknown;
  let next = 0;
  const worker = async () => {
    while (next < offsets.length && failure === undefined) {
      if (pages >= maxPages) return;
      const offset = offsets[next++]!;
      pages++;
      try {
        const page = await fetchPage(
          { ...plan, pageOffset: offset, pageSize: Math.min(step, stop - offset) },
          child.signal,
        );
        chunks.set(offset, page.items.slice(0, stop - offset));
        opts.onProgress?.(collected(), progressTotal);
      } catch (err) {
        // The first failure cancels every sibling: none goes on waiting for, or holding, a throttle slot.
        if (failure === undefined) failure = err;
        child.abort();
      }
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(Math.max(1, opts.concurrency ?? 4), offsets.length) }, worker),
    );
  } finally {
    child.dispose();
  }
  if (failure !== undefined) throw failure;
  return finish(next < offsets.length ? "page-bound" : undefined);
}

/** Joins offset chunks in order up to the first gap, and says whether (and why) rows remain. */
function finishOffset<T>(
  chunks: Map<number, T[]>,
  start: number,
  pages: number,
  total: number | undefined,
  end: number,
  stopped: StopReason | undefined,
): Collected<T> {
  const items: T[] = [];
  let reached = start;
  for (const offset of [...chunks.keys()].sort((a, b) => a - b)) {
    if (offset !== reached) break; // a page that came back short leaves a gap: stop before it
    const chunk = chunks.get(offset)!;
    items.push(...chunk);
    reached += chunk.length;
  }
  const available = total !== undefined ? Math.min(total, OFFSET_LIMIT) : undefined;
  const truncated = available !== undefined ? reached < available : stopped !== "end";
  let why: StopReason = stopped ?? "end";
  if (stopped === undefined && truncated) {
    const gap = reached < Math.min(available ?? end, end);
    why = gap ? "empty-page" : reached >= OFFSET_LIMIT ? "offset-limit" : "max-items";
  }
  const result: Collected<T> = { items, mode: "offset", pages, truncated, stopped: why };
  if (total !== undefined) result.totalItemCount = total;
  if (truncated && reached < OFFSET_LIMIT) result.nextPageOffset = reached;
  return result;
}

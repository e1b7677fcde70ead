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
}

export interface Collected<T> {
  items: T[];
  mode: PagingMode;
  pages: number;
  /** True when more items remain than were collected. */
  truncated: boolean;
  nextPageToken?: string;
  nextPageOffset?: number;
  remainingRecords?: number;
  totalItemCount?: number;
}

/**
 * Bounded auto-paging. Cursor mode follows nextPageToken sequentially (each page holds the pointer to the
 * next); offset mode reads totalItemCount from the first page and then fetches the rest concurrently.
 */
export async function collectPages<T>(
  plan: PagingPlan,
  fetchPage: (plan: PagingPlan) => Promise<Page<T>>,
  opts: CollectOptions,
): Promise<Collected<T>> {
  const throwIfAborted = () => opts.signal?.throwIfAborted();
  const items: T[] = [];
  let pages = 0;
  if (plan.mode === "cursor") {
    let current: PagingPlan = { ...plan };
    for (;;) {
      throwIfAborted();
      const want = opts.maxItems - items.length;
      const page = await fetchPage({ ...current, pageSize: Math.min(current.pageSize, Math.max(1, want)) });
      pages++;
      items.push(...page.items.slice(0, want));
      const total = page.remainingRecords !== undefined ? items.length + page.remainingRecords : undefined;
      opts.onProgress?.(items.length, total);
      const more = page.nextPageToken !== undefined && (page.remainingRecords ?? 1) > 0;
      if (!more) return { items, mode: "cursor", pages, truncated: false, remainingRecords: 0 };
      if (items.length >= opts.maxItems) {
        return {
          items,
          mode: "cursor",
          pages,
          truncated: true,
          nextPageToken: page.nextPageToken,
          remainingRecords: page.remainingRecords,
        };
      }
      current = { ...current, pageToken: page.nextPageToken };
    }
  }

  const start = plan.pageOffset ?? 0;
  const first = await fetchPage({ ...plan, pageSize: Math.min(plan.pageSize, opts.maxItems) });
  pages++;
  items.push(...first.items.slice(0, opts.maxItems));
  const total = first.totalItemCount;
  const end = Math.min(total ?? Number.POSITIVE_INFINITY, OFFSET_LIMIT, start + opts.maxItems);
  opts.onProgress?.(items.length, total === undefined ? undefined : Math.min(total, OFFSET_LIMIT) - start);
  if (first.items.length < plan.pageSize || start + items.length >= end) {
    return finishOffset(items, pages, start, total);
  }
  if (total === undefined) {
    // Without a total, fall back to sequential pages until a short page.
    let offset = start + items.length;
    while (offset < end) {
      throwIfAborted();
      const page = await fetchPage({
        ...plan,
        pageOffset: offset,
        pageSize: Math.min(plan.pageSize, end - offset),
      });
      pages++;
      items.push(...page.items);
      opts.onProgress?.(items.length, undefined);
      if (page.items.length < plan.pageSize) break;
      offset += page.items.length;
    }
    return finishOffset(items.slice(0, opts.maxItems), pages, start, total);
  }
  const offsets: number[] = [];
  for (let o = start + first.items.length; o < end; o += plan.pageSize) offsets.push(o);
  const results = new Map<number, T[]>();
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  let next = 0;
  const worker = async () => {
    while (next < offsets.length) {
      throwIfAborted();
      const offset = offsets[next++]!;
      const page = await fetchPage({
        ...plan,
        pageOffset: offset,
        pageSize: Math.min(plan.pageSize, end - offset),
      });
      pages++;
      results.set(offset, page.items);
      let done = items.length;
      for (const r of results.values()) done += r.length;
      opts.onProgress?.(done, Math.min(total, OFFSET_LIMIT) - start);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, offsets.length) }, worker));
  for (const offset of offsets) items.push(...(results.get(offset) ?? []));
  return finishOffset(items.slice(0, opts.maxItems), pages, start, total);
}

function finishOffset<T>(items: T[], pages: number, start: number, total: number | undefined): Collected<T> {
  const reached = start + items.length;
  const available = Math.min(total ?? reached, OFFSET_LIMIT);
  const truncated = reached < available;
  const result: Collected<T> = { items, mode: "offset", pages, truncated };
  if (total !== undefined) result.totalItemCount = total;
  if (truncated) result.nextPageOffset = reached;
  return result;
}

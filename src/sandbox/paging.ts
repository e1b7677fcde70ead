/**
 * ICA's two paging styles over one set of query parameters (ICA API guide, "Cursor- versus Offset-based
 * Pagination"; OpenAPI paging parameter descriptions):
 * - mode: pageToken -> cursor; pageOffset -> offset; neither: sort -> offset, else cursor;
 * - cursor: insertion order (seq), `nextPageToken` while more remain, `remainingRecords`; no sort;
 * - offset: optional sort, `totalItemCount`, `nextPageToken: ""`, at most 200,000 rows reachable.
 * pageSize: default 100, values above maxPageSize (default 1000) are clamped, non-positive/non-integer -> 400.
 */
import { createHash } from "node:crypto";
import { ProblemError } from "./problem.js";

export const OFFSET_ROW_LIMIT = 200_000;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** A sortable attribute's value; null/undefined sort last ascending and first descending (like PostgreSQL). */
export type SortValue = string | number | boolean | null | undefined;

export interface PaginateOptions<T> {
  /** Attributes the endpoint can sort on (names exactly as in the operation's `sort` description). */
  sortable?: Record<string, (item: T) => SortValue>;
  defaultPageSize?: number;
  maxPageSize?: number;
  /** Insertion counter; defaults to the item's `seq` property. */
  seq?: (item: T) => number;
  /** Distinguishes listings whose filters live outside the query (e.g. the projectId path parameter). */
  scope?: string;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
  remainingRecords?: number;
  totalItemCount?: number;
}

/** Query parameters that steer paging rather than filter; every other parameter is part of the cursor's fingerprint. */
const PAGING_PARAMS = new Set(["pageSize", "pageToken", "pageOffset", "sort"]);
/** Not a secret: the MAC only makes garbled or hand-edited tokens detectable. */
const TOKEN_MAC_KEY = "ica-sandbox-cursor";

function bad(detail: string, parameters: Record<string, string>): ProblemError {
  return new ProblemError(400, "Bad Request", detail, parameters);
}

function param(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  // An empty value means "not given": offset pages answer nextPageToken "" and clients may echo it back.
  return v === null || v.trim() === "" ? undefined : v.trim();
}

function fingerprint(query: URLSearchParams, scope: string): string {
  const pairs = [...query.entries()]
    .filter(([k]) => !PAGING_PARAMS.has(k))
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1));
  return createHash("sha256")
    .update(JSON.stringify([scope, pairs]))
    .digest("base64url")
    .slice(0, 12);
}

function mac(payload: string): string {
  return createHash("sha256").update(`${TOKEN_MAC_KEY}\0${payload}`).digest("base64url").slice(0, 16);
}

export function encodeCursor(lastSeq: number, fp: string): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, s: lastSeq, f: fp })).toString("base64url");
  return `${payload}.${mac(payload)}`;
}

function decodeCursor(token: string, fp: string): number {
  const invalid = () =>
    bad("pageToken is not a valid cursor for this listing; restart without pageToken", { pageToken: token });
  const [payload, sig, ...rest] = token.split(".");
  if (!payload || !sig || rest.length > 0 || mac(payload) !== sig) throw invalid();
  let decoded: { v?: unknown; s?: unknown; f?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (decoded.v !== 1 || typeof decoded.s !== "number" || !Number.isInteger(decoded.s)) throw invalid();
  if (decoded.f !== fp) {
    throw bad(
      "pageToken belongs to a listing with different filters; repeat the original filters or restart",
      {
        pageToken: token,
      },
    );
  }
  return decoded.s;
}

function parseNonNegativeInt(value: string, name: string): number {
  if (!/^\d+$/.test(value)) throw bad(`${name} must be a whole number`, { [name]: value });
  return Number(value);
}

interface SortKey<T> {
  field: string;
  desc: boolean;
  get: (item: T) => SortValue;
}

function parseSort<T>(sort: string, sortable: Record<string, (item: T) => SortValue>): SortKey<T>[] {
  const allowed = Object.keys(sortable);
  const keys: SortKey<T>[] = [];
  for (const part of sort.split(",").map((p) => p.trim())) {
    if (part === "") continue;
    const m = /^(\S+)(?:\s+(asc|desc))?$/i.exec(part);
    if (!m) {
      throw bad(`sort "${part}" must be an attribute optionally followed by " asc" or " desc"`, {
        sort: part,
      });
    }
    const field = m[1]!;
    const get = Object.hasOwn(sortable, field) ? sortable[field] : undefined;
    if (!get) {
      throw bad(
        `"${field}" is not a sortable attribute here; sortable: ${allowed.length ? allowed.join(", ") : "(none)"}`,
        { sort: field },
      );
    }
    keys.push({ field, desc: m[2]?.toLowerCase() === "desc", get });
  }
  return keys;
}

const collator = new Intl.Collator("en", { sensitivity: "variant", numeric: false });

function compareValues(a: SortValue, b: SortValue): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull === bNull ? 0 : aNull ? 1 : -1;
  if (typeof a === "string" && typeof b === "string") return collator.compare(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function paginate<T>(
  items: readonly T[],
  query: URLSearchParams,
  options: PaginateOptions<T> = {},
): Page<T> {
  const defaultPageSize = options.defaultPageSize ?? DEFAULT_PAGE_SIZE;
  const maxPageSize = options.maxPageSize ?? MAX_PAGE_SIZE;
  const seqOf =
    options.seq ??
    ((item: T) => {
      const s = (item as { seq?: unknown }).seq;
      if (typeof s !== "number") throw new Error("paginate: items need a numeric seq (or pass options.seq)");
      return s;
    });

  const pageToken = param(query, "pageToken");
  const pageOffsetText = param(query, "pageOffset");
  const pageSizeText = param(query, "pageSize");
  const sort = param(query, "sort");

  let pageSize = defaultPageSize;
  if (pageSizeText !== undefined) {
    if (!/^\d+$/.test(pageSizeText) || Number(pageSizeText) < 1) {
      throw bad("pageSize must be a positive whole number", { pageSize: pageSizeText });
    }
    pageSize = Math.min(Number(pageSizeText), maxPageSize);
  }
  if (pageToken !== undefined && pageOffsetText !== undefined) {
    throw bad("pageToken (cursor-based paging) and pageOffset (offset-based paging) cannot be combined", {
      pageToken,
      pageOffset: pageOffsetText,
    });
  }
  if (pageToken !== undefined && sort !== undefined) {
    throw bad("sort is only supported with offset-based paging; drop pageToken and use pageOffset", { sort });
  }

  const bySeq = [...items].sort((a, b) => seqOf(a) - seqOf(b));

  if (pageToken !== undefined || (pageOffsetText === undefined && sort === undefined)) {
    const fp = fingerprint(query, options.scope ?? "");
    const after = pageToken === undefined ? Number.NEGATIVE_INFINITY : decodeCursor(pageToken, fp);
    // First item after the cursor: binary search over seq.
    let lo = 0;
    let hi = bySeq.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqOf(bySeq[mid]!) <= after) lo = mid + 1;
      else hi = mid;
    }
    const page = bySeq.slice(lo, lo + pageSize);
    const remainingRecords = bySeq.length - lo - page.length;
    const last = page[page.length - 1];
    return {
      items: page,
      ...(remainingRecords > 0 && last !== undefined ? { nextPageToken: encodeCursor(seqOf(last), fp) } : {}),
      remainingRecords,
    };
  }

  const offset = pageOffsetText === undefined ? 0 : parseNonNegativeInt(pageOffsetText, "pageOffset");
  if (offset >= OFFSET_ROW_LIMIT) {
    throw bad(
      `Offset-based paging is limited to ${OFFSET_ROW_LIMIT} rows; pageOffset must be below ${OFFSET_ROW_LIMIT}. Use cursor-based paging (pageToken) to read further`,
      { pageOffset: pageOffsetText ?? "" },
    );
  }
  let ordered = bySeq;
  if (sort !== undefined) {
    const keys = parseSort(sort, options.sortable ?? {});
    if (keys.length > 0) {
      // Array.prototype.sort is stable, so ties keep insertion order.
      ordered = bySeq.sort((a, b) => {
        for (const key of keys) {
          const c = compareValues(key.get(a), key.get(b));
          if (c !== 0) return key.desc ? -c : c;
        }
        return 0;
      });
    }
  }
  const end = Math.min(offset + pageSize, OFFSET_ROW_LIMIT, ordered.length);
  return {
    items: offset < end ? ordered.slice(offset, end) : [],
    nextPageToken: "",
    totalItemCount: ordered.length,
  };
}

/**
 * Keeps a generic ICA response within a character budget (of its JSON text): lists keep as many leading items
 * as fit, then long strings are cut, and as a last resort the JSON text itself is cut. Always says what was cut.
 */

export interface Bounded {
  /** The (possibly reduced) value; a string preview when nothing structured fit. */
  value: unknown;
  truncated: boolean;
  /** What was cut and how to ask for less. */
  notice?: string;
  /** Items kept / total, when a list was shortened. */
  kept?: { items: number; of: number; field?: string };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const size = (v: unknown) => (JSON.stringify(v) ?? "").length;

/** The response's main list: the value itself, or its `items` (ICA's paged envelope), or its only array. */
function mainList(value: unknown): { list: unknown[]; field?: string } | undefined {
  if (Array.isArray(value)) return { list: value };
  if (!isObject(value)) return undefined;
  if (Array.isArray(value.items)) return { list: value.items, field: "items" };
  const arrays = Object.entries(value).filter(([, v]) => Array.isArray(v));
  if (arrays.length === 1) return { list: arrays[0]![1] as unknown[], field: arrays[0]![0] };
  return undefined;
}

function withList(value: unknown, field: string | undefined, list: unknown[]): unknown {
  return field === undefined ? list : { ...(value as Record<string, unknown>), [field]: list };
}

function cutStrings(value: unknown, max: number): unknown {
  if (typeof value === "string") {
    return value.length > max ? `${value.slice(0, max)}… [${value.length - max} more characters]` : value;
  }
  if (Array.isArray(value)) return value.map((v) => cutStrings(v, max));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = cutStrings(v, max);
    return out;
  }
  return value;
}

export function boundValue(value: unknown, maxChars: number): Bounded {
  if (value === undefined) return { value: undefined, truncated: false };
  if (typeof value === "string") {
    if (value.length <= maxChars) return { value, truncated: false };
    return {
      value: value.slice(0, maxChars),
      truncated: true,
      notice: `showing the first ${maxChars} of ${value.length} characters`,
    };
  }
  const total = size(value);
  if (total <= maxChars) return { value, truncated: false };

  let current: unknown = value;
  let kept: Bounded["kept"];
  const main = mainList(value);
  if (main && main.list.length > 0) {
    // The largest leading slice that fits (binary search on the count).
    let lo = 0;
    let hi = main.list.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (size(withList(value, main.field, main.list.slice(0, mid))) <= maxChars) lo = mid;
      else hi = mid - 1;
    }
    if (lo > 0) {
      current = withList(value, main.field, main.list.slice(0, lo));
      kept = { items: lo, of: main.list.length, ...(main.field ? { field: main.field } : {}) };
    } else {
      // Not even one item fits whole: keep a few, with long strings cut.
      const few = main.list.slice(0, Math.min(3, main.list.length));
      current = withList(value, main.field, few);
      kept = { items: few.length, of: main.list.length, ...(main.field ? { field: main.field } : {}) };
    }
  }
  let stringsCut = false;
  const base = current;
  for (const limit of [2000, 500, 120]) {
    if (size(current) <= maxChars) break;
    current = cutStrings(base, limit);
    stringsCut = true;
  }
  const listNote = kept
    ? `kept ${kept.items} of ${kept.of} ${kept.field ? `${kept.field} ` : ""}entries; ask for fewer (query.pageSize=${Math.max(1, kept.items)}) and page on, or add filters`
    : undefined;
  if (size(current) <= maxChars) {
    return {
      value: current,
      truncated: true,
      notice: [listNote, stringsCut ? "long texts were shortened" : undefined].filter(Boolean).join("; "),
      ...(kept ? { kept } : {}),
    };
  }
  const text = JSON.stringify(current);
  return {
    value: text.slice(0, maxChars),
    truncated: true,
    notice: `the response (${total} characters of JSON) is too large to show whole; showing the first ${maxChars} characters of its JSON text; ask for less (pageSize, filters)`,
    ...(kept ? { kept } : {}),
  };
}

/** Key names whose string values are credentials (AWS temporary credentials, passwords, API keys…). */
const SECRET_KEY =
  /(secret|password|passphrase|privatekey|sessiontoken|apikey|accesstoken|refreshtoken|^token$)/i;

/** Every string value under a secret-looking key, at any depth. */
export function secretValues(value: unknown, depth = 0): string[] {
  if (depth > 30) return [];
  const out: string[] = [];
  if (Array.isArray(value)) for (const v of value) out.push(...secretValues(v, depth + 1));
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k.replace(/[-_]/g, "")) && typeof v === "string") out.push(v);
      else out.push(...secretValues(v, depth + 1));
    }
  }
  return out;
}

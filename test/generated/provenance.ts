/**
 * "Never invent a value": every string and number in a tool's structured result must come from something
 * ICA answered (or from the call's own arguments), unless the field is one the tool computes itself.
 */
import type { ServedAnswer } from "../helpers/spec-ica.js";

export interface CallContext {
  args: Record<string, unknown>;
  served: ServedAnswer[];
  downloads: string[];
}

/** Fields every tool computes (paging style, counts, flags), never copied from ICA. */
const ALWAYS_COMPUTED = [
  "paging",
  "remainingRecords",
  "nextPageOffset",
  "totalItemCount",
  "truncated",
  "notes",
  "logNote",
];

/** Markers a tool may add itself, e.g. "… 3 more" after a cut list, and the word for a value ICA did not give. */
const OWN_MARKERS = [/^… \d+ more$/, /^UNKNOWN$/];

type Table = { columns: string[]; rows: unknown[][] };

function isTable(v: unknown): v is Table {
  return (
    typeof v === "object" &&
    v !== null &&
    Array.isArray((v as Table).columns) &&
    (v as Table).columns.every((c) => typeof c === "string") &&
    Array.isArray((v as Table).rows)
  );
}

/**
 * The result with every columnar list (`{columns, rows}`) turned back into objects, null cells left out: column
 * names are the tool's own words, and the checks look at items either way.
 */
export function untable(value: unknown): unknown {
  if (isTable(value)) {
    return value.rows.map((row) =>
      Object.fromEntries(
        value.columns.flatMap((c, i) =>
          row[i] === null || row[i] === undefined ? [] : [[c, untable(row[i])]],
        ),
      ),
    );
  }
  if (Array.isArray(value)) return value.map(untable);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, untable(v)]));
  }
  return value;
}

function collect(value: unknown, strings: Set<string>, numbers: Set<number>): void {
  if (typeof value === "string") strings.add(value);
  else if (typeof value === "number") {
    numbers.add(value);
    strings.add(String(value)); // a tool may show a number as text (e.g. a default value)
  } else if (typeof value === "boolean") strings.add(String(value));
  else if (Array.isArray(value)) for (const v of value) collect(v, strings, numbers);
  else if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) collect(v, strings, numbers);
  }
}

export function servedValues(ctx: CallContext): { strings: string[]; numbers: Set<number> } {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  for (const s of ctx.served) collect(s.body, strings, numbers);
  for (const d of ctx.downloads) strings.add(d);
  collect(ctx.args, strings, numbers);
  return { strings: [...strings], numbers };
}

function fromServed(v: string, strings: string[]): boolean {
  if (v === "") return true;
  if (strings.some((s) => s.includes(v))) return true; // cut, or a URL without its query
  const cut = v.endsWith("…") ? v.slice(0, -1) : undefined;
  if (cut !== undefined && strings.some((s) => s.startsWith(cut))) return true;
  // A path built from ICA's folder path and name: every segment was served.
  if (v.includes("/")) {
    const segments = v.split("/").filter(Boolean);
    return segments.length > 0 && segments.every((seg) => strings.some((s) => s.includes(seg)));
  }
  return false;
}

/** Problems, one per invented value: "items[2].type = "FILE" was not in any answer". */
export function inventedValues(
  structured: Record<string, unknown>,
  ctx: CallContext,
  computed: readonly string[],
): string[] {
  const { strings, numbers } = servedValues(ctx);
  const skip = new Set([...ALWAYS_COMPUTED, ...computed]);
  const problems: string[] = [];
  const walk = (value: unknown, where: string, key: string | undefined) => {
    if (key !== undefined && skip.has(key)) return;
    if (typeof value === "string") {
      if (!OWN_MARKERS.some((m) => m.test(value)) && !fromServed(value, strings)) {
        problems.push(`invented value: ${where} = ${JSON.stringify(value).slice(0, 120)} was in no answer`);
      }
    } else if (typeof value === "number") {
      if (!numbers.has(value)) problems.push(`invented value: ${where} = ${value} was in no answer`);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        walk(v, `${where}[${i}]`, key);
      });
    } else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, where ? `${where}.${k}` : k, k);
    }
  };
  walk(untable(structured), "", undefined);
  return problems;
}

/**
 * Reading columnar lists in tests. Every list in a tool result is `{columns, rows}` (src/tools/columnar.ts);
 * these helpers turn one back into objects (null cells become absent keys, as before the columnar form).
 */
type Table = { columns: string[]; rows: unknown[][] };

function isTable(v: unknown): v is Table {
  return (
    !!v && typeof v === "object" && Array.isArray((v as Table).columns) && Array.isArray((v as Table).rows)
  );
}

function structuredOf(value: unknown): unknown {
  if (value && typeof value === "object" && "structuredContent" in value) {
    return (value as { structuredContent: unknown }).structuredContent;
  }
  return value;
}

function at(value: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
      value,
    );
}

/** Objects of a table; `source` is a tool result, its structured content, or the table itself. */
export function rowsOf<T = Record<string, unknown>>(source: unknown, key = "items"): T[] {
  const s = structuredOf(source);
  const table = isTable(s) ? s : at(s, key);
  if (!isTable(table)) throw new Error(`no columnar list at "${key}": ${JSON.stringify(s)?.slice(0, 300)}`);
  return table.rows.map(
    (row) => Object.fromEntries(table.columns.flatMap((c, i) => (row[i] === null ? [] : [[c, row[i]]]))) as T,
  );
}

/** The structured content with the table at `key` (default "items") turned back into objects. */
export function listed<T = Record<string, unknown>>(result: unknown, key = "items"): T {
  const s = structuredOf(result) as Record<string, unknown>;
  const copy = structuredClone(s);
  const parts = key.split(".");
  let parent: Record<string, unknown> = copy;
  for (const p of parts.slice(0, -1)) parent = parent[p] as Record<string, unknown>;
  const last = parts.at(-1)!;
  if (parent && isTable(parent[last])) parent[last] = rowsOf(parent[last]);
  return copy as T;
}

/** A copy of `value` with every table in it, at any depth, turned back into objects (rowsOf). */
export function untable<T = unknown>(value: unknown): T {
  const walk = (v: unknown): unknown => {
    if (isTable(v)) return rowsOf(v).map((o) => walk(o));
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(structuredOf(value)) as T;
}

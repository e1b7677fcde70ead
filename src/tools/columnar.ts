import { z } from "zod";

/**
 * Columnar lists: every list in a result states its keys once (`columns`) and then one array per item
 * (`rows`), cells in column order, `null` where ICA gave no value. Text and structured content stay the same
 * JSON, and a page of 300 analyses costs about half of what objects repeating every key would.
 */
export interface Table<Row extends readonly unknown[] = unknown[]> {
  columns: string[];
  rows: Row[];
}

type CellOf<T> = T extends undefined ? null : T;
type RowOf<S extends z.ZodRawShape> = { [K in keyof S]: CellOf<z.input<S[K]>> | null }[keyof S][];

/**
 * Characters of row JSON one table may hold. Tools bound lists by item count first; this bound is for rows
 * ICA made huge (hostile or broken data), so that no result ever reaches the adapter's MAX_TEXT_CHARS and
 * JSON is never cut in the middle. A table at the limit is reported as cut, with an exact way on.
 */
export const TABLE_CHARS = 64_000;

export interface Fitted<Row extends readonly unknown[]> {
  table: Table<Row>;
  /** Rows left out at the end to stay within TABLE_CHARS (0 almost always). */
  cut: number;
}

export interface Columnar<S extends z.ZodRawShape> {
  /** The column names, in order (the keys of the item shape). */
  readonly columns: readonly (keyof S & string)[];
  /** Output schema of the table; published as `columns` (a const) and `rows` (arrays). */
  readonly schema: z.ZodType<Table, Table<RowOf<S>>>;
  /** Items (objects of the item shape, optional keys absent) to a table. */
  table(items: readonly Partial<z.input<z.ZodObject<S>>>[]): Table<RowOf<S>>;
  /** The same, keeping the longest prefix of rows within `maxChars` of JSON. */
  fit(items: readonly Partial<z.input<z.ZodObject<S>>>[], maxChars?: number): Fitted<RowOf<S>>;
}

/** The shared helper every list tool uses: a table schema and the conversion for one item shape. */
export function columnar<S extends z.ZodRawShape>(item: S): Columnar<S> {
  const columns = Object.keys(item) as (keyof S & string)[];
  if (columns.length === 0) throw new Error("a table needs at least one column");
  const cells = columns.map((k) => {
    const cell = item[k] as z.ZodType;
    return (cell instanceof z.ZodOptional ? (cell.unwrap() as z.ZodType) : cell).nullable();
  });
  const schema = z.object({
    columns: z.array(z.string()).meta({ const: columns }),
    rows: z.array(z.tuple(cells as unknown as [z.ZodType, ...z.ZodType[]])),
  });
  const toRow = (i: object) => columns.map((k) => (i as Record<string, unknown>)[k] ?? null) as RowOf<S>;
  return {
    columns,
    schema: schema as unknown as Columnar<S>["schema"],
    table(items) {
      return { columns: [...columns], rows: items.map(toRow) };
    },
    fit(items, maxChars = TABLE_CHARS) {
      const rows: RowOf<S>[] = [];
      let chars = 0;
      for (const item of items) {
        const row = toRow(item);
        chars += JSON.stringify(row).length + 1;
        if (chars > maxChars) break;
        rows.push(row);
      }
      return { table: { columns: [...columns], rows }, cut: items.length - rows.length };
    },
  };
}

/** A table back to objects (null cells dropped), e.g. for resources or for callers that want objects. */
export function tableRows(t: Table): Record<string, unknown>[] {
  return t.rows.map((row) =>
    Object.fromEntries(t.columns.flatMap((c, i) => (row[i] === null ? [] : [[c, row[i]]]))),
  );
}

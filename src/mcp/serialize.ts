import { escapeInvisible, LOG_TEXT_KEYS, LOG_TEXT_PLACEHOLDER, untrustedJson } from "./untrusted.js";

/**
 * The ONE place where structured content becomes text for the model (the second text block of every tool
 * result, and resource bodies): invisible characters escaped and log text replaced by a pointer to its marked
 * block (untrusted.ts), for keyed values and for the cells of columnar lists alike. `plainJson`, when given,
 * must be JSON.stringify(value).
 */
export function serializeStructured(value: unknown, plainJson?: string): string {
  const plain = plainJson ?? JSON.stringify(value) ?? "null";
  // Without a log key or log column anywhere, neither replacement applies: escaping the plain JSON gives
  // exactly what the replacing path would (and costs one native stringify instead of a copy and a replacer).
  return mayHoldLogText(plain) ? untrustedJson(pointLogCells(value)) : escapeInvisible(plain);
}

/** Whether a log key, or a column named like one, occurs in JSON text (keys have no characters JSON escapes). */
function mayHoldLogText(json: string): boolean {
  for (const key of LOG_TEXT_KEYS) if (json.includes(`"${key}"`)) return true;
  return false;
}

type Table = { columns: unknown[]; rows: unknown[][] };

/** Columnar rows carry log text under a column name, not a key: replace those cells (copies, never in place). */
function pointLogCells(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pointLogCells);
  if (!value || typeof value !== "object") return value;
  const node = value as Record<string, unknown>;
  if (Array.isArray(node.columns) && Array.isArray(node.rows)) {
    const t = node as unknown as Table;
    const logAt = t.columns.flatMap((c, i) => (typeof c === "string" && LOG_TEXT_KEYS.has(c) ? [i] : []));
    if (logAt.length > 0) {
      return {
        ...node,
        rows: t.rows.map((row) =>
          row.map((cell, i) =>
            logAt.includes(i) && typeof cell === "string" && cell !== "" ? LOG_TEXT_PLACEHOLDER : cell,
          ),
        ),
      };
    }
    return node;
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, pointLogCells(v)]));
}

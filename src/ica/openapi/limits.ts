/**
 * Bounds on the arguments of one generic call, checked before any schema, pattern or redaction runs on them:
 * a manipulated model can send a megabyte key or a million nested arrays, and nothing downstream should have
 * to cope with that. The walk is iterative and stops at the first limit it passes.
 */
import { redactAndCut } from "../../redact.js";

export const ARGUMENT_LIMITS = {
  /** Characters of one object key (ICA's longest field names are about 40). */
  keyChars: 256,
  /** Characters of one string value (descriptions, user references, code snippets). */
  stringChars: 20_000,
  /** Nesting depth of objects and arrays. */
  depth: 32,
  /** Objects, arrays and scalars in all. */
  nodes: 20_000,
  /** Characters of all keys and strings together. */
  totalChars: 400_000,
} as const;

/** The first few bound violations in `args` (path, query and body), each naming where; empty when fine. */
export function argumentProblems(args: Record<string, unknown>): string[] {
  const L = ARGUMENT_LIMITS;
  const problems: string[] = [];
  let nodes = 0;
  let chars = 0;
  const stack: Entry[] = [];
  for (const [name, value] of Object.entries(args)) {
    if (value !== undefined) stack.push({ value, key: name, depth: 0 });
  }
  while (stack.length > 0 && problems.length < 5) {
    const entry = stack.pop()!;
    const { value, depth } = entry;
    const where = () => whereOf(entry);
    nodes++;
    if (nodes > L.nodes) {
      problems.push(`arguments: more than ${L.nodes} values in all; send less per call`);
      break;
    }
    if (typeof value === "string") {
      chars += value.length;
      if (value.length > L.stringChars) {
        problems.push(`${where()}: ${value.length} characters; at most ${L.stringChars} per value`);
      }
    } else if (value && typeof value === "object") {
      if (depth >= L.depth) {
        problems.push(`${where()}: nested deeper than ${L.depth} levels`);
        continue;
      }
      const isArray = Array.isArray(value);
      const entries = isArray ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      for (const [key, v] of entries) {
        chars += key.length;
        if (key.length > L.keyChars) {
          problems.push(
            `${where()}: a key of ${key.length} characters (${shownKey(key)}); at most ${L.keyChars}`,
          );
          continue;
        }
        stack.push({ value: v, key, index: isArray, parent: entry, depth: depth + 1 });
      }
    }
    if (chars > L.totalChars) {
      problems.push(`arguments: more than ${L.totalChars} characters in all; send less per call`);
      break;
    }
  }
  return problems;
}

interface Entry {
  value: unknown;
  key: string;
  /** The key is an array index. */
  index?: boolean;
  parent?: Entry;
  depth: number;
}

/** "body.analysisOutput[0].targetProjectId", built only when a problem is reported; redacted, then cut. */
function whereOf(entry: Entry): string {
  const parts: string[] = [];
  for (let e: Entry | undefined = entry; e; e = e.parent)
    parts.push(e.parent ? (e.index ? `[${e.key}]` : `.${e.key}`) : e.key);
  return redactAndCut(parts.reverse().join(""), 200);
}

/** The start of an over-long key, redacted before it is cut. */
function shownKey(key: string): string {
  return `"${redactAndCut(key.slice(0, 2_000), 24)}"`;
}

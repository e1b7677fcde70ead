/**
 * Keyword search over the catalogue: words of the operationId, path segments, summary, first sentence of the
 * description and tags, weighted by where they occur, with simple stemming, a few synonyms, a bonus for
 * covering every query word, and boosts for an exact operationId or tag.
 */
import { type Catalogue, firstSentence, type Operation } from "./catalogue.js";

const STOPWORDS = new Set([
  "a",
  "an",
  "the",
  "of",
  "to",
  "for",
  "in",
  "on",
  "by",
  "and",
  "or",
  "with",
  "from",
  "my",
  "all",
  "how",
  "do",
  "i",
  "is",
  "are",
  "can",
  "be",
  "this",
  "that",
  "it",
  "its",
  "api",
  "ica",
  "me",
  "which",
  "what",
  "some",
]);

/**
 * Query words that ICA spells differently, each with phrases searched instead when the word itself matches
 * nothing (every word of a phrase must match; at a lower weight). Words are stems (see `stem`).
 */
const SYNONYMS: Record<string, string[]> = {
  list: ["get", "retrieve", "search"],
  find: ["search", "get", "list"],
  show: ["get", "retrieve"],
  fetch: ["get", "retrieve"],
  remove: ["delete"],
  erase: ["delete"],
  add: ["create"],
  make: ["create"],
  new: ["create"],
  start: ["create analys"],
  launch: ["create analys"],
  run: ["analys"],
  workflow: ["pipeline"],
  file: ["data"],
  folder: ["data"],
  link: ["url"],
  cancel: ["abort"],
  stop: ["abort"],
  kill: ["abort"],
  permission: ["role"],
  member: ["permission"],
  user: ["permission"],
  access: ["permission"],
  change: ["update"],
  edit: ["update"],
  modify: ["update"],
  rename: ["update"],
  credential: ["storage"],
  log: ["event"],
  failed: ["search"],
  succeeded: ["search"],
  running: ["search"],
  status: ["search"],
  recent: ["search"],
  latest: ["search"],
  filter: ["search"],
};

/** Lower-case, simple plural stemming ("analyses"/"analysis" -> "analys", "sessions" -> "session", "entries" -> "entry"). */
export function stem(word: string): string {
  const w = word.toLowerCase();
  if (/ys[ie]s$/.test(w)) return w.slice(0, -2);
  if (w.length > 4 && /(ss|us|x|sh|ch)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 4 && w.endsWith("ies")) return `${w.slice(0, -3)}y`;
  if (w.length > 3 && w.endsWith("s") && !/(ss|us|is)$/.test(w)) return w.slice(0, -1);
  return w;
}

/** Words of a text, splitting camelCase, paths, actions and punctuation. */
export function words(text: string): string[] {
  return text
    .replace(/\{[^}]*\}/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map(stem);
}

const WEIGHTS = { operationId: 3, path: 2.5, tag: 2, summary: 1.5, description: 0.5 } as const;
type Field = keyof typeof WEIGHTS;
/** Words of an operationId that say what it does rather than what it is about. */
const VERBS = new Set(["get", "create", "search", "update", "delete", "retrieve", "find", "project"]);

interface IndexedOperation {
  op: Operation;
  fields: Record<Field, Set<string>>;
  /** The operationId's words that name what it is about. */
  subject: string[];
  /** Lower-case operationId and tags, for exact matches. */
  id: string;
  tags: string[];
}

interface Index {
  entries: IndexedOperation[];
  /** Inverse document frequency of each word: rare words count more. */
  idf: Map<string, number>;
  defaultIdf: number;
}

const indexes = new WeakMap<Catalogue, Index>();

function indexOf(catalogue: Catalogue): Index {
  let index = indexes.get(catalogue);
  if (index) return index;
  const entries = catalogue.operations.map((op) => {
    const fields: Record<Field, Set<string>> = {
      operationId: new Set(words(op.operationId)),
      path: new Set(words(op.path.replace(/^\/api\//, ""))),
      tag: new Set(op.tags.flatMap(words)),
      summary: new Set(words(op.summary)),
      description: new Set(words(firstSentence(op.description, 400))),
    };
    return {
      op,
      fields,
      subject: [...fields.operationId].filter((w) => !VERBS.has(w)),
      id: op.operationId.toLowerCase(),
      tags: op.tags.map((t) => t.toLowerCase().replace(/\s+/g, "")),
    };
  });
  const df = new Map<string, number>();
  for (const e of entries) {
    const all = new Set(Object.values(e.fields).flatMap((f) => [...f]));
    for (const w of all) df.set(w, (df.get(w) ?? 0) + 1);
  }
  const n = entries.length;
  const idf = new Map<string, number>();
  for (const [w, count] of df) idf.set(w, Math.log((n + 1) / (count + 1)) + 1);
  index = { entries, idf, defaultIdf: Math.log(n + 1) + 1 };
  indexes.set(catalogue, index);
  return index;
}

function fieldWeight(entry: IndexedOperation, word: string): number {
  let best = 0;
  for (const field of Object.keys(WEIGHTS) as Field[]) {
    if (entry.fields[field].has(word)) best = Math.max(best, WEIGHTS[field]);
  }
  return best;
}

export interface SearchHit {
  op: Operation;
  score: number;
}

/** The best matches for a free-text query, best first (ties keep the document's order). */
export function searchOperations(catalogue: Catalogue, query: string, limit: number): SearchHit[] {
  const raw = query.trim();
  const queryWords = [...new Set(words(raw).filter((w) => !STOPWORDS.has(w)))];
  const compact = raw.toLowerCase().replace(/\s+/g, "");
  const index = indexOf(catalogue);
  const idf = (w: string) => index.idf.get(w) ?? index.defaultIdf;
  const hits: SearchHit[] = [];
  for (const entry of index.entries) {
    let score = 0;
    let matched = 0;
    const covered = new Set<string>();
    for (const word of queryWords) {
      let weight = fieldWeight(entry, word) * idf(word);
      if (weight > 0) covered.add(word);
      else {
        for (const phrase of SYNONYMS[word] ?? []) {
          const parts = phrase.split(" ");
          const weights = parts.map((p) => fieldWeight(entry, p) * idf(p));
          if (weights.every((w) => w > 0)) {
            weight = Math.max(weight, (0.6 * weights.reduce((a, b) => a + b, 0)) / parts.length);
            for (const p of parts) covered.add(p);
          }
        }
      }
      if (weight > 0) matched++;
      score += weight;
    }
    if (queryWords.length > 0 && matched > 0) {
      const coverage = matched / queryWords.length;
      score *= 0.5 + coverage * coverage;
      // Prefer operations about exactly what was asked (getWorkflowSessions over getWorkflowSessionInputs).
      if (entry.subject.length > 0) {
        const precision = entry.subject.filter((w) => covered.has(w)).length / entry.subject.length;
        score *= 0.7 + 0.3 * precision;
      }
    }
    if (compact && entry.id === compact) score += 100;
    if (compact && entry.tags.includes(compact)) score += 3;
    if (score <= 0) continue;
    // Prefer what a model should use: current operations over deprecated ones, fewer path parameters first.
    if (entry.op.deprecated) score *= 0.75;
    score -= entry.op.path.split("{").length * 0.01;
    hits.push({ op: entry.op, score });
  }
  hits.sort((a, b) => b.score - a.score);
  return hits.slice(0, limit);
}

/**
 * ICA's operations as read from its OpenAPI document: method, path, parameters, request media types and
 * schemas, success media types, whether an operation changes anything, and what replaces a deprecated one.
 */
import type { HttpMethod } from "../client.js";

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI schemas are free-form JSON.
export type Schema = Record<string, any>;

export interface ParamInfo {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  schema: Schema;
  description?: string;
}

export interface Operation {
  operationId: string;
  method: HttpMethod;
  /** Template below the base URL, e.g. "/api/projects/{projectId}/analysis:search". */
  path: string;
  tags: string[];
  summary: string;
  description: string;
  deprecated: boolean;
  parameters: ParamInfo[];
  requestBody?: { required: boolean; content: Record<string, Schema> };
  /** Media types of the 2xx responses (empty for 204-only operations). */
  successTypes: string[];
  /** GET, or a POST whose action only reads (see READ_ONLY_ACTIONS). */
  changesNothing: boolean;
}

export interface Catalogue {
  title: string;
  /** info.version of the document. */
  version?: string;
  operations: Operation[];
  byId: Map<string, Operation>;
  /** The document's components (schemas are resolved against them). */
  components: Schema;
}

const METHODS: HttpMethod[] = ["GET", "POST", "PUT", "DELETE"];

/**
 * POST actions (the part after ':' in the last path segment) that change nothing in ICA: searches, activation
 * code look-ups, and presigned download/view URLs (which the curated ica_create_download_url also treats as
 * read-only). Read-only mode allows exactly these POSTs.
 */
export const READ_ONLY_ACTIONS: readonly (string | RegExp)[] = [
  "search",
  /^findBestMatching/,
  /^findAllMatching/,
  "createDownloadUrl",
  "createDownloadUrls",
  "createInlineViewUrl",
];

/** The action of a path's last segment ("/api/projects/{projectId}/analysis:search" -> "search"). */
export function pathAction(path: string): string | undefined {
  const last = path.split("/").pop() ?? "";
  const i = last.indexOf(":");
  return i >= 0 ? last.slice(i + 1) : undefined;
}

export function changesNothing(method: string, path: string): boolean {
  if (method === "GET") return true;
  if (method !== "POST") return false;
  const action = pathAction(path);
  if (!action) return false;
  return READ_ONLY_ACTIONS.some((a) => (typeof a === "string" ? a === action : a.test(action)));
}

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

/** Follows one local `$ref` chain ("#/components/..."); returns the schema itself when there is none. */
export function deref(root: Schema, value: unknown): Schema {
  let current = value;
  for (let i = 0; i < 20 && isObject(current) && typeof current.$ref === "string"; i++) {
    const ref: string = current.$ref;
    if (!ref.startsWith("#/")) break;
    let target: unknown = root;
    for (const part of ref.slice(2).split("/")) {
      target = isObject(target) ? target[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
    }
    current = target;
  }
  return isObject(current) ? current : {};
}

/** The name of a `$ref` ("#/components/schemas/Foo" -> "Foo"), if the schema is one. */
export function refName(schema: unknown): string | undefined {
  if (!isObject(schema) || typeof schema.$ref !== "string") return undefined;
  return schema.$ref.split("/").pop();
}

export function buildCatalogue(raw: unknown): Catalogue {
  if (!isObject(raw) || !isObject(raw.paths)) throw new Error("it has no paths");
  if (typeof raw.openapi !== "string" && typeof raw.swagger !== "string") {
    throw new Error("it has no openapi version field");
  }
  const root = raw;
  const operations: Operation[] = [];
  const byId = new Map<string, Operation>();
  for (const [path, itemRaw] of Object.entries(raw.paths)) {
    const item = deref(root, itemRaw);
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method.toLowerCase()];
      if (!isObject(op)) continue;
      const operationId =
        typeof op.operationId === "string" && op.operationId
          ? op.operationId
          : `${method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+/g, "_")}`;
      const parameters = mergeParameters(root, shared, Array.isArray(op.parameters) ? op.parameters : []);
      const body = deref(root, op.requestBody);
      const content: Record<string, Schema> = {};
      if (isObject(body.content)) {
        for (const [type, media] of Object.entries(body.content)) {
          content[type.toLowerCase()] = isObject(media) && isObject(media.schema) ? media.schema : {};
        }
      }
      const successTypes = new Set<string>();
      for (const [code, resRaw] of Object.entries(isObject(op.responses) ? op.responses : {})) {
        if (!/^2\d\d$/.test(code)) continue;
        const res = deref(root, resRaw);
        if (isObject(res.content))
          for (const type of Object.keys(res.content)) successTypes.add(type.toLowerCase());
      }
      const entry: Operation = {
        operationId,
        method,
        path,
        tags: Array.isArray(op.tags)
          ? op.tags.filter((t: unknown): t is string => typeof t === "string")
          : [],
        summary: typeof op.summary === "string" ? op.summary.trim() : "",
        description: typeof op.description === "string" ? op.description : "",
        deprecated: op.deprecated === true,
        parameters,
        ...(Object.keys(content).length > 0
          ? { requestBody: { required: body.required === true, content } }
          : {}),
        successTypes: [...successTypes],
        changesNothing: changesNothing(method, path),
      };
      if (byId.has(operationId)) continue;
      operations.push(entry);
      byId.set(operationId, entry);
    }
  }
  if (operations.length === 0) throw new Error("it describes no operations");
  const info = isObject(raw.info) ? raw.info : {};
  return {
    title: typeof info.title === "string" ? info.title : "ICA API",
    ...(info.version !== undefined ? { version: String(info.version) } : {}),
    operations,
    byId,
    components: isObject(raw.components) ? raw.components : {},
  };
}

function mergeParameters(root: Schema, shared: unknown[], own: unknown[]): ParamInfo[] {
  const out = new Map<string, ParamInfo>();
  for (const rawParam of [...shared, ...own]) {
    const p = deref(root, rawParam);
    if (typeof p.name !== "string" || !["path", "query", "header", "cookie"].includes(p.in)) continue;
    out.set(`${p.in}:${p.name}`, {
      name: p.name,
      in: p.in,
      required: p.in === "path" || p.required === true,
      schema: isObject(p.schema) ? p.schema : { type: "string" },
      ...(typeof p.description === "string" && p.description ? { description: p.description } : {}),
    });
  }
  return [...out.values()];
}

/** Media types of ICA's vendor versions, e.g. "v3" -> "application/vnd.illumina.v3+json". */
export function vendorType(version: "v3" | "v4"): string {
  return `application/vnd.illumina.${version}+json`;
}

/** The vendor versions an operation accepts (request) and produces (response). */
export function versionsOf(op: Operation): { request: ("v3" | "v4")[]; response: ("v3" | "v4")[] } {
  const pick = (types: string[]) =>
    (["v3", "v4"] as const).filter((v) => types.includes(vendorType(v))) as ("v3" | "v4")[];
  return { request: pick(Object.keys(op.requestBody?.content ?? {})), response: pick(op.successTypes) };
}

/** First sentence of a (possibly HTML or markdown) text, without markup, at most `max` characters. */
export function firstSentence(text: string, max = 200): string {
  const plain = plainText(text);
  const m = /^(.+?[.!?])(\s|$)/.exec(plain);
  const sentence = (m?.[1] ?? plain).trim();
  return sentence.length > max ? `${sentence.slice(0, max - 1)}…` : sentence;
}

export function plainText(text: string): string {
  return text
    .replace(/<br\s*\/?>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/[#*`]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export interface Replacement {
  /** What the document's description says, when it names a replacement. */
  note?: string;
  /** Non-deprecated operations that do the same job, best first. */
  operationIds: string[];
}

/**
 * What replaces a deprecated operation: the description's own advice ("Use the search endpoint…") plus
 * operations found by the document's naming: get* -> search*, the same path with ":search", the same path
 * below /api/projects/{projectId}, or the same method on a more specific action of the same path
 * (analysis:cwl -> analysis:cwlWithJsonInput, …).
 */
export function replacementFor(op: Operation, catalogue: Catalogue): Replacement {
  const sentences = plainText(op.description)
    .split(/(?<=[.!?])\s+/)
    .filter((s) => /\b(use|instead|replaced|replacement|superseded)\b/i.test(s));
  const note = sentences.length > 0 ? sentences.join(" ").slice(0, 300) : undefined;
  const found: string[] = [];
  const add = (candidate: Operation | undefined) => {
    if (candidate && !candidate.deprecated && candidate !== op && !found.includes(candidate.operationId)) {
      found.push(candidate.operationId);
    }
  };
  if (op.operationId.startsWith("get")) add(catalogue.byId.get(`search${op.operationId.slice(3)}`));
  for (const other of catalogue.operations) {
    if (other.method === "POST" && other.path === `${op.path}:search`) add(other);
  }
  for (const other of catalogue.operations) {
    if (
      other.method === op.method &&
      other.path === `/api/projects/{projectId}${op.path.replace(/^\/api/, "")}`
    ) {
      add(other);
    }
  }
  for (const other of catalogue.operations) {
    if (
      other.method === op.method &&
      other.changesNothing === op.changesNothing &&
      other.path.startsWith(op.path) &&
      other.path.length > op.path.length
    ) {
      const rest = other.path.slice(op.path.length);
      // An action on the same resource (data -> data:createFile), or a longer action (analysis:cwl -> analysis:cwlJson).
      const extendsAction = pathAction(op.path) !== undefined && /^[A-Za-z]/.test(rest);
      if ((rest.startsWith(":") || extendsAction) && !rest.includes("/")) add(other);
    }
  }
  return { ...(note ? { note } : {}), operationIds: found.slice(0, 5) };
}

/** The problem list of a create body (JSON path -> message, the shape of Problem.parameters) and small field readers. */
import { ProblemError } from "../../problem.js";

export type Json = Record<string, unknown>;

/** Bounds the problem list (and so the problem document) for absurd bodies. */
const MAX_PROBLEMS = 50;

/** Collects problems as JSON path -> message, the shape of Problem.parameters. */
export class Problems {
  readonly items: Record<string, string> = {};
  private count = 0;

  add(path: string, message: string): void {
    if (this.count >= MAX_PROBLEMS) return;
    const key = path in this.items ? `${path} (${this.count})` : path;
    this.items[key] = message;
    this.count++;
  }

  get empty(): boolean {
    return this.count === 0;
  }

  get size(): number {
    return this.count;
  }

  throwIfAny(what: string): void {
    if (this.empty) return;
    const first = Object.entries(this.items)
      .slice(0, 3)
      .map(([k, v]) => `${k}: ${v}`)
      .join("; ");
    throw new ProblemError(
      400,
      "Bad Request",
      `${what}: ${this.count} problem(s), e.g. ${first}`,
      this.items,
    );
  }
}

export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function onlyDeclared(p: Problems, path: string, value: Json, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      p.add(`${path}${path ? "." : ""}${key}`, `unknown property; allowed here: ${allowed.join(", ")}`);
    }
  }
}

export function str(
  p: Problems,
  path: string,
  v: unknown,
  opts: { required?: boolean; nullable?: boolean } = {},
) {
  if (v === undefined || (v === null && opts.nullable)) {
    if (opts.required) p.add(path, "is required");
    return undefined;
  }
  if (typeof v !== "string") {
    p.add(path, "must be a string");
    return undefined;
  }
  return v;
}

export function arr(
  p: Problems,
  path: string,
  v: unknown,
  opts: { required?: boolean; nullable?: boolean } = {},
) {
  if (v === undefined || (v === null && opts.nullable)) {
    if (opts.required) p.add(path, "is required");
    return [];
  }
  if (!Array.isArray(v)) {
    p.add(path, "must be an array");
    return [];
  }
  return v as unknown[];
}

export function obj(p: Problems, path: string, v: unknown, allowed: readonly string[]): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) {
    p.add(path, "must be an object");
    return undefined;
  }
  onlyDeclared(p, path, v, allowed);
  return v;
}

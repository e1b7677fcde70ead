import type { RouteDef } from "./context.js";

interface CompiledRoute {
  route: RouteDef;
  segments: Segment[];
  literalChars: number;
}

type Segment = { kind: "literal"; text: string } | { kind: "pattern"; regex: RegExp; names: string[] };

export type RouteMatch =
  | { kind: "found"; route: RouteDef; params: Record<string, string> }
  | { kind: "method"; allowed: string[] }
  | { kind: "none" };

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function compileSegment(text: string): Segment {
  if (!text.includes("{")) return { kind: "literal", text };
  const names: string[] = [];
  const source = text
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{([^}]+)\}$/.exec(part);
      if (!m) return escapeRegex(part);
      names.push(m[1]!);
      return "(.+?)";
    })
    .join("");
  return { kind: "pattern", regex: new RegExp(`^${source}$`), names };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Matches paths segment by segment on the decoded segments, so "%3A" and ":" both reach colon actions and
 * encoded slashes stay inside their parameter. The most literal template wins
 * ("/data/{dataId}:delete" before "/data/{dataId}").
 */
export class Router {
  private routes: CompiledRoute[] = [];

  add(route: RouteDef): void {
    if (!route.path.startsWith("/")) throw new Error(`route path must start with "/": ${route.path}`);
    const segments = route.path.slice(1).split("/").map(compileSegment);
    const literalChars = route.path.replace(/\{[^}]+\}/g, "").length;
    if (this.routes.some((r) => r.route.method === route.method && r.route.path === route.path)) {
      throw new Error(`duplicate route ${route.method} ${route.path}`);
    }
    this.routes.push({ route, segments, literalChars });
    this.routes.sort((a, b) => b.literalChars - a.literalChars || a.route.path.localeCompare(b.route.path));
  }

  list(): readonly RouteDef[] {
    return this.routes.map((r) => r.route);
  }

  match(method: string, path: string): RouteMatch {
    const raw = path.replace(/^\//, "").split("/");
    const decoded: string[] = [];
    for (const s of raw) {
      const d = decodeSegment(s);
      if (d === undefined) return { kind: "none" };
      decoded.push(d);
    }
    const allowed = new Set<string>();
    for (const compiled of this.routes) {
      const params = matchSegments(compiled.segments, decoded);
      if (!params) continue;
      if (compiled.route.method === method.toUpperCase())
        return { kind: "found", route: compiled.route, params };
      allowed.add(compiled.route.method);
    }
    return allowed.size > 0 ? { kind: "method", allowed: [...allowed].sort() } : { kind: "none" };
  }
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const part = parts[i]!;
    if (seg.kind === "literal") {
      if (seg.text !== part) return undefined;
      continue;
    }
    const m = seg.regex.exec(part);
    if (!m) return undefined;
    seg.names.forEach((name, j) => {
      params[name] = m[j + 1]!;
    });
  }
  return params;
}

/** Whether a concrete path fits a template (used by fault matching). */
export function pathMatchesTemplate(template: string, path: string): boolean {
  const segments = template.replace(/^\//, "").split("/").map(compileSegment);
  const parts = path
    .replace(/^\//, "")
    .split("/")
    .map((s) => decodeSegment(s) ?? s);
  return matchSegments(segments, parts) !== undefined;
}

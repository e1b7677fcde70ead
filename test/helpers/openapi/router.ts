/** Matches concrete `/api/...` paths to the document's path templates. */

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export interface Route {
  template: string;
  regex: RegExp;
  paramNames: string[];
  /** Literal characters in the template; more means more specific. */
  literalChars: number;
  pathItem: Record<string, any>;
}

export interface RouteMatch {
  route: Route;
  pathParams: Record<string, string>;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function compileRoute(template: string, pathItem: Record<string, any>): Route {
  const paramNames: string[] = [];
  let literalChars = 0;
  const source = template
    .split(/(\{[^}/]+\})/)
    .map((part) => {
      const param = /^\{([^}/]+)\}$/.exec(part);
      if (param) {
        paramNames.push(param[1]!);
        return "([^/]+?)";
      }
      literalChars += part.length;
      return escapeRegex(part);
    })
    .join("");
  return { template, regex: new RegExp(`^${source}$`), paramNames, literalChars, pathItem };
}

export function buildRoutes(paths: Record<string, Record<string, any>>): Route[] {
  return (
    Object.entries(paths)
      .map(([template, item]) => compileRoute(template, item))
      // Most specific first; ties broken by fewer parameters, then by name for determinism.
      .sort(
        (a, b) =>
          b.literalChars - a.literalChars ||
          a.paramNames.length - b.paramNames.length ||
          a.template.localeCompare(b.template),
      )
  );
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The most specific template matching `path` (whatever the method), or null. */
export function matchRoute(routes: Route[], path: string): RouteMatch | null {
  for (const route of routes) {
    const m = route.regex.exec(path);
    if (!m) continue;
    const pathParams: Record<string, string> = {};
    route.paramNames.forEach((name, i) => {
      pathParams[name] = decode(m[i + 1]!);
    });
    return { route, pathParams };
  }
  return null;
}

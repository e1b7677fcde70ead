import { CREDENTIAL_HINT } from "../config.js";
import {
  IcaAbortError,
  IcaApiError,
  IcaAuthConfigError,
  IcaNetworkError,
  IcaResponseError,
  IcaTimeoutError,
  UserInputError,
} from "../ica/errors.js";
import { CatalogueUnavailableError } from "../ica/openapi/errors.js";
import { log } from "../log.js";
import { redactAndCut } from "../redact.js";

/** Where credentials come from: the server's environment (stdio) or each request's headers (--http). */
let credentialSource: "environment" | "headers" = "environment";

export function setCredentialSource(source: "environment" | "headers"): void {
  credentialSource = source;
}

/**
 * Turns any failure into text a model can act on: what went wrong, then the next step. Never a stack trace,
 * never a credential (the text is redacted before it leaves).
 */
export function formatToolError(err: unknown, toolName: string): string {
  // Bounded before any pattern runs, redacted before the final cut (so no secret is left half-recognised).
  return redactAndCut(describe(err, toolName).slice(0, 64_000), MAX_ERROR_CHARS, "… [cut]");
}

/** An error text is never longer than this. */
const MAX_ERROR_CHARS = 8_000;

function describe(err: unknown, toolName: string): string {
  if (err instanceof UserInputError) {
    const lines = [`Invalid arguments for ${toolName}:`, ...err.problems.map((p) => `- ${p}`)];
    lines.push(`Next step: ${err.hint ?? "fix the arguments above and call the tool again."}`);
    return lines.join("\n");
  }
  if (err instanceof IcaAuthConfigError) {
    const next =
      credentialSource === "headers"
        ? `check the ${err.variable === "ICA_ACCESS_TOKEN" ? "JWT sent in the X-ICA-Access-Token" : "ICA API key sent in the X-ICA-API-Key"} header of the request (a new API key is made in the ICA portal under Your Profile > API Keys); no server restart is needed.`
        : err.message === "no ICA credentials are configured"
          ? `${CREDENTIAL_HINT}, then restart the server.`
          : `check ${err.variable} in the MCP server's environment (a new API key is made in the ICA portal under Your Profile > API Keys), then restart the server.`;
    return `ICA authentication failed: ${err.message}.\nNext step: ${next}`;
  }
  if (err instanceof CatalogueUnavailableError) return `${err.message}.\nNext step: ${err.nextStep}`;
  if (err instanceof IcaApiError) return describeApiError(err);
  if (err instanceof IcaTimeoutError) {
    return `${err.message}.\nNext step: call again; for large listings pass a smaller pageSize or narrower filters; the timeout is ICA_TIMEOUT_MS.`;
  }
  if (err instanceof IcaNetworkError) {
    return `${err.message}.\nNext step: check ICA_BASE_URL and the network; behind a proxy set HTTPS_PROXY (and NO_PROXY), and for a corporate CA set NODE_EXTRA_CA_CERTS; then call again.`;
  }
  if (err instanceof IcaResponseError) {
    const portal = portalHint(err.request);
    if (portal) return `Unexpected answer from ICA: ${err.message}.\nNext step: ${portal}`;
    return `Unexpected answer from ICA: ${err.message}.\nNext step: call again; if it persists, a proxy or gateway between this server and ICA may be interfering.`;
  }
  if (err instanceof IcaAbortError) return "The call was cancelled before ICA answered.";
  const message = err instanceof Error ? err.message : String(err);
  log.error(`unexpected failure in ${toolName}`, {
    error: err instanceof Error ? (err.stack ?? message) : message,
  });
  return `Internal error in ica-mcp while running ${toolName}: ${redactAndCut(message.slice(0, 10_000), 300)}.\nNext step: call again; if it persists, report it with the server's stderr log.`;
}

/**
 * ICA's REST API lives at <origin>/ica/rest; a base URL without that (often the portal's address, such as
 * https://ica.illumina.com/ica) makes every request miss. Says so instead of blaming the ids.
 */
function portalHint(request: { baseUrl?: string } | undefined): string | undefined {
  const base = request?.baseUrl;
  if (!base) return undefined;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return undefined;
  }
  if (/\/ica\/rest\/?$/.test(url.pathname)) return undefined;
  return `ICA_BASE_URL (${base}) does not end in /ica/rest, so it is not ICA's REST API (a portal address, such as https://ica.illumina.com/ica, is not); set ICA_BASE_URL=${url.origin}/ica/rest (or --base-url), then restart the server.`;
}

function describeApiError(err: IcaApiError): string {
  const head = `ICA answered ${err.status} ${err.title} to ${err.request.method} ${err.request.path}${err.detail ? `: ${err.detail}` : ""}`;
  const params = Object.entries(err.parameters).map(([k, v]) => `- ${k}: ${v}`);
  const lines = [head, ...params];
  switch (err.kind) {
    case "not_found":
      if (portalHint(err.request)) {
        lines.push(`Next step: ${portalHint(err.request)}`);
        break;
      }
      lines.push(
        "Next step: check the ids you passed; list valid ones with the matching ica_list_* tool (projects with ica_list_projects).",
      );
      break;
    case "forbidden":
      lines.push(
        "Next step: the API key's user lacks permission for this resource; use a project the user belongs to, or ask a project administrator for access.",
      );
      break;
    case "validation":
      lines.push("Next step: fix the fields ICA names above and call again.");
      break;
    case "conflict":
      lines.push(
        "Next step: the resource changed meanwhile, or the original request is still being processed; wait a few seconds, read the current state, and try again.",
      );
      break;
    case "rate_limited":
      lines.push(
        "Next step: ICA's rate limit persisted through the retries (the limit is shared by everyone using this key); wait a minute before calling again, or lower ICA_MAX_REQUESTS_PER_SECOND.",
      );
      break;
    case "server":
      lines.push("Next step: ICA had a server-side problem; call again in a minute.");
      break;
    default:
      lines.push("Next step: check the arguments and call again.");
  }
  return lines.join("\n");
}

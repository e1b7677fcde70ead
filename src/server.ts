#!/usr/bin/env node
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { sharedSignal } from "./abort.js";
import { type Config, parseConfig, usage } from "./config.js";
import { getProject, listProjects } from "./ica/api/projects.js";
import type { IcaClient } from "./ica/client.js";
import { IcaApiError } from "./ica/errors.js";
import { clientFromConfig } from "./ica/from-config.js";
import { planPaging } from "./ica/paging.js";
import { log, setLogLevel } from "./log.js";
import { createServer } from "./mcp/create-server.js";
import { formatToolError } from "./mcp/errors.js";
import { selectedDefinitions, startSurface } from "./mcp/prebuilt-surface.js";
import { ToolSelectionError } from "./mcp/select.js";
import type { Surface } from "./mcp/surface.js";
import { redact } from "./redact.js";
import { VERSION } from "./version.js";

/** The sandbox's fixed demo key: only ever valid against the embedded simulator on loopback. */
const SANDBOX_API_KEY = "sandbox-api-key";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // Asked for by a person in a terminal, not by an MCP client: printed on stdout, and the server does not start.
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  if (argv.includes("--version") || argv.includes("-v")) {
    process.stdout.write(`ica-mcp ${VERSION}\n`);
    return;
  }
  const parsed = parseConfig(argv, process.env);
  if (!parsed.ok) {
    const prefix = argv.includes("--check") ? "ica-mcp --check: FAIL:" : "ica-mcp:";
    process.stderr.write(`${prefix} ${redact(parsed.message)}\n`);
    process.exit(1);
  }
  let config: Config = parsed.config;
  setLogLevel(config.logLevel);
  let surface: Surface;
  try {
    surface = await startSurface(config);
  } catch (err) {
    if (!(err instanceof ToolSelectionError)) throw err;
    process.stderr.write(`ica-mcp: ${err.message}\n`);
    process.exit(1);
  }
  for (const notice of parsed.notices) log.warn(notice);

  const closers: (() => Promise<void>)[] = [];
  let downloadAllowance: { allowedDownloadOrigins: string[] } | undefined;
  if (config.sandbox) {
    const { startSandbox } = await import("./sandbox/index.js");
    // ICA's full document when a development checkout has it beside it, else the sandbox's own description.
    const sandbox = await startSandbox({
      apiKeys: [SANDBOX_API_KEY],
      openapiPath: sandboxOpenapiPath(),
      describeRoutes: true,
    });
    closers.push(() => sandbox.close());
    // The sandbox's presigned URLs point at its own loopback listener: the one origin fetched over http.
    downloadAllowance = { allowedDownloadOrigins: [sandbox.downloadOrigin] };
    // In team mode each request brings the sandbox's key itself, unless the deployment shares one identity.
    const sharedKey = !config.http || config.httpSharedKey;
    config = {
      ...config,
      baseUrl: sandbox.url,
      apiKey: sharedKey ? SANDBOX_API_KEY : undefined,
      accessToken: undefined,
      tenant: undefined,
    };
    log.info(`sandbox ICA listening at ${sandbox.url} (simulated data; no real ICA account is used)`);
  }

  if (config.http && !config.check) {
    const [{ runHttp }, tools] = await Promise.all([import("./http/main.js"), selectedDefinitions(config)]);
    await runHttp({ config, tools, clientOptions: downloadAllowance, closers });
    return;
  }

  const ica = clientFromConfig(config, downloadAllowance);
  closers.unshift(() => ica.close());

  if (config.check) {
    const ok = await runCheck(config, ica);
    await Promise.all(closers.map((c) => c()));
    process.exit(ok ? 0 : 1);
  }

  if (!ica.hasCredentials) {
    log.warn(
      "no ICA credentials: set ICA_API_KEY or ICA_ACCESS_TOKEN (tools will answer with an error until then)",
    );
  }

  const shutdownController = new AbortController();
  sharedSignal(shutdownController);
  const server = createServer(surface, { config, ica, shutdownSignal: shutdownController.signal });
  const transport = new StdioServerTransport();
  // Under bursts of concurrent answers the transport waits for stdout's "drain" once per pending write;
  // that is backpressure working, not a leak, so Node's 10-listener warning would only be noise.
  process.stdout.setMaxListeners(0);

  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`shutting down (${reason})`);
    shutdownController.abort();
    // Never hang on exit: whatever is still closing after this long is abandoned.
    setTimeout(() => process.exit(0), 2_000).unref();
    await server.close().catch(() => {});
    await Promise.all(closers.map((c) => c().catch(() => {})));
    process.exit(0);
  };
  // The SDK's stdio transport does not exit on stdin EOF (typescript-sdk#2002): orphaned servers pile up.
  process.stdin.on("end", () => void shutdown("stdin closed"));
  process.stdin.on("close", () => void shutdown("stdin closed"));
  process.stdin.on("error", (err) => void shutdown(`stdin failed: ${err.message}`));
  // The transport closes itself on an unrecoverable read (a line over its buffer limit) and then stops
  // reading stdin, so "end" would never come: whenever it closes, the server goes too. Set before connect():
  // the SDK chains handlers that are already there.
  let transportError: string | undefined;
  transport.onerror = (err) => {
    transportError = err.message;
    log.debug("stdio transport error", { error: err.message });
  };
  transport.onclose = () =>
    void shutdown(
      transportError ? `the stdio transport closed after: ${transportError}` : "the stdio transport closed",
    );
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  await server.connect(transport);
  log.info(`ica-mcp ${VERSION} ready on stdio (ICA at ${new URL(config.baseUrl).origin})`);
}

/** ICA's OpenAPI document next to a development checkout (../shared), which the sandbox then publishes. */
function sandboxOpenapiPath(): string | undefined {
  const file = fileURLToPath(new URL("../../shared/ica-openapi/openapi_public.yaml", import.meta.url));
  return existsSync(file) ? file : undefined;
}

/**
 * --check: token exchange plus one listing; one verdict line on stderr. Even here stdout stays silent: a client
 * configured with --check by mistake must not receive anything that is not JSON-RPC.
 */
async function runCheck(config: Config, ica: IcaClient): Promise<boolean> {
  const where = new URL(config.baseUrl).origin;
  const verdict = (line: string) => process.stderr.write(`ica-mcp --check: ${redact(line)}\n`);
  if (!ica.hasCredentials) {
    verdict(`FAIL: no ICA credentials; set ICA_API_KEY or ICA_ACCESS_TOKEN (ICA at ${where})`);
    return false;
  }
  try {
    const plan = planPaging({ pageSize: 1 }, { sortFields: [], defaultPageSize: 1, maxPageSize: 1 });
    const page = await listProjects(ica, {}, plan);
    const count =
      page.remainingRecords !== undefined ? page.items.length + page.remainingRecords : page.items.length;
    const scope = await checkProjects(config, ica);
    verdict(
      `${scope.ok ? "OK" : "FAIL"}: authenticated to ICA at ${where}; ${count} project(s) visible${config.projectId ? `; default project ${config.projectId}` : ""}${scope.notes.length > 0 ? `; ${scope.notes.join("; ")}` : ""}`,
    );
    return scope.ok;
  } catch (err) {
    const text = formatToolError(err, "--check").replace(/\n/g, " ");
    verdict(`FAIL: ${text}`);
    return false;
  }
}

/** At most this many ICA_ALLOWED_PROJECTS entries are looked up by --check. */
const MAX_CHECKED_PROJECTS = 20;

/**
 * --check: whether ICA_PROJECT_ID and ICA_ALLOWED_PROJECTS name projects this key can see (a list that matches
 * none of them would refuse every call). One GET per project, bounded.
 */
async function checkProjects(config: Config, ica: IcaClient): Promise<{ ok: boolean; notes: string[] }> {
  const visible = async (id: string) => {
    try {
      await getProject(ica, id);
      return true;
    } catch (err) {
      if (err instanceof IcaApiError && (err.status === 404 || err.status === 403)) return false;
      throw err;
    }
  };
  const notes: string[] = [];
  let ok = true;
  if (config.projectId && !(await visible(config.projectId))) {
    ok = false;
    notes.push(`ICA_PROJECT_ID ${config.projectId} is not a project this key can see`);
  }
  const allowed = config.allowedProjects ?? [];
  if (allowed.length > 0) {
    const checked = allowed.slice(0, MAX_CHECKED_PROJECTS);
    const missing: string[] = [];
    for (const id of checked) if (!(await visible(id))) missing.push(id);
    if (missing.length === checked.length && checked.length === allowed.length) {
      ok = false;
      notes.push(
        `ICA_ALLOWED_PROJECTS matches none of the visible projects (${missing.join(", ")}): every call would be refused`,
      );
    } else if (missing.length > 0) {
      notes.push(`ICA_ALLOWED_PROJECTS: not visible to this key: ${missing.join(", ")}`);
    } else {
      notes.push(
        `ICA_ALLOWED_PROJECTS: ${checked.length} allowed project(s) visible${allowed.length > checked.length ? ` (first ${checked.length} checked)` : ""}`,
      );
    }
  }
  return { ok, notes };
}

process.on("unhandledRejection", (err) => {
  log.error("unhandled rejection", {
    error: err instanceof Error ? (err.stack ?? err.message) : String(err),
  });
});

main().catch((err) => {
  log.error("fatal", { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});

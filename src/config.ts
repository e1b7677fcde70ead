import { z } from "zod";
import { redactAndCut, registerSecret } from "./redact.js";

/**
 * Every setting of the server in one table: the README's configuration section is generated from it
 * (see scripts/readme.mjs), and a test keeps the two in sync.
 */
export interface OptionSpec {
  key: keyof RawConfig;
  env?: string;
  aliases?: string[];
  flag?: string;
  kind: "string" | "number" | "boolean" | "list";
  default?: string;
  description: string;
  secret?: boolean;
}

export const DEFAULT_BASE_URL = "https://ica.illumina.com/ica/rest";

export const OPTIONS: OptionSpec[] = [
  {
    key: "baseUrl",
    env: "ICA_BASE_URL",
    aliases: ["ICAV2_BASE_URL"],
    flag: "--base-url",
    kind: "string",
    default: DEFAULT_BASE_URL,
    description: "ICA REST base URL; request paths `/api/...` are appended.",
  },
  {
    key: "apiKey",
    env: "ICA_API_KEY",
    aliases: ["ICAV2_X_API_KEY"],
    kind: "string",
    secret: true,
    description:
      "API key, exchanged for a JWT at `POST /api/tokens`; the JWT is cached until shortly before it expires and minted again on a 401.",
  },
  {
    key: "accessToken",
    env: "ICA_ACCESS_TOKEN",
    aliases: ["ICAV2_ACCESS_TOKEN"],
    kind: "string",
    secret: true,
    description:
      "A JWT sent as `Authorization: Bearer`. Refreshed through `POST /api/tokens:refresh` shortly before it expires where ICA allows it; with a key as well, the key takes over when the token is rejected.",
  },
  {
    key: "projectId",
    env: "ICA_PROJECT_ID",
    flag: "--project-id",
    kind: "string",
    description: "Default project for tools whose `projectId` is omitted.",
  },
  {
    key: "tenant",
    env: "ICA_TENANT",
    flag: "--tenant",
    kind: "string",
    description: "Tenant name for users with several tenants (the `tenant` query of `POST /api/tokens`).",
  },
  {
    key: "maxRps",
    env: "ICA_MAX_REQUESTS_PER_SECOND",
    flag: "--max-rps",
    kind: "number",
    default: "10",
    description:
      "Client-side throttle, a whole number: no sliding second carries more requests than this (per process).",
  },
  {
    key: "timeoutMs",
    env: "ICA_TIMEOUT_MS",
    flag: "--timeout-ms",
    kind: "number",
    default: "30000",
    description: "Per-request timeout in milliseconds (each retry gets its own).",
  },
  {
    key: "logLevel",
    env: "ICA_LOG_LEVEL",
    flag: "--log-level",
    kind: "string",
    default: "info",
    description:
      "stderr logging: `debug`, `info`, `warn`, `error` or `silent`. Nothing is ever logged to stdout.",
  },
  {
    key: "readOnly",
    env: "ICA_READ_ONLY",
    flag: "--read-only",
    kind: "boolean",
    default: "false",
    description:
      "Register only tools that change nothing in ICA (readOnlyHint); `ica_call_api` stays, limited to operations that change nothing and registered as read-only. Booleans take true/false, 1/0, yes/no or on/off; anything else stops the server.",
  },
  {
    key: "confirm",
    env: "ICA_CONFIRM",
    flag: "--confirm",
    kind: "string",
    default: "auto",
    description:
      "Confirmation before a launch, abort or key rotation: `auto` asks the user through the client's form (elicitation) when it can, else relies on the client's own approval; `required` needs an accepted form or the `confirmationToken` of a dry run; `off` never asks (automations).",
  },
  {
    key: "confirmSecret",
    env: "ICA_CONFIRM_SECRET",
    kind: "string",
    secret: true,
    description:
      "Key for confirmation tokens (HMAC), so that tokens stay valid across server processes; default: a random key per process.",
  },
  {
    key: "allowedProjects",
    env: "ICA_ALLOWED_PROJECTS",
    flag: "--allowed-projects",
    kind: "list",
    description:
      "Comma-separated project ids (UUIDs). Calls naming any other project anywhere in their arguments (output targets included) are refused before anything is sent, and listings show only these; see Safe setups for `ica_call_api`.",
  },
  {
    key: "tools",
    env: "ICA_TOOLS",
    flag: "--tools",
    kind: "list",
    description:
      "Comma-separated allow-list of tool names (default: every tool). Unknown names stop the server, listing the valid ones.",
  },
  {
    key: "excludeTools",
    env: "ICA_EXCLUDE_TOOLS",
    flag: "--exclude-tools",
    kind: "list",
    description: "Comma-separated tool names to leave out.",
  },
  {
    key: "sandbox",
    env: "ICA_SANDBOX",
    flag: "--sandbox",
    kind: "boolean",
    default: "false",
    description:
      "Start the embedded sandbox ICA on a loopback port and point the client at it; no credentials needed (real ones are ignored).",
  },
  {
    key: "http",
    env: "ICA_HTTP",
    flag: "--http",
    kind: "boolean",
    default: "false",
    description:
      "Team mode: serve stateless Streamable HTTP at `/mcp` (and `GET /healthz`) instead of stdio. Each request brings its user's ICA key in `X-ICA-API-Key` (or a JWT in `X-ICA-Access-Token`); see Team mode.",
  },
  {
    key: "port",
    env: "ICA_HTTP_PORT",
    flag: "--port",
    kind: "number",
    default: "8787",
    description: "HTTP port for `--http` (0: any free port, printed at start-up).",
  },
  {
    key: "host",
    env: "ICA_HTTP_HOST",
    flag: "--host",
    kind: "string",
    default: "127.0.0.1",
    description:
      "Address `--http` listens on. Anything but a loopback address is logged as a warning: put an authenticating proxy in front.",
  },
  {
    key: "httpSharedKey",
    env: "ICA_HTTP_SHARED_KEY",
    flag: "--http-shared-key",
    kind: "boolean",
    default: "false",
    description:
      "With `--http`: the deployment serves ONE identity, the `ICA_API_KEY`/`ICA_ACCESS_TOKEN` of its environment, and requests may not bring credentials. Without it, credentials in the environment stop `--http`.",
  },
  {
    key: "httpAllowedHosts",
    env: "ICA_HTTP_ALLOWED_HOSTS",
    flag: "--http-allowed-hosts",
    kind: "list",
    description:
      "Comma-separated `Host` header values `--http` answers (`name` or `name:port`; `*`: any, when a proxy in front checks Host); default: loopback names when bound to loopback, else the `--host` address (a wildcard address needs the list). Other hosts get 403 (DNS rebinding).",
  },
  {
    key: "httpAllowedOrigins",
    env: "ICA_HTTP_ALLOWED_ORIGINS",
    flag: "--http-allowed-origins",
    kind: "list",
    description:
      "Comma-separated browser origins (`https://app.example.org`) allowed to call `--http`, with CORS for exactly these; requests with any other `Origin` get 403.",
  },
  {
    key: "check",
    flag: "--check",
    kind: "boolean",
    default: "false",
    description:
      "Verify the configuration (token exchange and one listing), print a one-line verdict on stderr, and exit 0 or 1.",
  },
];

const positiveNumber = (name: string, min: number, max: number) =>
  z.coerce
    .number({ message: `${name} must be a number` })
    .refine((n) => Number.isFinite(n) && n >= min && n <= max, `${name} must be between ${min} and ${max}`);

const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === "https:" || u.protocol === "http:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL such as https://ica.illumina.com/ica/rest")
  .transform((v) => v.replace(/\/+$/, ""));

const nonEmpty = z.string().trim().min(1);

/** ICA project ids are UUIDs; anything else (a name, a path, "..") is a misconfiguration, caught at startup. */
export const PROJECT_ID_PATTERN =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const projectId = z
  .string()
  .trim()
  .regex(
    PROJECT_ID_PATTERN,
    "must be a project id (a UUID such as 2f5d1c7e-…; ica_list_projects shows them)",
  );

export const ConfigSchema = z.object({
  baseUrl: httpUrl.default(DEFAULT_BASE_URL),
  apiKey: nonEmpty.optional(),
  accessToken: nonEmpty.optional(),
  projectId: projectId.optional(),
  tenant: nonEmpty.optional(),
  maxRps: positiveNumber("the request rate", 1, 1000)
    .refine((n) => Number.isInteger(n), "the request rate must be a whole number")
    .default(10),
  timeoutMs: positiveNumber("the timeout", 100, 3_600_000).default(30_000),
  logLevel: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  readOnly: z.boolean().default(false),
  confirm: z
    .preprocess(
      (v) => (typeof v === "string" ? v.trim().toLowerCase() : v),
      z.enum(["auto", "required", "off"], { message: "must be auto, required or off" }),
    )
    .default("auto"),
  confirmSecret: z.string().min(16, "use at least 16 characters").optional(),
  allowedProjects: z.array(projectId).optional(),
  tools: z.array(z.string()).optional(),
  excludeTools: z.array(z.string()).optional(),
  sandbox: z.boolean().default(false),
  http: z.boolean().default(false),
  port: positiveNumber("the port", 0, 65535)
    .refine((n) => Number.isInteger(n), "the port must be a whole number")
    .default(8787),
  host: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.:_-]{1,253}$/, "must be an IP address or a host name")
    .default("127.0.0.1"),
  httpSharedKey: z.boolean().default(false),
  httpAllowedHosts: z
    .array(
      z
        .string()
        .regex(
          /^\*$|^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?$/,
          "must be a host name, optionally with :port, or *",
        ),
    )
    .max(64)
    .optional(),
  httpAllowedOrigins: z
    .array(
      z
        .string()
        .regex(
          /^https?:\/\/[A-Za-z0-9.\-[\]:]{1,260}$/,
          "must be an origin such as https://app.example.org (no path)",
        ),
    )
    .max(64)
    .optional(),
  check: z.boolean().default(false),
});

export type Config = z.infer<typeof ConfigSchema>;
type RawConfig = { [K in keyof Config]?: unknown };

export type ParseResult = { ok: true; config: Config; notices: string[] } | { ok: false; message: string };

function optionLabel(spec: OptionSpec, fromFlag: boolean, envName?: string): string {
  if (fromFlag && spec.flag) return spec.flag;
  return envName ?? spec.env ?? spec.flag ?? spec.key;
}

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

class BooleanError extends Error {}

/** A safety switch must never silently do nothing: anything but the eight words (any case) is an error. */
function parseBoolean(value: string, label: string): boolean {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new BooleanError(
    `invalid ${label}: must be true/false, 1/0, yes/no or on/off (got "${redactAndCut(value, 40)}")`,
  );
}

/** An empty (or blank) value means unset: that is what an MCP Bundle sends for a field left blank. */
const isBlank = (value: string | undefined) => value === undefined || value.trim() === "";

function coerce(spec: OptionSpec, value: string, label: string): unknown {
  if (spec.kind === "boolean") return parseBoolean(value, label);
  if (spec.kind === "list") {
    return value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean);
  }
  return value;
}

/** Parses flags and environment (flags win; primary names win over aliases) and validates once. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): ParseResult {
  const raw: Record<string, unknown> = {};
  const source: Record<string, { fromFlag: boolean; envName?: string }> = {};
  const notices: string[] = [];

  try {
    return parseRaw(argv, env, raw, source, notices);
  } catch (err) {
    if (err instanceof BooleanError) return { ok: false, message: err.message };
    throw err;
  }
}

function parseRaw(
  argv: string[],
  env: NodeJS.ProcessEnv,
  raw: Record<string, unknown>,
  source: Record<string, { fromFlag: boolean; envName?: string }>,
  notices: string[],
): ParseResult {
  for (const spec of OPTIONS) {
    for (const name of [...(spec.aliases ?? []).slice().reverse(), ...(spec.env ? [spec.env] : [])]) {
      const value = env[name];
      if (!isBlank(value)) {
        raw[spec.key] = coerce(spec, value!, name);
        source[spec.key] = { fromFlag: false, envName: name };
      }
    }
  }

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) return { ok: false, message: `unexpected argument "${arg}" (see --help)` };
    const [name, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg];
    const spec = OPTIONS.find((o) => o.flag === name);
    if (!spec) return { ok: false, message: `unknown flag ${name} (see --help)` };
    if (spec.kind === "boolean") {
      // --read-only= (blank) sets nothing; it never turns a switch off that the environment turned on.
      if (inline !== undefined && isBlank(inline)) continue;
      raw[spec.key] = inline === undefined ? true : parseBoolean(inline, name);
    } else {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith("--"))
        return { ok: false, message: `${name} needs a value` };
      // A blank value (--project-id=) sets nothing, as an empty environment variable does.
      if (isBlank(value)) continue;
      raw[spec.key] = coerce(spec, value, name);
    }
    source[spec.key] = { fromFlag: true };
  }

  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? "");
    const spec = OPTIONS.find((o) => o.key === key);
    const label = spec ? optionLabel(spec, source[key]?.fromFlag ?? false, source[key]?.envName) : key;
    const value =
      Array.isArray(raw[key]) && typeof issue.path[1] === "number" ? raw[key][issue.path[1]] : raw[key];
    const shown = spec?.secret
      ? ""
      : value !== undefined
        ? ` (got "${redactAndCut(String(value), 80)}")`
        : "";
    return { ok: false, message: `invalid ${label}: ${issue.message}${shown}` };
  }
  const config = parsed.data;
  registerSecret(config.apiKey);
  registerSecret(config.accessToken);
  registerSecret(config.confirmSecret);
  if (config.allowedProjects && config.allowedProjects.length === 0) {
    return {
      ok: false,
      message: `invalid ${optionLabel(OPTIONS.find((o) => o.key === "allowedProjects")!, source.allowedProjects?.fromFlag ?? false)}: the list is empty`,
    };
  }
  if (config.allowedProjects && config.projectId && !config.allowedProjects.includes(config.projectId)) {
    return {
      ok: false,
      message: `invalid ICA_PROJECT_ID: ${config.projectId} is not in ICA_ALLOWED_PROJECTS (${config.allowedProjects.join(", ")})`,
    };
  }
  const httpProblem = httpModeProblem(config, source);
  if (httpProblem) return { ok: false, message: httpProblem };
  if (config.sandbox && (config.apiKey || config.accessToken || source.baseUrl)) {
    notices.push(
      "--sandbox: ignoring the configured ICA credentials and base URL; using the embedded sandbox.",
    );
  }
  return { ok: true, config, notices };
}

/**
 * --http serves many people: credentials come with each request, never from the server's environment, unless
 * --http-shared-key says the deployment serves one identity on purpose.
 */
function httpModeProblem(
  config: Config,
  source: Record<string, { fromFlag: boolean; envName?: string }>,
): string | undefined {
  if (!config.http) {
    if (config.httpSharedKey) return "invalid --http-shared-key: it only applies with --http";
    return undefined;
  }
  const envCredential = source.apiKey?.envName ?? source.accessToken?.envName;
  if (config.httpSharedKey) {
    if (!config.apiKey && !config.accessToken && !config.sandbox) {
      return "invalid --http-shared-key: set ICA_API_KEY or ICA_ACCESS_TOKEN, the one identity this deployment serves";
    }
    return undefined;
  }
  if (envCredential) {
    return `--http refuses to start with ${envCredential} set: in team mode every request brings its user's ICA key (X-ICA-API-Key) or JWT (X-ICA-Access-Token), so a key in the server's environment would serve everyone; unset it, or pass --http-shared-key if this deployment deliberately serves that one identity`;
  }
  return undefined;
}

/** The variable names a user can set for credentials, for error messages. */
export const CREDENTIAL_HINT =
  "set ICA_API_KEY (an ICA API key) or ICA_ACCESS_TOKEN (a JWT) in the MCP server's environment, or start it with --sandbox to try it without an account";

export function usage(): string {
  const lines = ["Usage: ica-mcp [flags]", "", "Flags and environment variables:"];
  for (const o of OPTIONS) {
    const names = [o.flag, o.env, ...(o.aliases ?? [])].filter(Boolean).join(", ");
    lines.push(`  ${names}${o.default ? ` (default ${o.default})` : ""}`);
    lines.push(`      ${o.description.replace(/`/g, "")}`);
  }
  lines.push("  -h, --help       print this help and exit", "  -v, --version    print the version and exit");
  return lines.join("\n");
}

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SERVER_ENTRY = fileURLToPath(new URL("../../dist/server.js", import.meta.url));

export function requireBuild(): void {
  if (!existsSync(SERVER_ENTRY))
    throw new Error("dist/server.js is missing: run `npm run build` (npm test does it)");
}

/** A clean environment for the child: no inherited ICA_* settings or proxies from the developer's shell. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(ICA_|ICAV2_|HTTPS?_PROXY|https?_proxy|NO_PROXY|no_proxy)/.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

export interface RawServer {
  child: ChildProcessWithoutNullStreams;
  stdoutLines: string[];
  stderr(): string;
  /** Sends one JSON-RPC message and waits for the response with that id. */
  call(method: string, params?: unknown, timeoutMs?: number): Promise<{ result?: unknown; error?: unknown }>;
  notify(method: string, params?: unknown): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the built server and speaks raw JSON-RPC over its stdio, keeping every stdout line. */
export function spawnServer(
  args: string[],
  env: Record<string, string>,
  executable?: string,
  entry = SERVER_ENTRY,
): RawServer {
  if (!executable && entry === SERVER_ENTRY) requireBuild();
  // An installed bin is a shebang script: run it directly, as a client would.
  const child = executable
    ? spawn(executable, args, { env: childEnv(env), stdio: "pipe" })
    : spawn(process.execPath, [entry, ...args], { env: childEnv(env), stdio: "pipe" });
  const stdoutLines: string[] = [];
  let stderr = "";
  let buffer = "";
  const waiters = new Map<number, (msg: { result?: unknown; error?: unknown }) => void>();
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      stdoutLines.push(line);
      try {
        const msg = JSON.parse(line) as { id?: number };
        if (typeof msg.id === "number") waiters.get(msg.id)?.(msg as { result?: unknown; error?: unknown });
      } catch {
        // kept in stdoutLines; the test asserts every line is JSON-RPC
      }
      nl = buffer.indexOf("\n");
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      // Calls still waiting will never be answered now.
      for (const waiter of waiters.values())
        waiter({ error: { code: "exited", message: "the server exited" } });
      waiters.clear();
      resolve({ code, signal });
    }),
  );
  let nextId = 1;
  return {
    child,
    stdoutLines,
    stderr: () => stderr,
    exited,
    notify(method, params) {
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method, ...(params ? { params } : {}) })}\n`);
    },
    call(method, params, timeoutMs = 15_000) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no answer to ${method} in ${timeoutMs} ms; stderr: ${stderr}`)),
          timeoutMs,
        );
        waiters.set(id, (msg) => {
          clearTimeout(timer);
          resolve(msg);
        });
        child.stdin.write(
          `${JSON.stringify({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) })}\n`,
        );
      });
    },
  };
}

export async function initialize(server: RawServer): Promise<void> {
  const res = await server.call("initialize", {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "raw-test", version: "1.0.0" },
  });
  if (res.error) throw new Error(`initialize failed: ${JSON.stringify(res.error)}`);
  server.notify("notifications/initialized");
}

/** Runs the built CLI to completion (for --check), returning its output. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 20_000) {
  requireBuild();
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER_ENTRY, ...args], {
      env: childEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`CLI did not finish in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

/**
 * A throw-away redis-server on a free loopback port, one per test file: no persistence, nothing kept. Tests
 * that need it use `describe.skipIf(!REDIS_SERVER)` and print `REDIS_SKIP_NOTICE` when it is missing (.ci/run
 * installs Debian's redis-server when it can).
 */
export const REDIS_SERVER = findRedisServer();

export const REDIS_SKIP_NOTICE =
  "NOTICE: redis-server is not installed: the tests of the shared rate limit (Redis) are SKIPPED (apt-get install redis-server)";

/** ICA_TEST_REDIS_SERVER names another binary, or "none" to see the suite skip as it would without one. */
function findRedisServer(): string | undefined {
  const chosen = process.env.ICA_TEST_REDIS_SERVER;
  if (chosen) return chosen === "none" ? undefined : chosen;
  if (existsSync("/usr/bin/redis-server")) return "/usr/bin/redis-server";
  try {
    const found = execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
    return found || undefined;
  } catch {
    return undefined;
  }
}

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, waits for the exit). */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop`); does nothing while it runs. */
  start(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  if (!REDIS_SERVER) throw new Error("redis-server is not installed");
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    // Already running: a second server could not bind the port, and the running one would be forgotten (leaked).
    if (child && child.exitCode === null && child.signalCode === null) return;
    const proc = spawn(
      REDIS_SERVER!,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on("data", onData);
      proc.stderr!.on("data", onData);
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}):\n${output}`));
      });
    });
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { IcaRateLimitUnavailableError } from "../src/ica/errors.js";
import { clientFromConfig } from "../src/ica/from-config.js";
import { identityKey, RedisLimiter } from "../src/ica/redis-limit.js";
import { formatToolError } from "../src/mcp/errors.js";
import { maxInWindow } from "./helpers/arrivals.js";
import { REDIS_SERVER, REDIS_SKIP_NOTICE, startRedis, type TestRedis } from "./helpers/redis.js";
import { childEnv, initialize, requireBuild, spawnServer } from "./helpers/spawn.js";

/**
 * The shared rate limit (ICA_RATE_LIMIT_REDIS_URL) against a real redis-server: replicas in separate processes
 * send to a loopback counter that stands in for ICA and notes when each request arrived; no sliding second may
 * hold more than the limit, however the replicas interleave, die or lose Redis.
 */

if (!REDIS_SERVER) console.warn(REDIS_SKIP_NOTICE);

const CHILD = fileURLToPath(new URL("./helpers/limit-child.mjs", import.meta.url));
const API_KEY = "shared-rate-limit-test-key-5f3a9c";
const WINDOW_MS = 1_000;

interface Counter {
  url: string;
  arrivals: { at: number; path: string }[];
  close(): Promise<void>;
}

/**
 * A stand-in ICA on loopback: notes each request's arrival before anything else, then answers after 0-40 ms
 * (so that requests overlap in flight). With `hang`, requests other than token minting are never answered.
 */
async function startCounter(options: { hang?: boolean } = {}): Promise<Counter> {
  const arrivals: Counter["arrivals"] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x.invalid").pathname.replace(/^\/ica\/rest/, "");
    arrivals.push({ at: performance.now(), path });
    req.resume();
    const answer = () => {
      res.writeHead(200, { "content-type": "application/vnd.illumina.v3+json" });
      res.end(
        path === "/api/tokens" ? JSON.stringify({ token: "counter-minted-token-7d1e" }) : '{"items":[]}',
      );
    };
    if (options.hang && path !== "/api/tokens") return;
    setTimeout(answer, Math.floor(Math.random() * 40));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ica/rest`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Replica {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  result: Promise<{ ok: number; errors: string[] }>;
}

function startReplica(env: Record<string, string>): Replica {
  const child = spawn(process.execPath, [CHILD], { env: childEnv(env), stdio: "pipe" });
  let out = "";
  let err = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    out += chunk;
    if (out.includes("ready\n")) onReady();
  });
  child.stderr.on("data", (chunk) => {
    err += chunk;
  });
  const result = new Promise<{ ok: number; errors: string[] }>((resolve, reject) => {
    child.on("exit", (code, signal) => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`replica exited ${code ?? signal}: ${err}`));
    });
  });
  result.catch(() => {});
  return { child, ready, result };
}

/** Starts the replicas, lets them go together, and waits for all of them. */
async function runReplicas(count: number, env: Record<string, string>) {
  const replicas = Array.from({ length: count }, () => startReplica(env));
  await Promise.all(replicas.map((r) => r.ready));
  for (const r of replicas) r.child.stdin.write("go\n");
  return Promise.all(replicas.map((r) => r.result));
}

const configFor = (redisUrl: string, baseUrl: string, extra: Record<string, string> = {}) => {
  const parsed = parseConfig([], {
    ICA_BASE_URL: baseUrl,
    ICA_API_KEY: API_KEY,
    ICA_RATE_LIMIT_REDIS_URL: redisUrl,
    ...extra,
  });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.config;
};

describe.skipIf(!REDIS_SERVER)("the rate limit shared in Redis", () => {
  let redis: TestRedis;
  let inspect: Redis;
  beforeAll(async () => {
    requireBuild();
    redis = await startRedis();
    inspect = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    inspect.on("error", () => {});
    await inspect.connect();
  });
  afterAll(async () => {
    inspect?.disconnect();
    await redis?.stop();
  });

  it("keeps three replicas together within the limit in every sliding second", {
    timeout: 60_000,
  }, async () => {
    const counter = await startCounter();
    try {
      const limit = 10;
      const results = await runReplicas(3, {
        ICA_BASE_URL: counter.url,
        ICA_API_KEY: API_KEY,
        ICA_MAX_REQUESTS_PER_SECOND: String(limit),
        ICA_RATE_LIMIT_REDIS_URL: redis.url,
        LIMIT_CHILD_COUNT: "16",
        LIMIT_CHILD_CONCURRENCY: "6",
      });
      expect(results.map((r) => r.errors)).toEqual([[], [], []]);
      expect(results.map((r) => r.ok)).toEqual([16, 16, 16]);
      // 48 requests and 3 token mints arrived, never more than the limit in one second.
      expect(counter.arrivals).toHaveLength(51);
      expect(maxInWindow(counter.arrivals.map((a) => a.at))).toBeLessThanOrEqual(limit);
    } finally {
      await counter.close();
    }
  });

  it("(control) without Redis the same replicas exceed the limit together: each throttles alone", {
    timeout: 60_000,
  }, async () => {
    const counter = await startCounter();
    try {
      const limit = 10;
      await runReplicas(3, {
        ICA_BASE_URL: counter.url,
        ICA_API_KEY: API_KEY,
        ICA_MAX_REQUESTS_PER_SECOND: String(limit),
        LIMIT_CHILD_COUNT: "16",
        LIMIT_CHILD_CONCURRENCY: "6",
      });
      expect(maxInWindow(counter.arrivals.map((a) => a.at))).toBeGreaterThan(limit);
    } finally {
      await counter.close();
    }
  });

  it("holds the slots of a replica that died with requests in flight for its timeout and a second, then frees them", {
    timeout: 60_000,
  }, async () => {
    const counter = await startCounter({ hang: true });
    const key = `${API_KEY}-dies`;
    const timeoutMs = 1_000;
    const limit = 5;
    try {
      // The token mint and four requests that are never answered: every slot is taken.
      const replica = startReplica({
        ICA_BASE_URL: counter.url,
        ICA_API_KEY: key,
        ICA_MAX_REQUESTS_PER_SECOND: String(limit),
        ICA_TIMEOUT_MS: String(timeoutMs),
        ICA_RATE_LIMIT_REDIS_URL: redis.url,
        LIMIT_CHILD_COUNT: "4",
        LIMIT_CHILD_CONCURRENCY: "4",
      });
      await replica.ready;
      replica.child.stdin.write("go\n");
      const deadline = Date.now() + 20_000;
      while (counter.arrivals.filter((a) => a.path === "/api/projects").length < 4) {
        if (Date.now() > deadline) throw new Error("the replica did not send its requests");
        await new Promise((r) => setTimeout(r, 10));
      }
      const lastSent = counter.arrivals.at(-1)!.at;
      replica.child.kill("SIGKILL");
      await replica.result.catch(() => {});

      // Another replica of the same identity: every slot comes free, but the dead one's in-flight slots only
      // after their requests' timeout plus the window (they might have reached ICA until then).
      const other = new RedisLimiter({
        url: redis.url,
        identity: { baseUrl: counter.url, credential: key },
        limit,
        holdMs: timeoutMs + WINDOW_MS,
      });
      try {
        const granted: number[] = [];
        await Promise.all(
          Array.from({ length: limit }, () => other.acquire().then(() => granted.push(performance.now()))),
        );
        expect(granted).toHaveLength(limit);
        expect(Math.max(...granted) - lastSent).toBeGreaterThanOrEqual(timeoutMs + WINDOW_MS);
      } finally {
        await other.close();
      }
    } finally {
      await counter.close();
    }
  });

  it("fails closed with a clear error while Redis is down, sending nothing, and works again when it is back", {
    timeout: 60_000,
  }, async () => {
    const counter = await startCounter();
    const ica = clientFromConfig(configFor(redis.url, counter.url));
    try {
      await ica.request({ method: "GET", path: "/api/projects" });

      // The key is a hash of base URL and credential; neither the key nor a piece of it is stored.
      const keys = await inspect.keys("*");
      expect(keys).toContain(identityKey({ baseUrl: counter.url, credential: API_KEY }));
      const expected = createHash("sha256")
        .update(`ica-mcp rate limit\0${counter.url}\0${API_KEY}`)
        .digest("hex");
      expect(keys).toContain(`ica-mcp:rl:v1:${expected}`);
      for (const k of keys) {
        expect(k).toMatch(/^ica-mcp:rl:v1:[0-9a-f]{64}$/);
        const members = await inspect.zrange(k, "0", "-1");
        for (const text of [k, ...members]) expect(text).not.toContain(API_KEY.slice(0, 12));
      }

      await redis.stop();
      const before = counter.arrivals.length;
      const failure = await ica.request({ method: "GET", path: "/api/projects" }).catch((e) => e);
      expect(failure).toBeInstanceOf(IcaRateLimitUnavailableError);
      const text = formatToolError(failure, "ica_list_projects");
      expect(text).toContain("ICA_RATE_LIMIT_REDIS_URL");
      expect(text).toContain(`redis://127.0.0.1:${redis.port}`);
      expect(text).toContain("nothing was sent to ICA");
      expect(text).toContain("Next step:");
      expect(counter.arrivals.length).toBe(before);

      await redis.start();
      let answered = false;
      const deadline = Date.now() + 15_000;
      while (!answered && Date.now() < deadline) {
        answered = await ica.request({ method: "GET", path: "/api/projects" }).then(
          () => true,
          (err) => {
            if (!(err instanceof IcaRateLimitUnavailableError)) throw err;
            return new Promise<boolean>((r) => setTimeout(() => r(false), 200));
          },
        );
      }
      expect(answered).toBe(true);
      expect(counter.arrivals.length).toBe(before + 1);
    } finally {
      await ica.close();
      await counter.close();
      await redis.start().catch(() => {});
    }
  });

  it("is used by the bundled server (stdio, --sandbox), which fails a call closed when Redis is unreachable", {
    timeout: 60_000,
  }, async () => {
    await inspect.flushall();
    const server = spawnServer(["--sandbox"], { ICA_RATE_LIMIT_REDIS_URL: `${redis.url}/0` });
    try {
      await initialize(server);
      const call = (await server.call(
        "tools/call",
        { name: "ica_list_projects", arguments: { pageSize: 1 } },
        30_000,
      )) as { result: { isError?: boolean; content: { text: string }[] } };
      expect(call.result.isError, call.result.content[0]?.text).toBeFalsy();
      expect((await inspect.keys("ica-mcp:rl:v1:*")).length).toBe(1);
    } finally {
      server.child.kill();
    }

    const down = spawnServer(["--sandbox"], {
      ICA_RATE_LIMIT_REDIS_URL: "redis://:s3cret-pass-word@127.0.0.1:1/0",
    });
    try {
      await initialize(down);
      const call = (await down.call(
        "tools/call",
        { name: "ica_list_projects", arguments: { pageSize: 1 } },
        30_000,
      )) as { result: { isError?: boolean; content: { text: string }[] } };
      expect(call.result.isError).toBe(true);
      const text = call.result.content[0]!.text;
      expect(text).toContain("the shared ICA rate limit is unavailable: Redis at redis://127.0.0.1:1/0");
      expect(text).not.toContain("s3cret-pass-word");
      expect(down.stderr()).not.toContain("s3cret-pass-word");
    } finally {
      down.child.kill();
    }
  });
});

describe("ICA_RATE_LIMIT_REDIS_URL", () => {
  const parse = (value: string) => parseConfig([], { ICA_RATE_LIMIT_REDIS_URL: value });

  it("takes redis:// and rediss:// URLs with an optional password and database", () => {
    for (const url of [
      "redis://redis:6379",
      "rediss://:pw@cache.example.org:6380/2",
      "redis://u:p@10.0.0.1/0",
    ]) {
      const parsed = parse(url);
      expect(parsed.ok, url).toBe(true);
      if (parsed.ok) expect(parsed.config.rateLimitRedisUrl).toBe(url);
    }
  });

  it("refuses anything else, without echoing the value", () => {
    for (const url of [
      "http://redis:6379",
      "redis:///tmp/x",
      "redis://h:6379/db?password=x",
      "valkey://h",
      "h:6379",
    ]) {
      const parsed = parse(url);
      expect(parsed.ok, url).toBe(false);
      if (!parsed.ok) {
        expect(parsed.message).toContain(
          "invalid ICA_RATE_LIMIT_REDIS_URL: must be a redis:// or rediss:// URL",
        );
        expect(parsed.message).not.toContain(url);
      }
    }
  });
});

import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { OPTIONS } from "../src/config.js";
import { REDIS_SERVER, startRedis } from "./helpers/redis.js";
import { childEnv, initialize, requireBuild, spawnServer } from "./helpers/spawn.js";

/**
 * Docker is not available where the tests run, so the image is not built here: these tests hold the
 * Dockerfile's invariants, and run the files its runtime stage copies, alone in an empty folder, as the image
 * would.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const text = readFileSync(join(root, "Dockerfile"), "utf8");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { files: string[] };

/** Instructions with continuation lines joined, comments dropped. */
const instructions = text
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const stages: string[][] = [];
for (const line of instructions) {
  if (/^FROM\s/i.test(line)) stages.push([]);
  stages.at(-1)?.push(line);
}
const runtime = stages.at(-1)!;
const of = (word: string) => runtime.filter((l) => l.toUpperCase().startsWith(`${word} `));

/** The repository files the runtime stage copies (from the build stage's /src). */
function shippedFiles(): string[] {
  return of("COPY").flatMap((line) => {
    const parts = line.split(/\s+/).slice(1);
    expect(parts[0], line).toBe("--from=build");
    return parts.slice(1, -1).map((p) => p.replace(/^\/src\//, ""));
  });
}

describe("the Dockerfile", () => {
  it("builds in one stage and ships from a second, on a small Node LTS base", () => {
    expect(stages.length).toBe(2);
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1];
    expect(image).toMatch(/^node:\d+-(slim|alpine)$/);
    const major = Number(/^node:(\d+)/.exec(image!)![1]);
    expect(major % 2, "an even major: an LTS line").toBe(0);
    expect(major).toBeGreaterThanOrEqual(20);
    expect(stages[0]![0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/);
    expect(runtime[0]).toMatch(/^FROM \$\{NODE_IMAGE\}$/);
    expect(stages[0]!.some((l) => /^RUN npm run build$/.test(l))).toBe(true);
  });

  it("ships the built server only: the bundles, their notices, package.json and the licence", () => {
    const files = shippedFiles();
    expect(files.sort()).toEqual(
      [
        "LICENSE",
        "dist/THIRD_PARTY_LICENSES.txt",
        "dist/redis-client.js",
        "dist/server.js",
        "package.json",
      ].sort(),
    );
    // Everything shipped is something npm ships too; no sources, no node_modules, no install in the image.
    for (const f of files) if (f !== "package.json") expect(pkg.files, f).toContain(f);
    expect(of("RUN")).toEqual([]);
    expect(of("ADD")).toEqual([]);
  });

  it("runs as a non-root user, in team mode on all interfaces, on the server's port, with a health check", () => {
    const users = of("USER");
    expect(users).toHaveLength(1);
    const user = users[0]!.split(/\s+/)[1]!;
    expect(["root", "0", "0:0"]).not.toContain(user);
    const userAt = runtime.indexOf(users[0]!);
    for (const word of ["ENTRYPOINT", "CMD", "HEALTHCHECK"]) {
      expect(runtime.indexOf(of(word)[0]!), word).toBeGreaterThan(userAt);
    }
    const port = OPTIONS.find((o) => o.flag === "--port")?.default ?? "8787";
    expect(of("EXPOSE")).toEqual([`EXPOSE ${port}`]);
    expect(of("ENTRYPOINT")).toEqual(['ENTRYPOINT ["node", "dist/server.js"]']);
    expect(of("CMD")).toEqual(['CMD ["--http", "--host", "0.0.0.0"]']);
    const health = of("HEALTHCHECK")[0]!;
    expect(health).toContain(`/healthz`);
    expect(health).toContain(`process.env.ICA_HTTP_PORT || ${port}`);
  });

  describe("the files it ships, alone in a folder", () => {
    const app = mkdtempSync(join(tmpdir(), "ica-mcp-image-"));
    afterAll(() => rmSync(app, { recursive: true, force: true }));

    it("serve tools, with the shared rate limit in Redis when Redis is there (ioredis inside the image)", {
      timeout: 60_000,
    }, async () => {
      requireBuild();
      for (const f of shippedFiles()) {
        mkdirSync(dirname(join(app, f)), { recursive: true });
        copyFileSync(join(root, f), join(app, f));
      }
      const redis = REDIS_SERVER ? await startRedis() : undefined;
      const server = spawnServer(
        ["--sandbox"],
        redis ? { ICA_RATE_LIMIT_REDIS_URL: redis.url } : {},
        undefined,
        join(app, "dist", "server.js"),
      );
      try {
        await initialize(server);
        const call = (await server.call(
          "tools/call",
          { name: "ica_list_projects", arguments: { pageSize: 1 } },
          30_000,
        )) as { result: { isError?: boolean; content: { text: string }[] } };
        expect(call.result.isError, call.result.content[0]?.text).toBeFalsy();
        if (redis) {
          const inspect = new Redis(redis.url);
          try {
            expect(await inspect.keys("ica-mcp:rl:v1:*")).toHaveLength(1);
          } finally {
            inspect.disconnect();
          }
        }
      } finally {
        server.child.kill();
        await redis?.stop();
      }
    });

    it("start in team mode (the image's command, on a free loopback port) and answer the health check", {
      timeout: 60_000,
    }, async () => {
      const child = spawn(process.execPath, [join(app, "dist", "server.js"), "--http", "--port", "0"], {
        env: childEnv({ ICA_BASE_URL: "https://ica.invalid/ica/rest" }),
        stdio: ["ignore", "ignore", "pipe"],
      });
      try {
        let stderr = "";
        const origin = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no start: ${stderr}`)), 20_000);
          child.stderr.setEncoding("utf8");
          child.stderr.on("data", (chunk: string) => {
            stderr += chunk;
            const m = /ready on (http:\/\/127\.0\.0\.1:\d+)\/mcp/.exec(stderr);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]!);
            }
          });
        });
        const res = await fetch(`${origin}/healthz`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: "ok" });
      } finally {
        child.kill();
      }
    });
  });
});

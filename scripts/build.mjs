#!/usr/bin/env node
/**
 * `npm run build`: type-checked compilation of src/ into dist/ (tsc: the per-module files the scripts and the
 * bench import), then dist/server.js and dist/demo.js replaced by one bundled ESM file each (esbuild), so that
 * starting the server reads one file instead of ~250 modules. Dependencies (the MCP SDK, zod, undici, …) are
 * inside the bundles; only Node's built-in modules stay outside. ioredis, needed only with
 * ICA_RATE_LIMIT_REDIS_URL, is bundled apart (dist/redis-client.js) and loaded by import() when used, so that
 * the stdio server never reads it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8"));

execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
});

/**
 * tools/list as the code publishes it, generated now from the tsc output of the same sources: the bundle answers
 * it from this catalogue and loads the tool modules on the first call (src/mcp/prebuilt-surface.ts).
 */
async function toolCatalogue() {
  const load = (file) => import(new URL(`../dist/${file}`, import.meta.url).href);
  const [{ ALL_TOOLS }, { callApiReadOnlyTool }, { buildSurface, compileTool }] = await Promise.all([
    load("tools/index.js"),
    load("tools/call-api.js"),
    load("mcp/surface.js"),
  ]);
  return {
    tools: buildSurface(ALL_TOOLS).list.tools,
    readOnlyVariants: { [callApiReadOnlyTool.name]: compileTool(callApiReadOnlyTool).published },
  };
}

/**
 * The tool modules are loaded by import() on the first call; the start path imports src/mcp/create-server.ts,
 * not mcp/server.ts (which imports every tool for selectTools()). Marked free of side effects (each defines a
 * tool and nothing else at import), a tool module that is imported but unused is also left out of start-up.
 */
const lazyTools = {
  name: "lazy-tools",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      const file = join(args.resolveDir, args.path).replace(/\.js$/, ".ts");
      return file.startsWith(join(root, "src/tools/")) && existsSync(file)
        ? { path: file, sideEffects: false }
        : undefined;
    });
  },
};

/**
 * The SDK's Server builds an Ajv instance in its constructor (for elicitation answers, which this server never
 * requests). This stand-in defers loading and compiling Ajv to the first validation.
 */
const lazySdkAjv = {
  name: "lazy-sdk-ajv",
  setup(b) {
    const lazy = { path: fileURLToPath(new URL("./build/lazy-sdk-ajv.mjs", import.meta.url)) };
    b.onResolve({ filter: /\/validation\/ajv-provider\.js$/ }, (args) =>
      args.importer.includes("@modelcontextprotocol/sdk/dist/esm/") ? lazy : undefined,
    );
    // src/mcp/server.ts shares one validator across connections: the same stand-in.
    b.onResolve({ filter: /^@modelcontextprotocol\/sdk\/validation\/ajv$/ }, (args) =>
      args.importer.startsWith(join(root, "src")) ? lazy : undefined,
    );
  },
};

/**
 * zod re-exports all its ~50 message locales (z.locales.*); the server uses only English (zod's default, which
 * zod imports directly). In the bundle the locale index offers just that one: a third of zod's code less to load.
 */
const englishOnlyZod = {
  name: "english-only-zod",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /node_modules\/zod\/v4\/(classic|core)\//.test(args.importer)
        ? { path: join(dirname(args.importer), "../locales/index.js"), namespace: "zod-locales" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

/** src/ imports undici's index; the bundle gets a lean stand-in with the same exports (build/undici-lean.cjs). */
const UNDICI_LEAN = fileURLToPath(new URL("./build/undici-lean.cjs", import.meta.url));
const leanUndici = {
  name: "lean-undici",
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) =>
      args.importer.startsWith(join(root, "src")) ? { path: UNDICI_LEAN } : undefined,
    );
  },
};

/** src/ica/redis-limit.ts loads ioredis through import("./ioredis.js"): in the bundle, that is dist/redis-client.js. */
const REDIS_CLIENT_SOURCE = join(root, "src/ica/ioredis.ts");
const separateRedisClient = {
  name: "separate-redis-client",
  setup(b) {
    b.onResolve({ filter: /^\.\/ioredis\.js$/ }, (args) =>
      args.importer.startsWith(join(root, "src", "ica"))
        ? { path: "./redis-client.js", external: true }
        : undefined,
    );
  },
};

/** Fails the build when src/ imports a name from undici that the lean stand-in lacks. */
function checkUndiciNames() {
  const lean = createRequire(import.meta.url)(UNDICI_LEAN);
  const missing = new Set();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".ts")) {
        const text = readFileSync(file, "utf8");
        for (const m of text.matchAll(/import\s*(type\s*)?\{([^}]*)\}\s*from\s*"undici"/g)) {
          if (m[1]) continue;
          for (const part of m[2].split(",")) {
            const name = part.trim();
            if (name && !name.startsWith("type ") && !(name.split(/\s+as\s+/)[0] in lean)) missing.add(name);
          }
        }
      }
    }
  };
  walk(join(root, "src"));
  if (missing.size > 0) {
    throw new Error(
      `scripts/build/undici-lean.cjs lacks ${[...missing].join(", ")} (imported from undici in src/)`,
    );
  }
}
checkUndiciNames();

const common = {
  absWorkingDir: root,
  metafile: true,
  outdir: "dist",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20.19",
  sourcemap: "linked",
  legalComments: "none",
  // A third less text for V8 to parse at every start (measured: as fast as full minification); identifiers are
  // kept, so stack traces in logs stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  // The version is fixed at build time: a bundle (e.g. inside an .mcpb) has no package.json beside it.
  define: {
    __ICA_MCP_VERSION__: JSON.stringify(pkg.version),
    __ICA_TOOL_CATALOGUE__: JSON.stringify(await toolCatalogue()),
  },
  // Bundled CommonJS dependencies (undici, ajv) call require() for Node's built-in modules.
  banner: {
    js: 'import { createRequire as __icaCreateRequire } from "node:module"; const require = __icaCreateRequire(import.meta.url);',
  },
};
const result = await build({
  ...common,
  entryPoints: { server: "src/server.ts", demo: "src/demo.ts" },
  plugins: [lazySdkAjv, leanUndici, englishOnlyZod, lazyTools, separateRedisClient],
});
const redisClient = await build({ ...common, entryPoints: { "redis-client": REDIS_CLIENT_SOURCE } });

/**
 * The bundles contain third-party code, whose licences ask that their notices travel with it: one file with the
 * licence of every bundled package, next to the bundles.
 */
function writeThirdPartyNotices(metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(?:[\w-]+:)?(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!m || packages.has(resolve(root, m[1]))) continue;
    const dir = resolve(root, m[1]);
    const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    packages.set(dir, {
      name: meta.name,
      version: meta.version,
      license: meta.license ?? "see below",
      text:
        file && existsSync(join(dir, file))
          ? readFileSync(join(dir, file), "utf8").trim()
          : "(no licence file)",
    });
  }
  const sorted = [...packages.values()].sort((a, b) => a.name.localeCompare(b.name));
  const text = [
    "Third-party software bundled in dist/server.js, dist/demo.js and dist/redis-client.js",
    "",
    ...sorted.flatMap((p) => [`${"=".repeat(78)}`, `${p.name} ${p.version} (${p.license})`, "", p.text, ""]),
  ].join("\n");
  writeFileSync(join(root, "dist", "THIRD_PARTY_LICENSES.txt"), `${text}\n`);
}
writeThirdPartyNotices({ inputs: { ...result.metafile.inputs, ...redisClient.metafile.inputs } });

// ICA_BUILD_ANALYZE=1 npm run build: the biggest inputs of dist/server.js, to see what start-up has to read.
if (process.env.ICA_BUILD_ANALYZE) {
  const inputs = result.metafile.outputs["dist/server.js"].inputs;
  const by = new Map();
  for (const [file, info] of Object.entries(inputs)) {
    const key = file
      .replace(/^node_modules\//, "")
      .split("/")
      .slice(0, 3)
      .join("/");
    by.set(key, (by.get(key) ?? 0) + info.bytesInOutput);
  }
  for (const [key, bytes] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.error(`${(bytes / 1024).toFixed(0).padStart(6)} KiB  ${key}`);
  }
}

import { readFileSync } from "node:fs";

/** Set by the bundler (scripts/build.mjs): a bundle may have no package.json beside it. */
declare const __ICA_MCP_VERSION__: string | undefined;

/** The package version: fixed at bundle time, else read once from package.json (one level above src/ or dist/). */
export const VERSION: string = (() => {
  if (typeof __ICA_MCP_VERSION__ === "string") return __ICA_MCP_VERSION__;
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
})();

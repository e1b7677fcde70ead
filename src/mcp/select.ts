import type { Config } from "../config.js";

/** ica_call_api is the one write-capable tool that read-only mode keeps (limited to operations that change nothing). */
export const READ_ONLY_EXCEPTIONS = new Set(["ica_call_api"]);

export class ToolSelectionError extends Error {}

/** What selection needs to know of a tool: its name and whether it only reads. */
export interface Selectable {
  name: string;
  annotations?: { readOnlyHint?: boolean };
}

/**
 * Applies ICA_TOOLS, ICA_EXCLUDE_TOOLS and ICA_READ_ONLY to a list of tools (definitions, or their published
 * entries in the bundle's prebuilt catalogue); unknown names are an error.
 */
export function selectFrom<T extends Selectable>(config: Config, all: readonly T[]): T[] {
  const names = new Set(all.map((t) => t.name));
  for (const [variable, list] of [
    ["ICA_TOOLS", config.tools],
    ["ICA_EXCLUDE_TOOLS", config.excludeTools],
  ] as const) {
    const unknown = (list ?? []).filter((n) => !names.has(n));
    if (unknown.length > 0) {
      throw new ToolSelectionError(
        `invalid ${variable}: unknown tool name(s) ${unknown.join(", ")}; valid names: ${[...names].join(", ")}`,
      );
    }
  }
  return all.filter(
    (t) =>
      (!config.tools || config.tools.includes(t.name)) &&
      !config.excludeTools?.includes(t.name) &&
      (!config.readOnly || t.annotations?.readOnlyHint === true || READ_ONLY_EXCEPTIONS.has(t.name)),
  );
}

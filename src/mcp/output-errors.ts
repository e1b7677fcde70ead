import type { z } from "zod";
import { log } from "../log.js";
import type { AnyTool } from "./adapter.js";

const MAX_PROBLEMS = 5;

/**
 * A result that fails the tool's own output schema: ICA answered something the tool's projection did not
 * expect (or the projection has a bug). The model gets an actionable error naming the tool and what it was
 * doing, never a validation dump; the details go to the server's log.
 */
export function outputShapeError(def: AnyTool, error: z.ZodError): string {
  const fields = error.issues.slice(0, MAX_PROBLEMS).map((i) => {
    const path = i.path.map(String).join(".") || "(result)";
    return `${path}: ${i.message}`;
  });
  log.error(`${def.name} returned a result outside its output schema`, { problems: fields });
  const done = def.annotations.readOnlyHint
    ? "Nothing was changed."
    : "The operation itself may have been carried out: check its effect (for example with the matching ica_get_* or ica_list_* tool) before calling again.";
  const where = [...new Set(error.issues.map((i) => String(i.path[0] ?? "result")))].slice(0, MAX_PROBLEMS);
  return [
    `${def.name} (${def.title}) could not shape ICA's answer into its result: unexpected or missing value in ${where.join(", ")}. ${done}`,
    "Next step: call again; if it persists, read the same resource with ica_call_api (the raw ICA answer), and report the problem with the server's stderr log.",
  ].join("\n");
}

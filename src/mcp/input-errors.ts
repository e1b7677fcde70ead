import type { z } from "zod";
import { UserInputError } from "../ica/errors.js";

/** Problems listed at most per answer; the rest are counted. */
const MAX_PROBLEMS = 8;
/** Argument names echoed back at most this long (a name may come from a manipulated model). */
const NAME_CHARS = 40;

const quote = (name: string) =>
  JSON.stringify(name.length > NAME_CHARS ? `${name.slice(0, NAME_CHARS)}…` : name);

function where(path: PropertyKey[]): string {
  if (path.length === 0) return "arguments";
  return path
    .map((p, i) =>
      typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p).slice(0, NAME_CHARS)}`,
    )
    .join("");
}

/** What the parameter is, from its own description: the model learns what to send, not only what was wrong. */
function describeParam(shape: z.ZodRawShape, path: PropertyKey[]): string {
  const top = path.length === 1 ? shape[String(path[0])] : undefined;
  const description = (top as { description?: string } | undefined)?.description;
  return description ? ` (${description})` : "";
}

function problem(issue: z.core.$ZodIssue, shape: z.ZodRawShape): string {
  const at = where(issue.path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const valid = Object.keys(shape);
      return `unknown parameter(s) ${issue.keys.slice(0, MAX_PROBLEMS).map(quote).join(", ")}${at === "arguments" ? "" : ` in ${at}`}; ${
        at === "arguments"
          ? valid.length > 0
            ? `valid parameters: ${valid.join(", ")}`
            : "this tool takes no parameters"
          : "remove them"
      }`;
    }
    case "invalid_type":
      if (/received undefined$/.test(issue.message)) {
        return `${at} is required: ${issue.expected}${describeParam(shape, issue.path)}`;
      }
      return `${at}: ${issue.message.replace(/^Invalid input: /, "")}${describeParam(shape, issue.path)}`;
    case "too_big":
    case "too_small":
    case "invalid_value":
    case "invalid_format":
      return `${at}: ${issue.message.replace(/^(Invalid option|Invalid input): /, "")}${describeParam(shape, issue.path)}`;
    default:
      return `${at}: ${issue.message}`;
  }
}

/**
 * Turns zod's issues for a tool's arguments into the same actionable error the tools' own checks raise:
 * what is wrong with which argument, what that argument should be, then the next step.
 */
export function argumentError(error: z.ZodError, shape: z.ZodRawShape): UserInputError {
  const issues = error.issues;
  const problems = issues.slice(0, MAX_PROBLEMS).map((i) => problem(i, shape));
  if (issues.length > MAX_PROBLEMS) problems.push(`… and ${issues.length - MAX_PROBLEMS} more problem(s)`);
  return new UserInputError(
    problems,
    "send the arguments again with these fixed (the tool's inputSchema in tools/list shows every parameter).",
  );
}

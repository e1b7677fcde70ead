/**
 * OpenAPI contract validator for recorded ICA exchanges.
 *
 *   const spec = loadContractSpec();            // null (with a notice) when ../shared is absent
 *   if (spec) expect(validateExchange(spec, ex)).toEqual([]);
 *   assertExchangesConform(sandbox.exchanges);  // throws one Error listing every problem
 */
import type { Exchange } from "../../../src/sandbox/exchange.js";
import { loadContractSpec } from "./load.js";
import { type ContractOptions, type ContractProblem, validateExchange } from "./validate.js";

export { ANALYSIS_V4_STATUSES, EXACT_ENUMS, type ExactEnum } from "./exact-enums.js";
export {
  type ContractSpec,
  compileAllSchemas,
  loadContractSpec,
  SPEC_DISPLAY_PATH,
  specFilePath,
} from "./load.js";
export {
  type ContractOptions,
  type ContractProblem,
  findOperation,
  mediaType,
  type OperationMatch,
  validateExchange,
  validateRequest,
  validateResponse,
} from "./validate.js";

const MAX_LISTED = 50;

function label(ex: Exchange, index: number): string {
  const query = ex.query.length > 0 ? `?${new URLSearchParams(ex.query).toString()}` : "";
  const status = ex.status === 0 ? "dropped" : String(ex.status);
  return `[#${index}] ${ex.method.toUpperCase()} ${ex.path}${query} -> ${status}${ex.injected ? " (injected)" : ""}`;
}

/** Human-readable report of problems grouped by exchange; lists at most `limit` problems. */
export function formatContractProblems(
  exchanges: Exchange[],
  problemsByExchange: ContractProblem[][],
  limit = MAX_LISTED,
): string {
  const total = problemsByExchange.reduce((n, p) => n + p.length, 0);
  const failing = problemsByExchange.filter((p) => p.length > 0).length;
  const lines = [`OpenAPI contract: ${total} problem(s) in ${failing} of ${exchanges.length} exchange(s)`];
  let listed = 0;
  problemsByExchange.forEach((problems, i) => {
    if (problems.length === 0 || listed >= limit) return;
    lines.push(label(exchanges[i]!, i));
    for (const p of problems) {
      if (listed >= limit) break;
      lines.push(`  - ${p.where}: ${p.message}`);
      listed++;
    }
  });
  if (total > listed) lines.push(`... and ${total - listed} more`);
  return lines.join("\n");
}

/**
 * Throws one Error listing every contract problem in `exchanges` (first 50).
 * A no-op, with a console notice, when the OpenAPI document is absent.
 */
export function assertExchangesConform(exchanges: Exchange[], options: ContractOptions = {}): void {
  const spec = loadContractSpec();
  if (!spec) return; // the loader has printed the skip notice
  const problems = exchanges.map((ex) => validateExchange(spec, ex, options));
  if (problems.some((p) => p.length > 0)) throw new Error(formatContractProblems(exchanges, problems));
}

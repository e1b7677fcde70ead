/**
 * The likely price of a launch, from ICA's own record: the usage (GET …/analyses/{id}/usage, the helper
 * ica_get_analysis include usage uses) of up to 10 recent SUCCEEDED analyses of the same pipeline in the
 * project. analysis:search has no pipeline filter, so SUCCEEDED analyses are paged newest first (sort
 * endDate desc) for at most MAX_PAGES pages and those of this pipeline kept. A usage 404 means "not yet
 * available" (ICA is still processing it), never zero. Every request goes through the client (and its
 * throttle); the answer is cached per project and pipeline for the life of the process. An estimate, never
 * a quote.
 */
import { getAnalysisUsage, type IcaAnalysis, searchAnalyses } from "../../ica/api/analyses.js";
import type { IcaClient } from "../../ica/client.js";
import { IcaApiError } from "../../ica/errors.js";
import type { ToolContext } from "../../mcp/adapter.js";

export const MAX_SAMPLES = 10;
export const MAX_PAGES = 3;
export const PAGE_SIZE = 100;

export interface CostEstimate {
  /** Number of analyses whose price the figures come from (0: no estimate). */
  basedOn: number;
  currency?: string;
  median?: number;
  min?: number;
  max?: number;
  /** Analysis storage sizes of those analyses (e.g. "Large"). */
  storage?: string[];
  /** Recent succeeded analyses whose usage ICA has not processed yet. */
  pending?: number;
  note: string;
}

export interface PricedRun {
  amount: number;
  currency: string;
  storage?: string;
}

const round = (n: number) => Math.round(n * 100) / 100;

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median and range of the runs in the currency most of them report (others are left out and said so). */
export function summarizePrices(runs: PricedRun[], pending = 0): CostEstimate {
  const pendingPart = pending > 0 ? { pending } : {};
  if (runs.length === 0) {
    return {
      basedOn: 0,
      ...pendingPart,
      note:
        pending > 0
          ? `no estimate: ICA has not yet processed the usage of ${pending} recent succeeded run(s) of this pipeline`
          : "no history: no estimate (no recent succeeded run of this pipeline in this project)",
    };
  }
  const byCurrency = new Map<string, PricedRun[]>();
  for (const r of runs) byCurrency.set(r.currency, [...(byCurrency.get(r.currency) ?? []), r]);
  const [currency, used] = [...byCurrency.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
  const amounts = used.map((r) => r.amount).sort((a, b) => a - b);
  const storage = [...new Set(used.flatMap((r) => (r.storage ? [r.storage] : [])))];
  const other = runs.length - used.length;
  const est: CostEstimate = {
    basedOn: used.length,
    currency,
    median: round(median(amounts)),
    min: round(amounts[0]!),
    max: round(amounts.at(-1)!),
    ...(storage.length > 0 ? { storage } : {}),
    ...pendingPart,
    note: "",
  };
  est.note = `estimate: median ${est.median} ${currency} (range ${est.min}-${est.max}) from the last ${used.length} succeeded run(s)${storage.length > 0 ? ` on ${storage.join("/")} storage` : ""}${other > 0 ? `; ${other} run(s) priced in another currency left out` : ""}; an estimate from past usage, not a quote`;
  return est;
}

/** The same estimate for `times` analyses (a batch): median and range scaled, same history. */
export function scaleEstimate(e: CostEstimate, times: number): CostEstimate {
  if (e.basedOn === 0 || times <= 1) return e;
  const scaled: CostEstimate = {
    ...e,
    median: round((e.median ?? 0) * times),
    min: round((e.min ?? 0) * times),
    max: round((e.max ?? 0) * times),
  };
  scaled.note = `estimate for ${times} analyses: median ${scaled.median} ${e.currency} (range ${scaled.min}-${scaled.max}), ${times} × the median of the last ${e.basedOn} succeeded run(s)${e.storage ? ` on ${e.storage.join("/")} storage` : ""}; an estimate from past usage, not a quote`;
  return scaled;
}

const cache = new WeakMap<IcaClient, Map<string, Promise<CostEstimate>>>();

async function findRecentRuns(
  ctx: ToolContext,
  projectId: string,
  pipelineId: string,
): Promise<IcaAnalysis[]> {
  const found: IcaAnalysis[] = [];
  for (let page = 0; page < MAX_PAGES && found.length < MAX_SAMPLES; page++) {
    const res = await searchAnalyses(
      ctx.ica,
      projectId,
      { status: ["SUCCEEDED"] },
      { mode: "offset", pageSize: PAGE_SIZE, pageOffset: page * PAGE_SIZE, sort: "endDate desc" },
      ctx.signal,
    );
    for (const a of res.items) {
      if (a?.pipeline?.id === pipelineId && found.length < MAX_SAMPLES) found.push(a);
    }
    const total = res.totalItemCount;
    if (res.items.length < PAGE_SIZE || (total !== undefined && (page + 1) * PAGE_SIZE >= total)) break;
  }
  return found;
}

async function compute(ctx: ToolContext, projectId: string, pipelineId: string): Promise<CostEstimate> {
  const runs = await findRecentRuns(ctx, projectId, pipelineId);
  let pending = 0;
  const priced: PricedRun[] = [];
  await Promise.all(
    runs.map(async (a) => {
      try {
        const price = await getAnalysisUsage(ctx.ica, projectId, a.id, ctx.signal);
        if (price && typeof price.amount === "number" && Number.isFinite(price.amount) && price.amount >= 0) {
          priced.push({
            amount: price.amount,
            currency: price.currency ?? "iCredit",
            ...(a.analysisStorage?.name ? { storage: a.analysisStorage.name } : {}),
          });
        } else pending++;
      } catch (err) {
        // ICA: "A 404 status indicates that the system is busy processing the information."
        if (err instanceof IcaApiError && err.status === 404) pending++;
        else throw err;
      }
    }),
  );
  return summarizePrices(priced, pending);
}

/** The estimate for launching this pipeline in this project (cached per process); never throws. */
export async function estimateLaunchCost(
  ctx: ToolContext,
  projectId: string,
  pipelineId: string,
): Promise<CostEstimate> {
  let perClient = cache.get(ctx.ica);
  if (!perClient) {
    perClient = new Map();
    cache.set(ctx.ica, perClient);
  }
  const key = `${projectId}\0${pipelineId}`;
  let pending = perClient.get(key);
  if (!pending) {
    pending = compute(ctx, projectId, pipelineId);
    perClient.set(key, pending);
    // Failures are not remembered: the next launch tries again.
    pending.catch(() => perClient.delete(key));
  }
  try {
    return await pending;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return {
      basedOn: 0,
      note: `no estimate: ICA's usage history could not be read (${err instanceof Error ? err.message.slice(0, 200) : "error"})`,
    };
  }
}

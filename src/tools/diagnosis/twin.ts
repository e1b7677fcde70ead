/**
 * The comparison of a diagnosis: the most recent SUCCEEDED analysis of the same pipeline in the project
 * (the search has no pipeline filter, so SUCCEEDED pages sorted by endDate desc, a bounded number of them),
 * and what differs: inputs, parameters, duration, price, storage size.
 */
import {
  getAnalysisConfigurations,
  getAnalysisInputs,
  getAnalysisUsage,
  type IcaAnalysis,
  type IcaAnalysisInput,
  type IcaExecutionConfiguration,
  searchAnalyses,
} from "../../ica/api/analyses.js";
import type { IcaClient } from "../../ica/client.js";
import { IcaApiError } from "../../ica/errors.js";
import { cutBytes, escapeInvisible } from "./classify.js";

export const TWIN_PAGES = 2;
export const TWIN_PAGE_SIZE = 100;
const MAX_DIFFS = 16;
const VALUE_BYTES = 120;

export async function findTwin(
  ica: IcaClient,
  projectId: string,
  a: IcaAnalysis,
  signal: AbortSignal,
): Promise<{ twin?: IcaAnalysis; searched: number; requests: number }> {
  const pipelineId = a.pipeline?.id;
  let searched = 0;
  let requests = 0;
  if (!pipelineId) return { searched, requests };
  for (let p = 0; p < TWIN_PAGES; p++) {
    const page = await searchAnalyses(
      ica,
      projectId,
      { status: ["SUCCEEDED"] },
      { mode: "offset", pageOffset: p * TWIN_PAGE_SIZE, pageSize: TWIN_PAGE_SIZE, sort: "endDate desc" },
      signal,
    );
    requests++;
    searched += page.items.length;
    const twin = page.items.find((x) => x.id !== a.id && x.pipeline?.id === pipelineId);
    if (twin) return { twin, searched, requests };
    if (page.items.length < TWIN_PAGE_SIZE) break;
  }
  return { searched, requests };
}

/** The price, or undefined while ICA has none (a 404 means "not yet available"). */
export async function priceOf(
  ica: IcaClient,
  projectId: string,
  analysisId: string,
  signal: AbortSignal,
): Promise<{ amount?: number; currency?: string } | undefined> {
  try {
    return await getAnalysisUsage(ica, projectId, analysisId, signal);
  } catch (err) {
    if (err instanceof IcaApiError && err.status === 404) return undefined;
    throw err;
  }
}

export function minutesBetween(start?: string | null, end?: string | null): number | undefined {
  const s = start ? Date.parse(start) : Number.NaN;
  const e = end ? Date.parse(end) : Number.NaN;
  return Number.isFinite(s) && Number.isFinite(e) ? Math.round((e - s) / 6_000) / 10 : undefined;
}

const show = (v: string) => cutBytes(escapeInvisible(v), VALUE_BYTES);

function inputMap(inputs: IcaAnalysisInput[]): Map<string, { ids: string; names: string }> {
  const m = new Map<string, { ids: string; names: string }>();
  for (const i of inputs) {
    const data = i.analysisData ?? [];
    const ext = (i.externalData ?? []).map((e) => (e.url ?? "").split("?")[0] ?? "");
    const ids = [...data.map((d) => d.dataId), ...ext].sort().join(",");
    const names = [...data.map((d) => d.name), ...ext].slice(0, 4).join(", ");
    m.set(i.code, { ids, names });
  }
  return m;
}

function configMap(configs: IcaExecutionConfiguration[]): Map<string, string> {
  return new Map(configs.map((c) => [c.name, (c.values ?? []).join(",")]));
}

/** Rows [kind, name, this, twin] for every input or parameter that differs; "" means absent. */
export function differences(
  mine: { inputs: IcaAnalysisInput[]; configs: IcaExecutionConfiguration[] },
  theirs: { inputs: IcaAnalysisInput[]; configs: IcaExecutionConfiguration[] },
): { rows: [string, string, string, string][]; omitted: number } {
  const rows: [string, string, string, string][] = [];
  const a = inputMap(mine.inputs);
  const b = inputMap(theirs.inputs);
  for (const code of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(code);
    const y = b.get(code);
    if (x?.ids !== y?.ids) rows.push(["input", show(code), show(x?.names ?? ""), show(y?.names ?? "")]);
  }
  const c = configMap(mine.configs);
  const d = configMap(theirs.configs);
  for (const name of new Set([...c.keys(), ...d.keys()])) {
    if (c.get(name) !== d.get(name))
      rows.push(["parameter", show(name), show(c.get(name) ?? ""), show(d.get(name) ?? "")]);
  }
  return { rows: rows.slice(0, MAX_DIFFS), omitted: Math.max(0, rows.length - MAX_DIFFS) };
}

export async function inputsAndConfigs(
  ica: IcaClient,
  projectId: string,
  analysisId: string,
  signal: AbortSignal,
): Promise<{ inputs: IcaAnalysisInput[]; configs: IcaExecutionConfiguration[] }> {
  const [inputs, configs] = await Promise.all([
    getAnalysisInputs(ica, projectId, analysisId, signal),
    getAnalysisConfigurations(ica, projectId, analysisId, signal),
  ]);
  return { inputs, configs };
}

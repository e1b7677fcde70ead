/**
 * Lookups "in this project": follow a filtered data listing until everything wanted is found or the listing
 * has provably ended, whatever page size ICA chooses. A listing that cannot be followed to its end (a cursor
 * that repeats, an empty page that claims more, too many pages) is an error, never "not found".
 */
import type { IcaClient } from "../client.js";
import { IcaResponseError } from "../errors.js";
import { type DataFilters, type IcaProjectData, listProjectData } from "./data.js";

/** Requests one lookup may send at most. */
const MAX_LOOKUP_PAGES = 50;

export async function lookUpProjectData(
  ica: IcaClient,
  projectId: string,
  filters: DataFilters,
  opts: {
    pageSize: number;
    signal?: AbortSignal;
    /** Stop early once this says everything wanted is among the items collected so far. */
    done?: (items: readonly IcaProjectData[]) => boolean;
    maxPages?: number;
  },
): Promise<IcaProjectData[]> {
  const items: IcaProjectData[] = [];
  const seen = new Set<string>();
  let pageToken: string | undefined;
  const maxPages = opts.maxPages ?? MAX_LOOKUP_PAGES;
  const cannotTell = (why: string) =>
    new IcaResponseError(
      `could not look the data up in project ${projectId}: ${why}, so it is unknown whether the rest exists; call again, or pass fewer ids or paths`,
      200,
      { method: "GET", path: "/api/projects/{projectId}/data" },
    );
  for (let pages = 0; ; pages++) {
    if (pages >= maxPages) throw cannotTell(`ICA's listing did not end within ${maxPages} pages`);
    const page = await listProjectData(
      ica,
      projectId,
      filters,
      { mode: "cursor", pageSize: opts.pageSize, ...(pageToken ? { pageToken } : {}) },
      opts.signal,
    );
    items.push(...page.items);
    if (opts.done?.(items)) return items;
    const next = page.nextPageToken;
    if (next === undefined || (page.remainingRecords ?? 1) <= 0) return items; // the listing ended
    if (seen.has(next) || next === pageToken) throw cannotTell("ICA's cursor stopped moving");
    if (page.items.length === 0) throw cannotTell("ICA sent an empty page while saying more records remain");
    seen.add(next);
    pageToken = next;
  }
}

/** Data items of the project by id (ids in chunks through the listing's id filter); absent ids are missing. */
export async function lookUpDataIds(
  ica: IcaClient,
  projectId: string,
  ids: readonly string[],
  signal?: AbortSignal,
  chunkSize = 100,
): Promise<Map<string, IcaProjectData>> {
  const found = new Map<string, IcaProjectData>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += chunkSize) {
    const chunk = unique.slice(i, i + chunkSize);
    const items = await lookUpProjectData(
      ica,
      projectId,
      { id: chunk },
      {
        pageSize: Math.min(1000, chunk.length),
        signal,
        done: (got) => {
          const have = new Set(got.map((d) => d.data?.id));
          return chunk.every((id) => have.has(id));
        },
      },
    );
    for (const d of items) if (d.data?.id && chunk.includes(d.data.id)) found.set(d.data.id, d);
  }
  return found;
}

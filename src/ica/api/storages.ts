/**
 * Analysis storage sizes ("Starting a Pipeline" in the ICA API guide): the current per-project endpoint
 * (v4 only), falling back to the deprecated global one (v3) where a deployment does not offer it.
 */
import type { IcaClient } from "../client.js";
import { IcaApiError } from "../errors.js";

export interface IcaAnalysisStorage {
  id: string;
  name: string;
  description?: string | null;
}

export interface StorageList {
  items: IcaAnalysisStorage[];
  /** Which endpoint answered: the project's (current) or the deprecated global one. */
  source: "project" | "global";
}

const FALLBACK_STATUSES = new Set([404, 405, 410, 501]);

/** A 404 that says the project does not exist (rather than that the endpoint does not). */
function aboutTheProject(err: IcaApiError): boolean {
  return (
    err.status === 404 &&
    (err.parameters.projectId !== undefined ||
      /\bno project\b|project\b.*\bnot (be )?found/i.test(err.detail ?? ""))
  );
}

export async function listAnalysisStorages(
  ica: IcaClient,
  projectId: string,
  signal?: AbortSignal,
): Promise<StorageList> {
  try {
    const res = await ica.request<{ items?: IcaAnalysisStorage[] }>({
      method: "GET",
      path: "/api/projects/{projectId}/analysisStorages",
      pathParams: { projectId },
      version: "v4",
      signal,
    });
    return { items: Array.isArray(res.body?.items) ? res.body.items : [], source: "project" };
  } catch (err) {
    if (!(err instanceof IcaApiError) || !FALLBACK_STATUSES.has(err.status) || aboutTheProject(err))
      throw err;
  }
  const res = await ica.request<{ items?: IcaAnalysisStorage[] }>({
    method: "GET",
    path: "/api/analysisStorages",
    version: "v3",
    signal,
  });
  return { items: Array.isArray(res.body?.items) ? res.body.items : [], source: "global" };
}

/** The reference sets of a project pipeline (getProjectPipelineReferenceSets): reference data a launch may use. */
import type { IcaClient } from "../client.js";

export interface IcaReferenceSet {
  id: string;
  name?: string | null;
  referenceDataList?: {
    items?:
      | ({
          id?: string | null;
          name?: string | null;
          version?: string | null;
          species?: { name?: string | null } | null;
          typeList?: { items?: ({ name?: string | null } | null)[] | null } | null;
        } | null)[]
      | null;
  } | null;
}

export async function getProjectPipelineReferenceSets(
  ica: IcaClient,
  projectId: string,
  pipelineId: string,
  signal?: AbortSignal,
): Promise<IcaReferenceSet[]> {
  const res = await ica.request<{ items?: (IcaReferenceSet | null)[] | null }>({
    method: "GET",
    path: "/api/projects/{projectId}/pipelines/{pipelineId}/referenceSets",
    pathParams: { projectId, pipelineId },
    version: "v3",
    safe: true,
    signal,
  });
  return (res.body?.items ?? []).filter((s): s is IcaReferenceSet => !!s && typeof s.id === "string");
}

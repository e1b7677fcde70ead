import type { IcaClient } from "../client.js";
import { type Page, type PagingPlan, pageQuery, readPage } from "../paging.js";
import type { IcaProject } from "./types.js";

/** The fields GET /api/projects can sort on (OpenAPI `sort` description of getProjects). */
export const PROJECT_SORT_FIELDS = ["name", "shortDescription", "information"] as const;

export interface ProjectFilters {
  search?: string;
  userTags?: string[];
  technicalTags?: string[];
  includeHiddenProjects?: boolean;
  region?: string;
}

export async function listProjects(
  ica: IcaClient,
  filters: ProjectFilters,
  plan: PagingPlan,
  signal?: AbortSignal,
): Promise<Page<IcaProject>> {
  const res = await ica.request({
    method: "GET",
    path: "/api/projects",
    query: {
      search: filters.search,
      userTags: filters.userTags,
      technicalTags: filters.technicalTags,
      includeHiddenProjects: filters.includeHiddenProjects,
      region: filters.region,
      ...pageQuery(plan),
    },
    version: "v3",
    signal,
  });
  return readPage<IcaProject>(res.body);
}

export async function getProject(
  ica: IcaClient,
  projectId: string,
  signal?: AbortSignal,
): Promise<IcaProject> {
  const res = await ica.request<IcaProject>({
    method: "GET",
    path: "/api/projects/{projectId}",
    pathParams: { projectId },
    version: "v3",
    signal,
  });
  return res.body;
}

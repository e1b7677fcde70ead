import type { IcaClient } from "../client.js";
import { IcaResponseError } from "../errors.js";
import { type Page, type PagingPlan, pageQuery, readPage } from "../paging.js";

/** The fields GET /api/projects/{projectId}/data can sort on (OpenAPI description of getProjectDataList). */
export const DATA_SORT_FIELDS = [
  "timeCreated",
  "timeModified",
  "name",
  "path",
  "fileSizeInBytes",
  "status",
  "format",
  "dataType",
  "willBeArchivedAt",
  "willBeDeletedAt",
] as const;

export type DataStatus = "PARTIAL" | "AVAILABLE" | "ARCHIVING" | "ARCHIVED" | "UNARCHIVING" | "DELETING";

/** ICA's ProjectData: the data object plus the project it is seen from. */
export interface IcaProjectData {
  projectId: string;
  data: IcaData;
}

export interface IcaData {
  id: string;
  urn?: string;
  details?: {
    name?: string;
    /**
     * The spec calls this "the user friendly path of the parent of this data"; ICA deployments have also
     * returned the full path. Read it through `dataFullPath`, which handles both.
     */
    path?: string;
    dataType?: "FILE" | "FOLDER";
    status?: DataStatus;
    fileSizeInBytes?: number | null;
    format?: { code?: string; description?: string } | null;
    owningProjectId?: string;
    owningProjectName?: string;
    timeCreated?: string;
    timeModified?: string;
    tags?: { userTags?: string[]; technicalTags?: string[] };
    willBeArchivedAt?: string | null;
    willBeDeletedAt?: string | null;
  };
}

export interface DataFilters {
  /** Non-recursive listing of one folder; must start and end with "/". */
  parentFolderPath?: string;
  parentFolderId?: string[];
  filename?: string[];
  filenameMatchMode?: "EXACT" | "EXCLUDE" | "FUZZY";
  filePath?: string[];
  filePathMatchMode?: "STARTS_WITH_CASE_INSENSITIVE" | "FULL_CASE_INSENSITIVE";
  status?: DataStatus[];
  type?: "FILE" | "FOLDER";
  formatCode?: string[];
  id?: string[];
}

export async function listProjectData(
  ica: IcaClient,
  projectId: string,
  filters: DataFilters,
  plan: PagingPlan,
  signal?: AbortSignal,
): Promise<Page<IcaProjectData>> {
  const res = await ica.request({
    method: "GET",
    path: "/api/projects/{projectId}/data",
    pathParams: { projectId },
    query: { ...filters, ...pageQuery(plan) },
    version: "v3",
    signal,
  });
  return readPage<IcaProjectData>(res.body);
}

export async function getProjectData(
  ica: IcaClient,
  projectId: string,
  dataId: string,
  signal?: AbortSignal,
): Promise<IcaProjectData> {
  const res = await ica.request<IcaProjectData>({
    method: "GET",
    path: "/api/projects/{projectId}/data/{dataId}",
    pathParams: { projectId, dataId },
    version: "v3",
    signal,
  });
  return res.body;
}

/**
 * Finds one file or folder by its full project path ("/fastq/S1_R1.fastq.gz", or "/fastq/" for a folder)
 * with an exact, case-insensitive path match; undefined when nothing is there.
 */
export async function findDataByPath(
  ica: IcaClient,
  projectId: string,
  path: string,
  signal?: AbortSignal,
): Promise<IcaProjectData | undefined> {
  // A folder's full path ends with "/": without one, ask for both spellings in the same request.
  const variants = path.endsWith("/") || path === "" ? [path] : [path, `${path}/`];
  const page = await listProjectData(
    ica,
    projectId,
    { filePath: variants, filePathMatchMode: "FULL_CASE_INSENSITIVE" },
    { mode: "cursor", pageSize: 10 },
    signal,
  );
  const wanted = path.toLowerCase();
  const matches = page.items.filter((d) => {
    const full = dataFullPath(d.data).toLowerCase();
    return full === wanted || full === `${wanted}/` || `${full}/` === wanted;
  });
  // Paths match case-insensitively; an exact-case match wins when names differ only in case.
  return (
    matches.find((d) => {
      const full = dataFullPath(d.data);
      return full === path || full === `${path}/`;
    }) ?? matches[0]
  );
}

/** The full project path of a file ("/fastq/S1.fastq.gz") or folder ("/fastq/"), whichever way ICA gave `path`. */
export function dataFullPath(d: IcaData): string {
  const name = d.details?.name ?? "";
  const folder = d.details?.dataType === "FOLDER";
  let path = d.details?.path ?? "/";
  const endsWithName = name !== "" && (path.endsWith(`/${name}`) || path.endsWith(`/${name}/`));
  if (!endsWithName) path = `${path.endsWith("/") ? path : `${path}/`}${name}`;
  if (folder && !path.endsWith("/")) path += "/";
  return path;
}

/**
 * A presigned download URL for one file (createDownloadUrlForData; folders are refused by ICA). The URL is a
 * credential in itself: fetch it with `ica.downloadText` and never log it.
 */
export async function createDownloadUrl(
  ica: IcaClient,
  projectId: string,
  dataId: string,
  signal?: AbortSignal,
): Promise<string> {
  const res = await ica.request<{ url?: string }>({
    method: "POST",
    path: "/api/projects/{projectId}/data/{dataId}:createDownloadUrl",
    pathParams: { projectId, dataId },
    version: "v3",
    // Minting a URL changes nothing in ICA, so a lost answer may be asked for again.
    safe: true,
    signal,
  });
  const url = res.body?.url;
  if (!isHttpUrl(url)) {
    // Passed on, anything else would be followed by whoever reads it; never echo it (it may be a credential).
    throw new IcaResponseError(
      `ICA's answer to createDownloadUrlForData holds ${url ? "no http(s) URL" : "no URL"} for data ${dataId}`,
      res.status,
      { method: "POST", path: "/api/projects/{projectId}/data/{dataId}:createDownloadUrl" },
    );
  }
  return url;
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const { protocol } = new URL(value);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}

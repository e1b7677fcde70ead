/**
 * Project pipelines: what a project may run, and what a launch of one needs (its language, input parameters,
 * configuration parameters and the analysis storage its designer advises).
 */
import type { IcaClient } from "../client.js";
import { IcaApiError, UserInputError } from "../errors.js";

export type PipelineLanguage = "CWL" | "NEXTFLOW";

/** The parts of PipelineV3/PipelineV4 the tools read. */
export interface IcaPipeline {
  id: string;
  code: string;
  description?: string;
  language?: string;
  languageVersion?: { name?: string } | null;
  status?: string | null;
  statusAsString?: string | null;
  urn?: string | null;
  proprietary?: boolean | null;
  inputFormType?: string;
  pipelineTags?: { technicalTags?: string[] };
  analysisStorage?: { id: string; name?: string; description?: string | null };
  timeCreated?: string;
  timeModified?: string;
}

export interface IcaInputParameter {
  id?: string;
  code: string;
  required: boolean;
  multiValue: boolean;
}

export interface IcaConfigurationParameter {
  code: string;
  required: boolean;
  multiValue: boolean;
  type: string;
  settings?: { defaultValues?: (string | number)[]; options?: string[] } | null;
}

/** GET /api/projects/{projectId}/pipelines: every pipeline available to the project (no paging in ICA). */
export async function listProjectPipelines(
  ica: IcaClient,
  projectId: string,
  signal?: AbortSignal,
): Promise<IcaPipeline[]> {
  const res = await ica.request<{ items?: { pipeline?: IcaPipeline }[] }>({
    method: "GET",
    path: "/api/projects/{projectId}/pipelines",
    pathParams: { projectId },
    version: "v3",
    signal,
  });
  const items = Array.isArray(res.body?.items) ? res.body.items : [];
  return items.flatMap((i) => (i?.pipeline?.id ? [i.pipeline] : []));
}

/** GET /api/projects/{projectId}/pipelines/{pipelineId} (v4: statusAsString, identifier objects). */
export async function getProjectPipeline(
  ica: IcaClient,
  projectId: string,
  pipelineId: string,
  signal?: AbortSignal,
): Promise<IcaPipeline> {
  const res = await ica.request<{ pipeline: IcaPipeline }>({
    method: "GET",
    path: "/api/projects/{projectId}/pipelines/{pipelineId}",
    pathParams: { projectId, pipelineId },
    version: "v4",
    signal,
  });
  return res.body.pipeline;
}

export async function getInputParameters(
  ica: IcaClient,
  projectId: string,
  pipelineId: string,
  signal?: AbortSignal,
): Promise<IcaInputParameter[]> {
  const res = await ica.request<{ items?: IcaInputParameter[] }>({
    method: "GET",
    path: "/api/projects/{projectId}/pipelines/{pipelineId}/inputParameters",
    pathParams: { projectId, pipelineId },
    version: "v3",
    signal,
  });
  return Array.isArray(res.body?.items) ? res.body.items : [];
}

export async function getConfigurationParameters(
  ica: IcaClient,
  projectId: string,
  pipelineId: string,
  signal?: AbortSignal,
): Promise<IcaConfigurationParameter[]> {
  const res = await ica.request<{ items?: IcaConfigurationParameter[] }>({
    method: "GET",
    path: "/api/projects/{projectId}/pipelines/{pipelineId}/configurationParameters",
    pathParams: { projectId, pipelineId },
    version: "v3",
    signal,
  });
  return Array.isArray(res.body?.items) ? res.body.items : [];
}

/** CWL or NEXTFLOW (upper-cased); undefined for anything else ("UNKNOWN"). */
export function pipelineLanguage(p: IcaPipeline): PipelineLanguage | undefined {
  const l = p.language?.toUpperCase();
  return l === "CWL" || l === "NEXTFLOW" ? l : undefined;
}

/**
 * The project pipeline named by id or by code. A code is matched exactly, then case-insensitively; an unknown
 * id or code becomes a UserInputError that lists similar codes.
 */
export async function resolvePipeline(
  ica: IcaClient,
  projectId: string,
  ref: { pipelineId?: string; pipelineCode?: string },
  signal?: AbortSignal,
): Promise<IcaPipeline> {
  if (ref.pipelineId) {
    try {
      return await getProjectPipeline(ica, projectId, ref.pipelineId, signal);
    } catch (err) {
      if (err instanceof IcaApiError && err.status === 404) {
        throw new UserInputError(
          `pipelineId ${ref.pipelineId} is not a pipeline of project ${projectId}; ica_list_pipelines lists the project's pipelines`,
        );
      }
      throw err;
    }
  }
  const code = ref.pipelineCode ?? "";
  const all = await listProjectPipelines(ica, projectId, signal);
  const found =
    all.find((p) => p.code === code) ?? all.find((p) => p.code.toLowerCase() === code.toLowerCase());
  if (found) return found;
  const words = code
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 2);
  const similar = all
    .filter((p) => words.some((w) => p.code.toLowerCase().includes(w)))
    .map((p) => p.code)
    .slice(0, 10);
  throw new UserInputError(
    `pipelineCode "${code}" is not a pipeline of project ${projectId}${
      similar.length > 0 ? `; similar codes: ${similar.join(", ")}` : ""
    }; ica_list_pipelines lists the project's pipelines`,
  );
}

/**
 * Analysis creation batches (OpenAPI tag "Project Analysis Creation Batch"): many CreateCwlAnalysis /
 * CreateNextflowAnalysis bodies in one POST with one Idempotency-Key; ICA creates them in a job, and the
 * batch's items report per analysis: status, the created analysis, the reason of a failure.
 */
import type { IcaClient } from "../client.js";
import { type Page, type PagingPlan, pageQuery, readPage } from "../paging.js";
import { v4Status } from "./analyses.js";
import type { IcaJob } from "./jobs.js";

export interface IcaAnalysisCreationBatch {
  id: string;
  job?: IcaJob | null;
}

/** AnalysisCreationBatchItemV4 (loose). */
export interface IcaAnalysisBatchItem {
  id: string;
  request?: { userReference?: string | null; pipelineId?: string | null } | null;
  processing?: { status?: string | null; additionalStatusInformation?: string | null } | null;
  createdAnalysis?: { id?: string | null; reference?: string | null; status?: string | null } | null;
}

export async function createAnalysisCreationBatch(
  ica: IcaClient,
  projectId: string,
  body: { cwlItems?: Record<string, unknown>[]; nextflowItems?: Record<string, unknown>[] },
  idempotencyKey: string,
  signal?: AbortSignal,
): Promise<IcaAnalysisCreationBatch> {
  const res = await ica.request<IcaAnalysisCreationBatch>({
    method: "POST",
    path: "/api/projects/{projectId}/analysisCreationBatch",
    pathParams: { projectId },
    body,
    version: "v3",
    idempotencyKey,
    signal,
  });
  return res.body;
}

export async function listAnalysisCreationBatchItems(
  ica: IcaClient,
  projectId: string,
  batchId: string,
  plan: PagingPlan,
  signal?: AbortSignal,
): Promise<Page<IcaAnalysisBatchItem>> {
  const res = await ica.request({
    method: "GET",
    path: "/api/projects/{projectId}/analysisCreationBatch/{batchId}/items",
    pathParams: { projectId, batchId },
    query: pageQuery(plan),
    version: "v4",
    signal,
  });
  const page = readPage<IcaAnalysisBatchItem>(res.body);
  return {
    ...page,
    items: page.items.map((item) =>
      item?.createdAnalysis?.status
        ? {
            ...item,
            createdAnalysis: { ...item.createdAnalysis, status: v4Status(item.createdAnalysis.status) },
          }
        : item,
    ),
  };
}

/** Sample creation batches: many samples, each with its data linked, created by one asynchronous job. */
import type { IcaClient } from "../client.js";
import { type Page, type PagingPlan, pageQuery, readPage } from "../paging.js";
import type { IcaJob } from "./jobs.js";

/** CreateSampleCreationBatchSampleItem. */
export interface SampleBatchItemInput {
  sampleToCreate: {
    name: string;
    description?: string;
    tags?: { userTags?: string[]; technicalTags?: string[] };
  };
  dataToLink: { dataId: string }[];
  completeSample: boolean;
}

export interface IcaSampleCreationBatch {
  id: string;
  job?: IcaJob | null;
  sequencingRunId?: string | null;
}

/** Item statuses spell WAITING_RESOURCES (the job's own status says WAITING_FOR_RESOURCES). */
export interface IcaSampleBatchItem {
  id: string;
  request?: { sampleToCreate?: { name?: string }; completeSample?: boolean };
  processing?: { status?: string; additionalStatusInformation?: string | null };
  createdSample?: { id?: string; name?: string; status?: string } | null;
}

export async function createSampleCreationBatch(
  ica: IcaClient,
  projectId: string,
  items: SampleBatchItemInput[],
  idempotencyKey: string,
  signal?: AbortSignal,
): Promise<IcaSampleCreationBatch> {
  const res = await ica.request<IcaSampleCreationBatch>({
    method: "POST",
    path: "/api/projects/{projectId}/sampleCreationBatch",
    pathParams: { projectId },
    body: { items },
    version: "v3",
    idempotencyKey,
    signal,
  });
  return res.body;
}

export async function getSampleCreationBatch(
  ica: IcaClient,
  projectId: string,
  batchId: string,
  signal?: AbortSignal,
): Promise<IcaSampleCreationBatch> {
  const res = await ica.request<IcaSampleCreationBatch>({
    method: "GET",
    path: "/api/projects/{projectId}/sampleCreationBatch/{batchId}",
    pathParams: { projectId, batchId },
    version: "v3",
    signal,
  });
  return res.body;
}

export async function listSampleCreationBatchItems(
  ica: IcaClient,
  projectId: string,
  batchId: string,
  plan: PagingPlan,
  signal?: AbortSignal,
): Promise<Page<IcaSampleBatchItem>> {
  const res = await ica.request({
    method: "GET",
    path: "/api/projects/{projectId}/sampleCreationBatch/{batchId}/items",
    pathParams: { projectId, batchId },
    query: pageQuery(plan),
    version: "v3",
    signal,
  });
  return readPage<IcaSampleBatchItem>(res.body);
}

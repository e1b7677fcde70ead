/** Jobs: the asynchronous work behind batch operations (sample creation batches and others). */
import type { IcaClient } from "../client.js";

export type JobStatus =
  | "INITIALIZED"
  | "WAITING_FOR_RESOURCES"
  | "RUNNING"
  | "STOPPED"
  | "SUCCEEDED"
  | "PARTIALLY_SUCCEEDED"
  | "FAILED";

/** Statuses after which a job changes no more. */
export const TERMINAL_JOB_STATUSES: readonly string[] = [
  "STOPPED",
  "SUCCEEDED",
  "PARTIALLY_SUCCEEDED",
  "FAILED",
];

export interface IcaJob {
  id: string;
  /** Spelled WAITING_FOR_RESOURCES here; batch items spell it WAITING_RESOURCES. */
  status: JobStatus | string;
  additionalStatusInformation?: string | null;
  /** e.g. "SampleCreationBatch". */
  subjectType?: string;
  subjectId?: string;
  timeCreated?: string;
  timeStarted?: string | null;
  timeFinished?: string | null;
  owner?: { id?: string; username?: string } | null;
  project?: { id?: string; name?: string } | null;
}

/** Job ids (and batch ids) are UUIDs; ICA declares the path parameters as such. */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export async function getJob(ica: IcaClient, jobId: string, signal?: AbortSignal): Promise<IcaJob> {
  const res = await ica.request<IcaJob>({
    method: "GET",
    path: "/api/jobs/{jobId}",
    pathParams: { jobId },
    version: "v3",
    signal,
  });
  return res.body;
}

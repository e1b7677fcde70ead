import { z } from "zod";
import { type IcaAnalysisBatchItem, listAnalysisCreationBatchItems } from "../ica/api/analysis-batch.js";
import { getJob, TERMINAL_JOB_STATUSES, UUID_PATTERN } from "../ica/api/jobs.js";
import { type IcaSampleBatchItem, listSampleCreationBatchItems } from "../ica/api/samples.js";
import { UserInputError } from "../ica/errors.js";
import { abnormalStop, collectPages, stopNote } from "../ica/paging.js";
import { defineTool } from "../mcp/adapter.js";
import { columnar } from "./columnar.js";
import { identified, type Operation, records, text } from "./values.js";

const GET_JOB: Operation = { operationId: "getJob", method: "GET", path: "/api/jobs/{jobId}" };

/** Items read for the counts; the first SHOWN are listed. */
const MAX_ITEMS = 1_000;
const SHOWN = 50;

const batchItemTable = columnar({
  sampleName: z.string().optional(),
  status: z.string(),
  sampleId: z.string().optional(),
  note: z.string().optional(),
});

const analysisItemTable = columnar({
  userReference: z.string().optional(),
  status: z.string(),
  analysisId: z.string().optional(),
  analysisStatus: z.string().optional(),
  note: z.string().optional(),
});

const sampleBatchShape = z.object({
  batchId: z.string(),
  itemCount: z.number(),
  countsByStatus: z.record(z.string(), z.number()),
  items: batchItemTable.schema,
  itemsTruncated: z.boolean(),
  itemsStopped: z.string().optional().describe("Why reading items stopped before ICA's list ended."),
});

const analysisBatchShape = z.object({
  batchId: z.string(),
  itemCount: z.number(),
  countsByStatus: z.record(z.string(), z.number()),
  items: analysisItemTable.schema,
  itemsTruncated: z.boolean(),
  itemsStopped: z.string().optional(),
});

function countStatuses(statuses: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

export const getJobTool = defineTool({
  name: "ica_get_job",
  title: "Get a batch job's status",
  description:
    "Status of a batch job (ica_create_sample_batch, ica_start_analysis items); for its batch also item counts per status and the first 50 items (created sample or analysis, failure reason). Poll every few seconds until done.",
  inputSchema: {
    jobId: z
      .string()
      .regex(UUID_PATTERN, "jobId must be a UUID")
      .describe("Job id (UUID) from ica_create_sample_batch or a batch launch."),
  },
  outputSchema: {
    id: z.string(),
    status: z.string(),
    done: z.boolean(),
    subjectType: z.string().optional(),
    subjectId: z.string().optional(),
    projectId: z.string().optional(),
    statusInformation: z.string().optional(),
    timeCreated: z.string().optional(),
    timeStarted: z.string().optional(),
    timeFinished: z.string().optional(),
    sampleBatch: sampleBatchShape.optional(),
    analysisBatch: analysisBatchShape.optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const job = identified(await getJob(ctx.ica, args.jobId, ctx.signal), GET_JOB, "job");
    // Job, its project and most of its fields are nullable in ICA's document: read each one defensively.
    const status = text(job.status) ?? "UNKNOWN";
    const subjectType = text(job.subjectType);
    const subjectId = text(job.subjectId);
    const projectId = text(job.project?.id);
    if (ctx.allowedProjects) {
      if (!projectId) {
        throw new UserInputError(
          `job ${args.jobId} belongs to no project, and this server is limited to ICA_ALLOWED_PROJECTS`,
        );
      }
      ctx.checkProject(projectId);
    }
    const done = TERMINAL_JOB_STATUSES.includes(status);
    let sampleBatch: z.input<typeof sampleBatchShape> | undefined;
    let itemsNote: string | undefined;
    if (subjectType === "SampleCreationBatch" && subjectId && projectId) {
      const batchId = subjectId;
      const got = await collectPages<IcaSampleBatchItem>(
        { mode: "cursor", pageSize: 200 },
        (plan) => listSampleCreationBatchItems(ctx.ica, projectId, batchId, plan, ctx.signal),
        { maxItems: MAX_ITEMS, signal: ctx.signal },
      );
      // A null entry in the list still counts as an item (of unknown status).
      const countsByStatus: Record<string, number> = {};
      const statusOf = (item: IcaSampleBatchItem | null) => text(item?.processing?.status) ?? "UNKNOWN";
      for (const item of got.items) {
        const s = statusOf(item);
        countsByStatus[s] = (countsByStatus[s] ?? 0) + 1;
      }
      const shown = records(got.items.slice(0, SHOWN));
      const fitted = batchItemTable.fit(
        shown.map((item) => {
          const note = text(item.processing?.additionalStatusInformation);
          const sampleName = text(item.request?.sampleToCreate?.name);
          const sampleId = text(item.createdSample?.id);
          return {
            ...(sampleName ? { sampleName } : {}),
            status: statusOf(item),
            ...(sampleId ? { sampleId } : {}),
            ...(note ? { note: note.slice(0, 300) } : {}),
          };
        }),
      );
      sampleBatch = {
        batchId,
        itemCount: got.items.length + (got.remainingRecords ?? 0),
        countsByStatus,
        items: fitted.table,
        itemsTruncated: got.truncated || got.items.length > fitted.table.rows.length,
        ...(abnormalStop(got) ? { itemsStopped: abnormalStop(got) } : {}),
      };
      itemsNote = stopNote(got);
    }
    let analysisBatch: z.input<typeof analysisBatchShape> | undefined;
    if (subjectType === "AnalysisCreationBatch" && subjectId && projectId) {
      const batchId = subjectId;
      const got = await collectPages<IcaAnalysisBatchItem>(
        { mode: "cursor", pageSize: 200 },
        (plan) => listAnalysisCreationBatchItems(ctx.ica, projectId, batchId, plan, ctx.signal),
        { maxItems: MAX_ITEMS, signal: ctx.signal },
      );
      const items = records(got.items);
      const fitted = analysisItemTable.fit(
        items.slice(0, SHOWN).map((item) => {
          const note = text(item.processing?.additionalStatusInformation);
          const userReference = text(item.request?.userReference);
          const a = item.createdAnalysis;
          return {
            ...(userReference ? { userReference: userReference.slice(0, 255) } : {}),
            status: text(item.processing?.status) ?? "UNKNOWN",
            ...(text(a?.id) ? { analysisId: a?.id as string } : {}),
            ...(text(a?.status) ? { analysisStatus: a?.status as string } : {}),
            ...(note ? { note: note.slice(0, 300) } : {}),
          };
        }),
      );
      analysisBatch = {
        batchId,
        itemCount: items.length + (got.remainingRecords ?? 0),
        countsByStatus: countStatuses(items.map((i) => text(i.processing?.status) ?? "UNKNOWN")),
        items: fitted.table,
        itemsTruncated: got.truncated || items.length > fitted.table.rows.length,
        ...(abnormalStop(got) ? { itemsStopped: abnormalStop(got) } : {}),
      };
      itemsNote ??= stopNote(got);
    }
    const progress = analysisBatch
      ? ` (${analysisBatch.countsByStatus.SUCCEEDED ?? 0} of ${analysisBatch.itemCount} analyses created${analysisBatch.countsByStatus.FAILED ? `, ${analysisBatch.countsByStatus.FAILED} failed` : ""})`
      : sampleBatch
        ? ` (${sampleBatch.countsByStatus.SUCCEEDED ?? 0} of ${sampleBatch.itemCount} sample(s) created${sampleBatch.countsByStatus.FAILED ? `, ${sampleBatch.countsByStatus.FAILED} failed` : ""})`
        : "";
    const info = text(job.additionalStatusInformation);
    const next = done
      ? status === "SUCCEEDED"
        ? "Done."
        : "Done; see statusInformation and the failed items' notes."
      : "Next: call ica_get_job again in a few seconds.";
    return {
      structured: {
        id: job.id,
        status,
        done,
        ...(subjectType ? { subjectType } : {}),
        ...(subjectId ? { subjectId } : {}),
        ...(projectId ? { projectId } : {}),
        ...(info ? { statusInformation: info.slice(0, 1000) } : {}),
        ...(text(job.timeCreated) ? { timeCreated: job.timeCreated } : {}),
        ...(text(job.timeStarted) ? { timeStarted: job.timeStarted as string } : {}),
        ...(text(job.timeFinished) ? { timeFinished: job.timeFinished as string } : {}),
        ...(sampleBatch ? { sampleBatch } : {}),
        ...(analysisBatch ? { analysisBatch } : {}),
      },
      summary: `Job ${job.id} (${subjectType ?? "job"}) is ${status}${progress}. ${next}${itemsNote ? ` Items: ${itemsNote}` : ""}`,
    };
  },
});

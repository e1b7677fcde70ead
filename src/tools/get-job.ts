import { z } from "zod";
import { getJob, TERMINAL_JOB_STATUSES, UUID_PATTERN } from "../ica/api/jobs.js";
import { type IcaSampleBatchItem, listSampleCreationBatchItems } from "../ica/api/samples.js";
import { UserInputError } from "../ica/errors.js";
import { collectPages } from "../ica/paging.js";
import { defineTool } from "../mcp/adapter.js";
import { columnar } from "./columnar.js";

/** Items read for the counts; the first SHOWN are listed. */
const MAX_ITEMS = 1_000;
const SHOWN = 50;

const batchItemTable = columnar({
  sampleName: z.string().optional(),
  status: z.string(),
  sampleId: z.string().optional(),
  note: z.string().optional(),
});

const sampleBatchShape = z.object({
  batchId: z.string(),
  itemCount: z.number(),
  countsByStatus: z.record(z.string(), z.number()),
  items: batchItemTable.schema,
  itemsTruncated: z.boolean(),
});

export const getJobTool = defineTool({
  name: "ica_get_job",
  title: "Get a batch job's status",
  description:
    "Status of a batch job (e.g. from ica_create_sample_batch); for a sample creation batch also item counts per status and the first 50 items. Poll every few seconds until done.",
  inputSchema: {
    jobId: z
      .string()
      .regex(UUID_PATTERN, "jobId must be a UUID")
      .describe("Job id (UUID) from ica_create_sample_batch."),
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
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const job = await getJob(ctx.ica, args.jobId, ctx.signal);
    const projectId = job.project?.id ?? undefined;
    if (ctx.allowedProjects) {
      if (!projectId) {
        throw new UserInputError(
          `job ${args.jobId} belongs to no project, and this server is limited to ICA_ALLOWED_PROJECTS`,
        );
      }
      ctx.checkProject(projectId);
    }
    const done = TERMINAL_JOB_STATUSES.includes(job.status);
    let sampleBatch: z.input<typeof sampleBatchShape> | undefined;
    if (job.subjectType === "SampleCreationBatch" && job.subjectId && projectId) {
      const batchId = job.subjectId;
      const got = await collectPages<IcaSampleBatchItem>(
        { mode: "cursor", pageSize: 200 },
        (plan) => listSampleCreationBatchItems(ctx.ica, projectId, batchId, plan, ctx.signal),
        { maxItems: MAX_ITEMS, signal: ctx.signal },
      );
      const countsByStatus: Record<string, number> = {};
      for (const item of got.items) {
        const s = item.processing?.status ?? "UNKNOWN";
        countsByStatus[s] = (countsByStatus[s] ?? 0) + 1;
      }
      const fitted = batchItemTable.fit(
        got.items.slice(0, SHOWN).map((item) => {
          const note = item.processing?.additionalStatusInformation;
          return {
            ...(item.request?.sampleToCreate?.name ? { sampleName: item.request.sampleToCreate.name } : {}),
            status: item.processing?.status ?? "UNKNOWN",
            ...(item.createdSample?.id ? { sampleId: item.createdSample.id } : {}),
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
      };
    }
    const progress = sampleBatch
      ? ` (${sampleBatch.countsByStatus.SUCCEEDED ?? 0} of ${sampleBatch.itemCount} sample(s) created${sampleBatch.countsByStatus.FAILED ? `, ${sampleBatch.countsByStatus.FAILED} failed` : ""})`
      : "";
    const next = done
      ? job.status === "SUCCEEDED"
        ? "Done."
        : "Done; see statusInformation and the failed items' notes."
      : "Next: call ica_get_job again in a few seconds.";
    return {
      structured: {
        id: job.id,
        status: job.status,
        done,
        ...(job.subjectType ? { subjectType: job.subjectType } : {}),
        ...(job.subjectId ? { subjectId: job.subjectId } : {}),
        ...(projectId ? { projectId } : {}),
        ...(job.additionalStatusInformation
          ? { statusInformation: job.additionalStatusInformation.slice(0, 1000) }
          : {}),
        ...(job.timeCreated ? { timeCreated: job.timeCreated } : {}),
        ...(job.timeStarted ? { timeStarted: job.timeStarted } : {}),
        ...(job.timeFinished ? { timeFinished: job.timeFinished } : {}),
        ...(sampleBatch ? { sampleBatch } : {}),
      },
      summary: `Job ${job.id} (${job.subjectType ?? "job"}) is ${job.status}${progress}. ${next}`,
    };
  },
});

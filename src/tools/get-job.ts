import { z } from "zod";
import { getJob, TERMINAL_JOB_STATUSES, UUID_PATTERN } from "../ica/api/jobs.js";
import { type IcaSampleBatchItem, listSampleCreationBatchItems } from "../ica/api/samples.js";
import { UserInputError } from "../ica/errors.js";
import { collectPages } from "../ica/paging.js";
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
      };
    }
    const progress = sampleBatch
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
      },
      summary: `Job ${job.id} (${subjectType ?? "job"}) is ${status}${progress}. ${next}`,
    };
  },
});

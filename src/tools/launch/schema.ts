/** The input and output schemas of ica_start_analysis (kept apart from the launch logic). */
import { z } from "zod";
import { columnar } from "../columnar.js";
import { pipelineCodeParam, pipelineIdParam, projectIdParam, tagListParam } from "../params.js";
import { confirmationTokenParam } from "./confirm.js";

/** Data references one launch may carry in all (ids, paths, mounts and external URLs together). */
export const MAX_DATA_REFS = 400;
/** Analyses one batch launch may create. */
export const MAX_BATCH_ITEMS = 200;

const dataRef = z.string().min(1).max(4000);
const text = z.string().max(10_000);

export const startAnalysisInput = {
  projectId: projectIdParam.optional(),
  pipelineId: pipelineIdParam.optional(),
  pipelineCode: pipelineCodeParam.optional(),
  userReference: z
    .string()
    .max(1000)
    .optional()
    .describe("Run name: 1-255 of letters, digits, space, _ -; / separates parts."),
  inputs: z
    .array(
      z.object({
        parameterCode: z.string().min(1).max(255).describe("From ica_get_pipeline."),
        dataIds: z
          .array(dataRef)
          .max(MAX_DATA_REFS)
          .optional()
          .describe('Ids from ica_list_data or paths like "/fastq/S1_R1.fastq.gz".'),
        mounts: z
          .array(z.object({ dataId: dataRef, mountPath: z.string().min(1).max(4000) }))
          .max(MAX_DATA_REFS)
          .optional()
          .describe("Data (id or path) at mountPath (relative, ending in a file name)."),
        externalData: z
          .array(
            z.object({
              url: z.string().min(1).max(4000),
              type: z.string().max(20).optional(),
              storageCredentialsId: z.string().max(100).optional(),
              mountPath: z.string().max(4000).optional(),
            }),
          )
          .max(MAX_DATA_REFS)
          .optional()
          .describe(
            "s3:// (needs storageCredentialsId) or https:// data; mountPath defaults to the file name.",
          ),
      }),
    )
    .max(100)
    .optional()
    .describe("Data per input parameter."),
  parameters: z
    .array(
      z.object({
        code: z.string().min(1).max(255),
        value: text.optional(),
        multiValue: z.array(text).max(1000).optional(),
      }),
    )
    .max(300)
    .optional()
    .describe("Settings from ica_get_pipeline as text; multiValue for lists."),
  analysisStorageId: z.string().max(100).optional().describe("From ica_list_analysis_storages."),
  analysisStorageName: z.string().max(255).optional().describe("E.g. Small. Default: the pipeline's own."),
  activationCodeDetailId: z.string().max(100).optional().describe("Default: ICA's best match."),
  tags: z
    .object({
      userTags: tagListParam.optional(),
      technicalTags: tagListParam.optional(),
      referenceTags: tagListParam.optional(),
    })
    .optional()
    .describe("Analysis tags."),
  outputParentFolderId: z
    .string()
    .max(4000)
    .optional()
    .describe("Parent of the output folder (id, URN or path)."),
  logsFolder: z.string().max(4000).optional().describe("Logs folder (id, URN or /path/)."),
  referenceData: z
    .array(z.object({ parameterCode: z.string().min(1).max(255), referenceDataId: z.string().max(100) }))
    .max(50)
    .optional()
    .describe("Ids from ica_get_pipeline referenceSets."),
  analysisOutput: z
    .array(
      z.object({
        sourcePath: z.string().min(1).max(4000),
        targetPath: z.string().min(1).max(4000),
        targetProjectId: z.string().max(100).optional(),
        type: z.string().max(10).optional(),
        actionOnExist: z.string().max(20).optional(),
      }),
    )
    .max(50)
    .optional()
    .describe("Output mappings; actionOnExist Overwrite (default), Rename or Skip."),
  items: z
    .array(
      z.object({
        userReference: z.string().max(1000),
        inputs: z.record(z.string().max(255), z.array(dataRef).max(MAX_DATA_REFS)).optional(),
        parameters: z.record(z.string().max(255), text).optional(),
      }),
    )
    .min(1)
    .max(MAX_BATCH_ITEMS)
    .optional()
    .describe(
      'Batch, one ICA request: per analysis userReference, inputs {"code":[ids]}, parameters {"code":"value"} (override shared ones).',
    ),
  dryRun: z
    .boolean()
    .optional()
    .describe("Check; return the request, plan, cost estimate, confirmationToken; start nothing."),
  confirmationToken: confirmationTokenParam,
  rerun: z.boolean().optional().describe("Launch anew even if this exact launch exists (e.g. it failed)."),
};

export const estimateShape = z.object({
  basedOn: z.number(),
  currency: z.string().optional(),
  median: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  storage: z.array(z.string()).optional(),
  note: z.string(),
});

/** One row per item of a batch launch: sent (or would be), or launched before and left out. */
export const batchItemTable = columnar({
  userReference: z.string(),
  outcome: z.enum(["sent", "would_send", "existing"]),
  analysisId: z.string().optional(),
  status: z.string().optional(),
});

/** Data paths of a launch and the ids they resolved to. */
export const resolvedPathTable = columnar({ path: z.string(), dataId: z.string() });

export const startAnalysisOutput = {
  outcome: z.enum(["dry_run", "started", "existing", "declined", "cancelled"]),
  dryRun: z.boolean(),
  analysis: z
    .object({
      id: z.string(),
      reference: z.string().optional(),
      userReference: z.string().optional(),
      status: z.string(),
    })
    .optional(),
  resolved: z
    .object({
      pipeline: z.object({ id: z.string(), code: z.string(), language: z.string() }),
      storage: z.object({ id: z.string(), name: z.string().optional(), source: z.string() }),
      activationCode: z.object({ id: z.string(), bundle: z.string().optional(), source: z.string() }),
    })
    .optional(),
  endpoint: z.string().optional(),
  idempotencyKey: z.string(),
  launchTag: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.record(z.string(), z.unknown()).optional(),
  batch: z
    .object({
      id: z.string().optional(),
      jobId: z.string().optional(),
      items: batchItemTable.schema,
      outcomes: z.record(z.string(), z.number()).describe("Items per outcome (sent, would_send, existing)."),
    })
    .optional(),
  plan: z.string().optional(),
  estimate: estimateShape.optional(),
  confirmationToken: z.string().optional(),
  confirmation: z.string().optional(),
  resolvedPaths: resolvedPathTable.schema.optional(),
  defaultsUsed: z.array(z.string()).optional(),
  notes: z.array(z.string()).optional(),
};

export type StartAnalysisArgs = z.infer<z.ZodObject<typeof startAnalysisInput>>;

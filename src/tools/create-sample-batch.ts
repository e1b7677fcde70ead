import { createHash } from "node:crypto";
import { z } from "zod";
import { dataFullPath, type IcaProjectData, listProjectData } from "../ica/api/data.js";
import { lookUpDataIds } from "../ica/api/lookup.js";
import { createSampleCreationBatch, type SampleBatchItemInput } from "../ica/api/samples.js";
import { IcaResponseError, UserInputError } from "../ica/errors.js";
import { ABNORMAL_STOPS, collectPages, stopNote } from "../ica/paging.js";
import { defineTool } from "../mcp/adapter.js";
import { columnar } from "./columnar.js";
import { projectIdParam, tagListParam } from "./params.js";
import { applyDuplicateRule, type CandidateFile, DUPLICATE_RULE_READING } from "./samples/duplicates.js";

const MAX_SAMPLES = 100;
const MAX_IDS_PER_SAMPLE = 100;
/** Files one folder may stand for; larger folders must be split. */
const MAX_FOLDER_FILES = 2_000;
const MAX_FILES = 10_000;
/** File entries listed in the result (counts stay complete). */
const MAX_LISTED = 300;
const MAX_WARNINGS = 20;
const ID_CHUNK = 100;

const fileRef = z.object({ id: z.string(), path: z.string() });
const usedTable = columnar(fileRef.shape);
const ignoredTable = columnar(fileRef.extend({ reason: z.string() }).shape);
/** One row per sample; the files it links and the duplicates it leaves out are tables inside the row. */
const sampleTable = columnar({
  name: z.string(),
  complete: z.boolean(),
  usedCount: z.number(),
  ignoredCount: z.number(),
  filesUsed: usedTable.schema,
  filesIgnored: ignoredTable.schema,
});

const sampleInput = z.object({
  name: z.string().min(1).max(255).describe("Sample name, unique in the batch."),
  description: z.string().min(1).max(255).optional().describe("Free text."),
  tags: z
    .object({ userTags: tagListParam.optional(), technicalTags: tagListParam.optional() })
    .optional()
    .describe("userTags / technicalTags of the sample."),
  dataIds: z
    .array(z.string().min(1).max(255))
    .min(1)
    .max(MAX_IDS_PER_SAMPLE)
    .describe("File or folder ids from ica_list_data (a folder = every file beneath it)."),
  complete: z.boolean().optional().describe("Complete the sample after linking (default true)."),
});

/** ICA answers the same Idempotency-Key with the stored batch, so a retried or repeated call creates nothing new. */
function idempotencyKey(projectId: string, items: SampleBatchItemInput[]): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([projectId, items]))
    .digest("hex");
  return `ica-mcp-scb-${digest.slice(0, 48)}`;
}

/** ["a"] -> a; ["a", "b"] -> a and b; ["a", "b", "c"] -> a, b and c; longer lists are cut. */
function listed(names: string[]): string {
  const shown = names.length > 4 ? [...names.slice(0, 3), `${names.length - 3} more`] : names;
  return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

function candidate(d: IcaProjectData): CandidateFile {
  return { id: d.data.id, path: dataFullPath(d.data), name: d.data.details?.name ?? d.data.id };
}

export const createSampleBatchTool = defineTool({
  name: "ica_create_sample_batch",
  title: "Create samples in one batch",
  description:
    "Creates many samples in one batch, each with name, description, tags and linked files (a folder = every file beneath it), completed unless complete:false. ICA's duplicate rule is applied per sample and reported (the deepest copy of a file name is used). dryRun reports only. Returns batchId and jobId (ica_get_job).",
  inputSchema: {
    projectId: projectIdParam.optional(),
    samples: z.array(sampleInput).min(1).max(MAX_SAMPLES).describe("The samples to create."),
    dryRun: z.boolean().optional().describe("Report only, create nothing (default false)."),
  },
  outputSchema: {
    dryRun: z.boolean(),
    duplicateRule: z.string().describe("How ICA's duplicate-file rule was read and applied."),
    batchId: z.string().optional(),
    jobId: z.string().optional(),
    jobStatus: z.string().optional(),
    samples: sampleTable.schema,
    totals: z
      .object({
        samples: z.number(),
        filesToLink: z.number(),
        duplicatesIgnored: z.number(),
        warnings: z.number(),
      })
      .describe("The counts of the summary line: all samples, not only the files listed."),
    warnings: z.array(z.string()),
    listsTruncated: z.boolean(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    const names = new Map<string, number>();
    for (const s of args.samples) names.set(s.name, (names.get(s.name) ?? 0) + 1);
    const repeated = [...names].filter(([, n]) => n > 1).map(([name]) => JSON.stringify(name));
    if (repeated.length > 0) {
      throw new UserInputError(
        `sample names must be unique in a batch; repeated: ${repeated.slice(0, 10).join(", ")}`,
      );
    }

    // 1. Resolve every id (in chunks, through the listing's id filter).
    const ids = [...new Set(args.samples.flatMap((s) => s.dataIds))];
    const byId = await lookUpDataIds(ctx.ica, projectId, ids, ctx.signal, ID_CHUNK);
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length > 0) {
      throw new UserInputError(
        `${missing.length} dataId(s) are not in project ${projectId}: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}`,
        "use file or folder ids from ica_list_data for this project.",
      );
    }

    // 2. Expand folders to the files beneath them.
    const warnings: string[] = [];
    const folderFiles = new Map<string, CandidateFile[]>();
    const statusOf = new Map<string, string>();
    const folders = ids.filter((id) => byId.get(id)!.data.details?.dataType === "FOLDER");
    let expanded = 0;
    for (const id of folders) {
      const prefix = dataFullPath(byId.get(id)!.data);
      const got = await collectPages<IcaProjectData>(
        { mode: "cursor", pageSize: 1000 },
        (plan) =>
          listProjectData(
            ctx.ica,
            projectId,
            { filePath: [prefix], filePathMatchMode: "STARTS_WITH_CASE_INSENSITIVE", type: "FILE" },
            plan,
            ctx.signal,
          ),
        { maxItems: MAX_FOLDER_FILES, signal: ctx.signal },
      );
      if (ABNORMAL_STOPS.has(got.stopped)) {
        throw new IcaResponseError(`listing folder ${prefix}: ${stopNote(got)}`, 200, {
          method: "GET",
          path: "/api/projects/{projectId}/data",
        });
      }
      if (got.truncated) {
        throw new UserInputError(
          `folder ${prefix} holds more than ${MAX_FOLDER_FILES} files; pass its sub-folders or the files themselves`,
          `find them with ica_list_data parentFolderPath="${prefix}".`,
        );
      }
      // The path filter ignores case; keep only what is really beneath this folder.
      const files = got.items.filter((d) => dataFullPath(d.data).startsWith(prefix));
      for (const d of files) statusOf.set(d.data.id, d.data.details?.status ?? "");
      folderFiles.set(id, files.map(candidate));
      if (files.length === 0) warnings.push(`folder ${prefix} has no files; it adds nothing`);
      expanded++;
      await ctx.progress(expanded, folders.length, `expanded ${prefix}`);
    }
    const perSample = args.samples.map((s) =>
      s.dataIds.flatMap((id) => {
        const d = byId.get(id)!;
        if (d.data.details?.dataType === "FOLDER") return folderFiles.get(id)!;
        statusOf.set(id, d.data.details?.status ?? "");
        return [candidate(d)];
      }),
    );
    const total = perSample.reduce((n, f) => n + f.length, 0);
    if (total > MAX_FILES) {
      throw new UserInputError(
        `the batch names ${total} files; at most ${MAX_FILES} per call: split it into several batches`,
      );
    }

    // 3. The duplicate rule, within each sample (see DUPLICATE_RULE_READING).
    const outcome = applyDuplicateRule(perSample);
    const sampleName = (i: number) => JSON.stringify(args.samples[i]!.name);
    for (const t of outcome.ties) {
      warnings.push(
        `"${t.name}": ${t.paths.length} copies at the same deepest level are all used${args.samples.length > 1 ? ` (sample ${sampleName(t.sample)})` : ""}: ${t.paths.slice(0, 5).join(", ")}`,
      );
    }
    for (const c of outcome.clashes) {
      const samplesText = listed(c.samples.map(sampleName));
      warnings.push(
        `"${c.name}" is linked from different folders by samples ${samplesText} (${c.paths.slice(0, 3).join(", ")}${c.paths.length > 3 ? ", …" : ""}): each sample keeps its own copy, as the duplicate rule applies within a sample`,
      );
    }
    outcome.used.forEach((files, i) => {
      if (files.length === 0) warnings.push(`sample "${args.samples[i]!.name}" has no files left to link`);
      const notAvailable = files.filter((f) => statusOf.get(f.id) && statusOf.get(f.id) !== "AVAILABLE");
      for (const f of notAvailable.slice(0, 5)) {
        warnings.push(
          `${f.path} is ${statusOf.get(f.id)}, not AVAILABLE (sample "${args.samples[i]!.name}")`,
        );
      }
    });

    const items: SampleBatchItemInput[] = args.samples.map((s, i) => ({
      sampleToCreate: {
        name: s.name,
        ...(s.description ? { description: s.description } : {}),
        ...(s.tags?.userTags?.length || s.tags?.technicalTags?.length
          ? {
              tags: {
                ...(s.tags.userTags?.length ? { userTags: s.tags.userTags } : {}),
                ...(s.tags.technicalTags?.length ? { technicalTags: s.tags.technicalTags } : {}),
              },
            }
          : {}),
      },
      dataToLink: outcome.used[i]!.map((f) => ({ dataId: f.id })),
      completeSample: s.complete ?? true,
    }));

    // 4. The report, bounded.
    let budget = MAX_LISTED;
    let listsTruncated = false;
    const take = <T>(list: T[]): T[] => {
      const shown = list.slice(0, Math.max(0, budget));
      budget -= shown.length;
      if (shown.length < list.length) listsTruncated = true;
      return shown;
    };
    const samples = args.samples.map((s, i) => ({
      name: s.name,
      complete: s.complete ?? true,
      usedCount: outcome.used[i]!.length,
      ignoredCount: outcome.ignored[i]!.length,
      filesIgnored: take(outcome.ignored[i]!).map((f) => ({
        id: f.id,
        path: f.path,
        reason: `duplicate of ${f.duplicateOf} at a deeper level`,
      })),
      filesUsed: [] as { id: string; path: string }[],
    }));
    samples.forEach((s, i) => {
      s.filesUsed = take(outcome.used[i]!).map((f) => ({ id: f.id, path: f.path }));
    });
    const usedTotal = outcome.used.reduce((n, f) => n + f.length, 0);
    const ignoredTotal = outcome.ignored.reduce((n, f) => n + f.length, 0);
    const shownWarnings =
      warnings.length > MAX_WARNINGS
        ? [...warnings.slice(0, MAX_WARNINGS), `… and ${warnings.length - MAX_WARNINGS} more warning(s)`]
        : warnings;
    const totals = {
      samples: args.samples.length,
      filesToLink: usedTotal,
      duplicatesIgnored: ignoredTotal,
      warnings: warnings.length,
    };
    const sampleRows = sampleTable.table(
      samples.map((s) => ({
        ...s,
        filesUsed: usedTable.table(s.filesUsed),
        filesIgnored: ignoredTable.table(s.filesIgnored),
      })),
    );
    const counts = `${args.samples.length} sample(s), ${usedTotal} file(s) to link, ${ignoredTotal} duplicate(s) ignored${warnings.length ? `, ${warnings.length} warning(s)` : ""}`;

    if (args.dryRun) {
      return {
        structured: {
          dryRun: true,
          duplicateRule: DUPLICATE_RULE_READING,
          samples: sampleRows,
          totals,
          warnings: shownWarnings,
          listsTruncated,
        },
        summary: `Dry run, nothing created: ${counts}. Next: call again without dryRun to create the batch.`,
      };
    }

    const batch = await createSampleCreationBatch(
      ctx.ica,
      projectId,
      items,
      idempotencyKey(projectId, items),
      ctx.signal,
    );
    const jobId = batch.job?.id;
    return {
      structured: {
        dryRun: false,
        duplicateRule: DUPLICATE_RULE_READING,
        batchId: batch.id,
        ...(jobId ? { jobId } : {}),
        ...(batch.job?.status ? { jobStatus: batch.job.status } : {}),
        samples: sampleRows,
        totals,
        warnings: shownWarnings,
        listsTruncated,
      },
      summary: `Sample creation batch ${batch.id} created: ${counts}. Next: ${jobId ? `follow it with ica_get_job jobId="${jobId}"` : "ICA returned no job id; check the project's samples later"}.`,
    };
  },
});

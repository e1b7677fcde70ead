/**
 * The triage week: in the WGS cohort, the 7 days before BASE_TIME hold exactly 20 FAILED/FAILED_FINAL
 * analyses (the random seed's own plus these), with realistic DRAGEN, Nextflow and CWL logs for each way an
 * analysis fails (out of memory, a tool's non-zero exit, a missing or unavailable input, a full disk, a time
 * limit, an ICA-side error, something unrecognisable), an aborted one, and one SUCCEEDED twin per pipeline
 * that failed, ending last, so a failure can be compared with the latest succeeded run. Seeded after
 * everything else with its own random stream, so the rest of the world is unchanged.
 */
import { BASE_TIME, iso } from "../clock.js";
import { Rng } from "../prng.js";
import type { AnalysisRecord, AnalysisStatus, AnalysisStepRecord, SandboxState } from "../state.js";
import type { CatalogIds } from "./catalog.js";
import type { SeededData } from "./data.js";
import type { SeededPipelines, SeedPipelineKey } from "./pipelines.js";
import type { SeedProjectIds } from "./projects.js";

const MINUTE = 60_000;
const DAY = 86_400_000;
const MB = 1024 * 1024;
/** Failures the week holds in all. */
export const TRIAGE_WEEK_FAILURES = 20;

type Storage = keyof CatalogIds["storages"];

interface Template {
  pipeline: SeedPipelineKey;
  /** Index of the failed step in the pipeline's profile. */
  failAt: number;
  exitCode: number | null;
  stderr: (s: string) => string;
  stdout?: (s: string) => string;
  summary: (step: string) => string;
  storage?: Storage;
  /** Configuration values that differ from the pipeline's defaults. */
  config?: Record<string, string[]>;
  /** The R2 FASTQ is still uploading (status PARTIAL). */
  partialInput?: boolean;
}

const SAREK = "NFCORE_SAREK:SAREK";

/** One template per failure class, in the order of the class table. */
const TEMPLATES: Template[] = [
  {
    // out of memory (DRAGEN)
    pipeline: "germline",
    failAt: 1,
    exitCode: 137,
    config: { output_format: ["BAM"] },
    stderr: (s) =>
      [
        `[2026-10-27 03:12:55] [dragen] DRAGEN Host Software Version 07.031.732.4.3.6 for sample ${s}`,
        "[2026-10-27 03:14:02] [dragen] Loading hash table hg38-alt-masked.v4 (31.2 GB) into memory",
        "[2026-10-27 04:40:19] [dragen] Structural variant calling: 12 candidate regions in flight",
        "terminate called after throwing an instance of 'std::bad_alloc'",
        "  what():  std::bad_alloc",
        "/opt/edico/bin/dragen_wrapper.sh: line 88:  4127 Killed                  dragen -f -r /ref --enable-sv true",
        "",
      ].join("\n"),
    summary: (step) => `Step '${step}' failed with exit code 137`,
  },
  {
    // non-zero exit of a named tool (Nextflow)
    pipeline: "sarek",
    failAt: 1,
    exitCode: 1,
    stderr: (s) =>
      [
        `ERROR ~ Error executing process > '${SAREK}:FASTQ_ALIGN_BWAMEM_MEM2_DRAGMAP:BWAMEM2_MEM (${s})'`,
        "",
        "Caused by:",
        `  Process \`${SAREK}:FASTQ_ALIGN_BWAMEM_MEM2_DRAGMAP:BWAMEM2_MEM (${s})\` terminated with an error exit status (1)`,
        "",
        "Command executed:",
        `  bwa-mem2 mem -K 100000000 -R "@RG\\tID:${s}\\tSM:${s}" -t 16 Homo_sapiens_assembly38 ${s}_R1.fq.gz ${s}_R2.fq.gz`,
        "",
        "Command exit status:",
        "  1",
        "",
        "Command error:",
        "  [E::bwa_idx_load_from_disk] fail to locate the index files",
        "",
        "Work dir:",
        "  /ica/work/4f/1c2a9e7b0d",
        "",
      ].join("\n"),
    summary: () => "Workflow execution failed",
  },
  {
    // missing or unavailable input (CWL)
    pipeline: "germline",
    failAt: 0,
    exitCode: 1,
    partialInput: true,
    stderr: (s) =>
      [
        "INFO [workflow ] start",
        "INFO [step prepare_input_data] start",
        "ERROR [job prepare_input_data] Job error:",
        "Invalid job input record:",
        "the `fastqs` field is not valid because",
        `  File not found: 'file:///ica/inputs/fastqs/${s}_R2.fq.gz'`,
        `  (data ${s}_R2.fq.gz is not AVAILABLE: status PARTIAL)`,
        "WARNING [job prepare_input_data] completed permanentFail",
        "",
      ].join("\n"),
    summary: (step) => `Step '${step}' failed with exit code 1`,
  },
  {
    // storage exhausted (DRAGEN)
    pipeline: "germline",
    failAt: 1,
    exitCode: 1,
    storage: "small",
    stderr: (s) =>
      [
        `[dragen] Writing ${s}.bam (sorted, duplicate-marked)`,
        "[dragen] ERROR: Failed to write /ica/scratch/dragen/sort_spill_0041.tmp: No space left on device",
        "[dragen] Aborting; partial outputs are not copied",
        "",
      ].join("\n"),
    summary: (step) => `Step '${step}' failed with exit code 1`,
  },
  {
    // time limit (Nextflow)
    pipeline: "sarek",
    failAt: 2,
    exitCode: 140,
    stderr: (s) =>
      [
        `ERROR ~ Error executing process > '${SAREK}:BAM_VARIANT_CALLING_GERMLINE_ALL:GATK4_HAPLOTYPECALLER (${s})'`,
        "",
        "Caused by:",
        `  Process \`${SAREK}:BAM_VARIANT_CALLING_GERMLINE_ALL:GATK4_HAPLOTYPECALLER (${s})\` exceeded running time limit (8h)`,
        "",
      ].join("\n"),
    summary: () => "Workflow execution failed",
  },
  {
    // ICA-side error: no log says anything; ICA's summary does
    pipeline: "germline",
    failAt: 3,
    exitCode: null,
    stderr: () => "",
    stdout: () => "",
    summary: () =>
      "Internal error: the compute node running step 'upload_outputs' was lost; the analysis was stopped by ICA",
  },
  {
    // unknown (Nextflow draft pipeline, a stack trace no pattern knows)
    pipeline: "fastqcDraft",
    failAt: 1,
    exitCode: null,
    stderr: () =>
      [
        "Exception in thread \"main\" java.lang.IllegalStateException: report section 'adapter_content' declared twice",
        "\tat org.multiqc.Report.addSection(Report.java:212)",
        "\tat org.multiqc.Main.run(Main.java:88)",
        "",
      ].join("\n"),
    summary: () => "Analysis failed",
  },
];

const ABORTED: Template = {
  pipeline: "germline",
  failAt: 1,
  exitCode: 143,
  stderr: () => "Received SIGTERM: the analysis was aborted by a user\n",
  summary: () => "Aborted",
};

export function seedTriageWeek(
  state: SandboxState,
  catalog: CatalogIds,
  projects: SeedProjectIds,
  pipelines: SeededPipelines,
  data: SeededData,
  activationCodeFor: (key: SeedPipelineKey) => string,
): void {
  const rng = new Rng(state.seed * 7919 + 15);
  const projectId = projects.wgs;
  const builder = data.builders.wgs;
  const weekStart = BASE_TIME - 7 * DAY;
  let existing = 0;
  for (const a of state.analyses.values()) {
    if (a.projectId !== projectId || !a.startDate) continue;
    const t = Date.parse(a.startDate);
    if (t >= weekStart && t < BASE_TIME && (a.status === "FAILED" || a.status === "FAILED_FINAL")) existing++;
  }
  const failures = Math.max(TEMPLATES.length, TRIAGE_WEEK_FAILURES - existing);
  const reference = data.byFormat.wgs.TAR;
  const sheet = data.byFormat.wgs.CSV;
  let n = 0;

  const add = (args: {
    key: SeedPipelineKey;
    status: AnalysisStatus;
    startMs: number;
    minutes: number;
    template?: Template;
  }) => {
    n++;
    const pipelineId = pipelines.ids[args.key];
    const pipeline = state.pipelines.get(pipelineId)!;
    const profile = pipelines.profiles[pipelineId]!;
    const sample = `CHT-W${String(n).padStart(2, "0")}`;
    const userReference = `${sample}_${profile.slug.replace(/^(dragen|nf|lab)-/, "")}`;
    const t = args.template;
    const endMs = args.startMs + args.minutes * MINUTE;
    const ref = `${userReference}-${profile.slug}-${iso(args.startMs).slice(0, 10).replace(/-/g, "")}-${rng.hex(6)}`;
    const folderPath = `/analyses/${ref}/`;
    const logsPath = `${folderPath}logs/`;
    // ".fq.gz", as some sequencing cores name them (and so the cohort's own *.fastq.gz set stays as it was).
    const fastqDir = "/fastq/triage-week/";
    const r1 = builder.file(fastqDir, `${sample}_R1.fq.gz`, {
      format: "FASTQ",
      size: rng.int(9_000, 14_000) * MB,
      time: args.startMs - DAY,
    });
    const r2 = builder.file(fastqDir, `${sample}_R2.fq.gz`, {
      format: "FASTQ",
      size: rng.int(9_000, 14_000) * MB,
      time: args.startMs - DAY,
      ...(t?.partialInput ? { status: "PARTIAL" as const } : {}),
    });
    const inputs: AnalysisRecord["inputs"] = [];
    for (const p of pipeline.inputParameters) {
      if (p.formatCodes.includes("FASTQ")) inputs.push({ code: p.code, dataIds: [r1.id, r2.id] });
      else if (p.required && p.formatCodes.includes("TAR") && reference)
        inputs.push({ code: p.code, dataIds: [reference] });
      else if (p.required && p.formatCodes.includes("CSV") && sheet)
        inputs.push({ code: p.code, dataIds: [sheet] });
    }
    const configurations = pipeline.configurationParameters.map((c) => ({
      name: c.code,
      multiValue: c.multiValue,
      values:
        t?.config?.[c.code] ??
        (/sample_name$/.test(c.code) ? [sample] : (c.settings.defaultValues ?? []).map((v) => String(v))),
    }));

    const outputFolder = builder.folder(folderPath, endMs)!;
    builder.folder(logsPath, endMs);
    const count = t ? t.failAt + 1 : profile.steps.length;
    const slot = (endMs - args.startMs) / count;
    const steps: AnalysisStepRecord[] = [];
    for (let i = 0; i < count; i++) {
      const spec = profile.steps[i]!;
      const failedHere = t !== undefined && i === t.failAt;
      const status = failedHere ? (args.status === "ABORTED" ? "ABORTED" : "FAILED") : "DONE";
      const s0 = Math.round(args.startMs + i * slot);
      const s1 = Math.round(s0 + slot * (failedHere ? 1 : 0.9));
      const base = spec.name.replace(/[^A-Za-z0-9_.-]+/g, "_");
      const stderr = failedHere ? (t?.stderr(sample) ?? "") : "";
      const stdout =
        failedHere && t?.stdout
          ? t.stdout(sample)
          : `${iso(s0)} INFO  starting ${spec.name} for ${sample}\n${iso(s1)} INFO  ${spec.name} ${status === "DONE" ? "finished" : "stopped"}\n`;
      steps.push({
        id: rng.uuid(),
        name: spec.name,
        status,
        technical: spec.technical,
        queueDate: iso(s0 - MINUTE),
        startDate: iso(s0),
        endDate: iso(s1),
        exitCode: status === "DONE" ? 0 : status === "ABORTED" ? 143 : (t?.exitCode ?? null),
        computeType: spec.computeType,
        stdOutDataId: builder.file(logsPath, `${base}.stdout.log`, {
          format: "TXT",
          content: stdout,
          time: s1,
        }).id,
        stdErrDataId: builder.file(logsPath, `${base}.stderr.log`, {
          format: "TXT",
          content: stderr,
          time: s1,
        }).id,
      });
    }
    const outputs: AnalysisRecord["outputs"] = [];
    if (args.status === "SUCCEEDED") {
      for (const out of profile.outputs) {
        builder.file(folderPath, `${sample}${out.suffix}`, {
          format: out.format,
          size: rng.int(out.sizeMb[0], out.sizeMb[1]) * MB + rng.int(1_000, 900_000),
          time: endMs,
          tags: { runOutTags: [ref] },
        });
      }
      outputs.push({ code: "output_folder", dataIds: [outputFolder.id] });
    }
    const failedStep = steps.find((s) => s.status !== "DONE")?.name ?? "";
    const storageId = t?.storage ? catalog.storages[t.storage] : pipeline.analysisStorageId;
    const summary =
      args.status === "SUCCEEDED"
        ? `Analysis completed successfully in ${args.minutes} minutes`
        : args.status === "ABORTED"
          ? "Aborted by user alex.rivera@example.com"
          : `${t!.summary(failedStep)}${args.status === "FAILED_FINAL" ? " (all retries exhausted)" : ""}`;
    const project = state.projects.get(projectId)!;
    state.analyses.insert({
      id: rng.uuid(),
      projectId,
      reference: ref,
      userReference,
      pipelineId,
      analysisStorageId: storageId,
      activationCodeDetailId: activationCodeFor(args.key),
      status: args.status,
      analysisPriority: project.analysisPriority,
      tags: { technicalTags: ["run:triage-week"], userTags: ["batch-triage"], referenceTags: ["GRCh38"] },
      ownerId: project.ownerId,
      timeCreated: iso(args.startMs - 5 * MINUTE),
      timeModified: iso(endMs),
      startDate: iso(args.startMs),
      endDate: iso(endMs),
      summary,
      inputs,
      configurations,
      outputs,
      steps,
      outputFolderId: outputFolder.id,
      logsFolderId: builder.folder(logsPath, endMs)!.id,
    });
  };

  // Failures spread over the week, oldest first, cycling through the classes.
  for (let i = 0; i < failures; i++) {
    const template = TEMPLATES[i % TEMPLATES.length]!;
    const startMs = weekStart + Math.round(((i + 0.5) / failures) * 6 * DAY);
    add({
      key: template.pipeline,
      status: i % 5 === 4 ? "FAILED_FINAL" : "FAILED",
      startMs,
      minutes: 40 + ((i * 37) % 200),
      template,
    });
  }
  add({ key: "germline", status: "ABORTED", startMs: BASE_TIME - 2 * DAY, minutes: 35, template: ABORTED });
  // The twins end last: the most recent SUCCEEDED analysis of each pipeline in the project.
  add({ key: "sarek", status: "SUCCEEDED", startMs: BASE_TIME - 10 * 60 * MINUTE, minutes: 540 });
  add({ key: "germline", status: "SUCCEEDED", startMs: BASE_TIME - 3 * 60 * MINUTE, minutes: 150 });
  add({ key: "fastqcDraft", status: "SUCCEEDED", startMs: BASE_TIME - 60 * MINUTE, minutes: 20 });
}

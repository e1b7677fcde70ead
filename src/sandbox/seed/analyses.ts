/**
 * Analyses: 2,000 in the WGS project plus a few hundred elsewhere, every v4 status represented, with
 * inputs, configurations, steps (for failed, aborted, running and ~10% of succeeded ones), log files with
 * text content and output folders. Inserted in creation-time order, so `seq` order is chronological.
 */
import { BASE_TIME, iso } from "../clock.js";
import type { Rng } from "../prng.js";
import type {
  AnalysisRecord,
  AnalysisStatus,
  AnalysisStepRecord,
  AnalysisStepStatus,
  PipelineRecord,
  SandboxState,
} from "../state.js";
import type { CatalogIds } from "./catalog.js";
import type { SeededData } from "./data.js";
import type { AnalysisProfile, SeededPipelines, SeedPipelineKey } from "./pipelines.js";
import type { SeedProjectIds, SeedProjectKey } from "./projects.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MB = 1024 * 1024;

interface ProjectPlan {
  key: SeedProjectKey;
  count: number;
  /** The newest analyses, in active states (cycling through all of them). */
  recentActive: number;
  mix: [SeedPipelineKey, number][];
  samplePrefix: string;
  /** Window of creation times, in days before BASE_TIME. */
  fromDaysAgo: number;
  toDaysAgo: number;
}

const PLANS: ProjectPlan[] = [
  {
    key: "wgs",
    count: 2000,
    recentActive: 40,
    mix: [
      ["germline", 85],
      ["sarek", 12],
      ["fastqcDraft", 3],
    ],
    samplePrefix: "CHT-",
    fromDaysAgo: 300,
    toDaysAgo: 0.5,
  },
  {
    key: "oncology",
    count: 180,
    recentActive: 6,
    mix: [
      ["somatic", 50],
      ["tso500", 40],
      ["sarek", 10],
    ],
    samplePrefix: "ONC-",
    fromDaysAgo: 200,
    toDaysAgo: 0.5,
  },
  {
    key: "rna",
    count: 150,
    recentActive: 5,
    mix: [
      ["rnaseq", 60],
      ["dragenRna", 40],
    ],
    samplePrefix: "RNA-",
    fromDaysAgo: 380,
    toDaysAgo: 0.5,
  },
  {
    key: "training",
    count: 25,
    recentActive: 2,
    mix: [
      ["germline", 40],
      ["rnaseq", 40],
      ["fastqcDraft", 20],
    ],
    samplePrefix: "train-",
    fromDaysAgo: 140,
    toDaysAgo: 0.5,
  },
  {
    key: "archive",
    count: 40,
    recentActive: 0,
    mix: [["germline", 1]],
    samplePrefix: "EXO24-",
    fromDaysAgo: 640,
    toDaysAgo: 420,
  },
  {
    key: "singleCell",
    count: 12,
    recentActive: 2,
    mix: [["rnaseq", 1]],
    samplePrefix: "SC-",
    fromDaysAgo: 50,
    toDaysAgo: 0.5,
  },
];

const ACTIVE_CYCLE: AnalysisStatus[] = [
  "REQUESTED",
  "QUEUED",
  "INITIALIZING",
  "PREPARING_INPUTS",
  "IN_PROGRESS",
  "GENERATING_OUTPUTS",
  "AWAITING_INPUT",
  "ABORTING",
];

const HISTORIC_STATUS: [AnalysisStatus, number][] = [
  ["SUCCEEDED", 78],
  ["FAILED", 11],
  ["FAILED_FINAL", 3],
  ["ABORTED", 6],
];

interface Failure {
  exitCode: number;
  summary: (step: string, storage: string) => string;
  stderr: (ctx: { step: string; sample: string; storage: string; r2: string }) => string;
}

const FAILURES: Failure[] = [
  {
    exitCode: 137,
    summary: (step) =>
      `Step '${step}' failed with exit code 137: the process was killed after running out of memory`,
    stderr: ({ step, sample }) =>
      [
        `[${step}] processing sample ${sample}`,
        "WARNING: memory usage at 97% of the 64 GiB limit",
        "/bin/bash: line 1:   412 Killed                  (command exceeded its memory limit)",
        "ERROR: process exited with status 137 (SIGKILL, out of memory)",
        "",
      ].join("\n"),
  },
  {
    exitCode: 1,
    summary: (step) => `Step '${step}' failed with exit code 1: an input FASTQ file is truncated`,
    stderr: ({ r2 }) =>
      [
        `ERROR: Reading FASTQ '${r2}': unexpected end of gzip stream after 183,224,101 records`,
        "ERROR: The input file appears to be truncated or still uploading (status PARTIAL?)",
        "Aborting.",
        "",
      ].join("\n"),
  },
  {
    exitCode: 1,
    summary: (step, storage) =>
      `Step '${step}' failed with exit code 1: no space left on device (analysis storage '${storage}' is too small)`,
    stderr: ({ storage }) =>
      [
        "write error: No space left on device",
        `ERROR: failed to write intermediate file to /ica/scratch (analysis storage ${storage} exhausted)`,
        "Hint: relaunch with a larger analysis storage.",
        "",
      ].join("\n"),
  },
  {
    exitCode: 2,
    summary: (step) =>
      `Step '${step}' failed with exit code 2: the reference is not compatible with this pipeline`,
    stderr: () =>
      [
        "ERROR: Hash table version 8.10 is not compatible with this DRAGEN version (requires 10.x).",
        "ERROR: Rebuild the hash table or select a matching reference_tar input.",
        "",
      ].join("\n"),
  },
];

function yyyymmdd(ms: number): string {
  return iso(ms).slice(0, 10).replace(/-/g, "");
}

function safeFileName(stepName: string): string {
  return stepName.replace(/[^A-Za-z0-9_.-]+/g, "_");
}

interface Planned {
  key: SeedProjectKey;
  created: number;
  forced?: AnalysisStatus;
  order: number;
}

export function seedAnalyses(
  state: SandboxState,
  rng: Rng,
  catalog: CatalogIds,
  projects: SeedProjectIds,
  pipelines: SeededPipelines,
  data: SeededData,
  activationCodeFor: (pipelineKey: SeedPipelineKey) => string,
): void {
  const pipelineKeyById = new Map<string, SeedPipelineKey>(
    (Object.entries(pipelines.ids) as [SeedPipelineKey, string][]).map(([k, id]) => [id, k]),
  );
  const planned: Planned[] = [];
  let order = 0;
  for (const plan of PLANS) {
    const historic = plan.count - plan.recentActive;
    for (let i = 0; i < historic; i++) {
      const daysAgo = plan.toDaysAgo + rng.float() * (plan.fromDaysAgo - plan.toDaysAgo);
      planned.push({ key: plan.key, created: Math.round(BASE_TIME - daysAgo * DAY), order: order++ });
    }
    for (let i = 0; i < plan.recentActive; i++) {
      // Spread over the last 10 hours, oldest first, cycling through every active status.
      const created = BASE_TIME - Math.round(((plan.recentActive - i) / plan.recentActive) * 10 * HOUR);
      planned.push({
        key: plan.key,
        created,
        forced: ACTIVE_CYCLE[i % ACTIVE_CYCLE.length]!,
        order: order++,
      });
    }
  }
  planned.sort((a, b) => a.created - b.created || a.order - b.order);

  const planByKey = new Map(PLANS.map((p) => [p.key, p]));
  const sampleCounter = new Map<SeedProjectKey, number>();
  const failedRefs = new Map<SeedProjectKey, { userReference: string; sample: string }[]>();
  const usedReferences = new Set<string>();
  const users = Object.values(catalog.users);

  for (const item of planned) {
    const plan = planByKey.get(item.key)!;
    const projectId = projects[item.key];
    const project = state.projects.get(projectId)!;
    const pipelineKey = rng.weighted(plan.mix);
    const pipeline = state.pipelines.get(pipelines.ids[pipelineKey])!;
    const profile = pipelines.profiles[pipeline.id]!;

    let status: AnalysisStatus = item.forced ?? rng.weighted(HISTORIC_STATUS);
    if (pipeline.status === "DRAFT" && status === "SUCCEEDED" && rng.chance(0.3)) status = "FAILED";

    // Reruns reuse the user reference of an earlier failure (as people do).
    const failures = failedRefs.get(item.key) ?? [];
    let rerun = false;
    let sample: string;
    let userReference: string;
    const retry = failures.length > 0 && rng.chance(0.35) ? failures.shift() : undefined;
    if (retry) {
      ({ sample, userReference } = retry);
      rerun = true;
    } else {
      const n = (sampleCounter.get(item.key) ?? 0) + 1;
      sampleCounter.set(item.key, n);
      sample =
        item.key === "training" ? `NA12878-run${n}` : `${plan.samplePrefix}${String(n).padStart(4, "0")}`;
      userReference = `${sample}_${profile.slug.replace(/^(dragen|nf|lab)-/, "")}`;
    }

    let reference: string;
    do {
      reference = `${userReference}-${profile.slug}-${yyyymmdd(item.created)}-${rng.hex(6)}`;
    } while (usedReferences.has(reference));
    usedReferences.add(reference);

    const pool = data.fastqPairs[item.key];
    const pair = pool.length > 0 ? pool[(sampleCounter.get(item.key) ?? 0) % pool.length] : undefined;
    const storageId =
      rng.chance(0.05) && pipeline.analysisStorageId !== catalog.storages.xlarge
        ? catalog.storages.xlarge
        : pipeline.analysisStorageId;
    const storageName = state.analysisStorages.get(storageId)!.name;

    const started = status !== "REQUESTED" && status !== "QUEUED";
    const startMs = started ? item.created + rng.int(1, 25) * MINUTE : null;
    const fullDuration = rng.int(profile.durationMinutes[0], profile.durationMinutes[1]) * MINUTE;
    const terminal =
      status === "SUCCEEDED" || status === "FAILED" || status === "FAILED_FINAL" || status === "ABORTED";
    const endMs =
      startMs !== null && terminal
        ? startMs +
          (status === "SUCCEEDED" ? fullDuration : Math.round(fullDuration * (0.1 + rng.float() * 0.7)))
        : null;

    const failure = status === "FAILED" || status === "FAILED_FINAL" ? rng.pick(FAILURES) : undefined;
    const withSteps = started && (status !== "SUCCEEDED" || rng.chance(0.1));
    const builder = data.builders[item.key];
    const needsFolder = status === "SUCCEEDED" || (withSteps && terminal);
    const outputFolderPath = `/analyses/${reference}/`;
    const folderTime = endMs ?? startMs ?? item.created;
    const outputFolder = needsFolder ? builder.folder(outputFolderPath, folderTime) : undefined;

    const analysisId = rng.uuid();
    let steps: AnalysisStepRecord[] | null = null;
    let logsFolderId: string | null = null;
    let failedStepName: string | null = null;
    if (withSteps && startMs !== null) {
      const built = buildSteps({
        rng,
        profile,
        status,
        startMs,
        endMs: endMs ?? Math.max(startMs + 5 * MINUTE, BASE_TIME - 5 * MINUTE),
        failure,
      });
      steps = built.steps;
      failedStepName = built.failedStep;
      const ended = steps.filter(
        (s) => s.status === "DONE" || s.status === "FAILED" || s.status === "ABORTED",
      );
      if (ended.length > 0) {
        const logsPath = `${outputFolderPath}logs/`;
        const logsFolder = builder.folder(logsPath, folderTime)!;
        logsFolderId = logsFolder.id;
        for (const step of ended) {
          const base = safeFileName(step.name);
          const stepEnd = Date.parse(step.endDate ?? iso(folderTime));
          const stdout = stdoutLog(step, sample, reference);
          const stderr =
            step.status === "FAILED" && failure
              ? failure.stderr({
                  step: step.name,
                  sample,
                  storage: storageName,
                  r2: pair ? state.data.get(pair.r2)!.name : `${sample}_R2.fastq.gz`,
                })
              : step.status === "ABORTED"
                ? "Received SIGTERM: the analysis was aborted by a user\n"
                : "";
          step.stdOutDataId = builder.file(logsPath, `${base}.stdout.log`, {
            format: "TXT",
            content: stdout,
            time: stepEnd,
          }).id;
          step.stdErrDataId = builder.file(logsPath, `${base}.stderr.log`, {
            format: "TXT",
            content: stderr,
            time: stepEnd,
          }).id;
        }
      }
    }

    const outputs: AnalysisRecord["outputs"] = [];
    if (status === "SUCCEEDED" && outputFolder) {
      for (const out of profile.outputs) {
        const sizeMb = rng.int(out.sizeMb[0], out.sizeMb[1]);
        builder.file(outputFolderPath, `${sample}${out.suffix}`, {
          format: out.format,
          size: sizeMb * MB + rng.int(1_000, 900_000),
          time: folderTime,
          tags: { runOutTags: [reference] },
        });
      }
      outputs.push({ code: "output_folder", dataIds: [outputFolder.id] });
    }

    const summary =
      status === "SUCCEEDED"
        ? `Analysis completed successfully in ${Math.round((endMs! - startMs!) / MINUTE)} minutes`
        : failure && failedStepName
          ? failure.summary(failedStepName, storageName) +
            (status === "FAILED_FINAL" ? " (all retries exhausted)" : "")
          : failure
            ? `Analysis failed${status === "FAILED_FINAL" ? " (all retries exhausted)" : ""}`
            : status === "ABORTED"
              ? `Aborted by user ${rng.pick(["alex.rivera@example.com", "priya.natarajan@example.com", "sandbox@example.com"])}`
              : null;

    const ownerId = rng.chance(0.6) ? project.ownerId : rng.pick(users);
    const isDna = ["germline", "somatic", "sarek", "tso500"].includes(pipelineKey);
    const created = iso(item.created);
    const modifiedMs = endMs ?? startMs ?? item.created;

    state.analyses.insert({
      id: analysisId,
      projectId,
      reference,
      userReference,
      pipelineId: pipeline.id,
      analysisStorageId: storageId,
      activationCodeDetailId: activationCodeFor(pipelineKeyById.get(pipeline.id)!),
      status,
      analysisPriority: rng.chance(0.05) ? "HIGH" : project.analysisPriority,
      tags: {
        technicalTags: pair ? [`run:${pair.run}`] : [],
        userTags: [
          `batch-${String(1 + Math.floor((sampleCounter.get(item.key) ?? 0) / 48)).padStart(2, "0")}`,
          ...(rerun ? ["rerun"] : []),
        ],
        referenceTags: isDna ? ["GRCh38"] : [],
      },
      ownerId,
      timeCreated: created,
      timeModified: iso(modifiedMs),
      startDate: startMs !== null ? iso(startMs) : null,
      endDate: endMs !== null ? iso(endMs) : null,
      summary,
      inputs: buildInputs(pipeline, pair, data.byFormat[item.key], builder, rng),
      configurations: pipeline.configurationParameters.map((c) => ({
        name: c.code,
        multiValue: c.multiValue,
        values: /sample_name$/.test(c.code)
          ? [sample]
          : (c.settings.defaultValues ?? []).map((v) => String(v)),
      })),
      outputs,
      steps,
      outputFolderId: outputFolder?.id ?? null,
      logsFolderId,
    });
  }
}

function buildInputs(
  pipeline: PipelineRecord,
  pair: { r1: string; r2: string; run: string } | undefined,
  byFormat: Record<string, string>,
  builder: SeededData["builders"][SeedProjectKey],
  rng: Rng,
): AnalysisRecord["inputs"] {
  const inputs: AnalysisRecord["inputs"] = [];
  for (const p of pipeline.inputParameters) {
    if (p.formatCodes.includes("FASTQ")) {
      if (pair && (p.required || rng.chance(0.5))) inputs.push({ code: p.code, dataIds: [pair.r1, pair.r2] });
      continue;
    }
    if (p.dataType === "FOLDER") {
      const folder = pair ? builder.folder(`/fastq/${pair.run}/`) : undefined;
      if (folder) inputs.push({ code: p.code, dataIds: [folder.id] });
      continue;
    }
    const id = p.formatCodes.map((f) => byFormat[f]).find((x) => x !== undefined);
    if (id && p.required) inputs.push({ code: p.code, dataIds: [id] });
  }
  return inputs;
}

function stdoutLog(step: AnalysisStepRecord, sample: string, reference: string): string {
  const lines = [
    `${step.startDate ?? ""} INFO  starting ${step.name} for ${sample} (${reference})`,
    `${step.startDate ?? ""} INFO  compute type ${step.computeType ?? "default"}`,
  ];
  if (step.status === "DONE") lines.push(`${step.endDate ?? ""} INFO  ${step.name} finished successfully`);
  if (step.status === "FAILED")
    lines.push(`${step.endDate ?? ""} ERROR ${step.name} failed (exit code ${step.exitCode})`);
  if (step.status === "ABORTED")
    lines.push(`${step.endDate ?? ""} WARN  ${step.name} interrupted by abort request`);
  return `${lines.join("\n")}\n`;
}

function buildSteps(args: {
  rng: Rng;
  profile: AnalysisProfile;
  status: AnalysisStatus;
  startMs: number;
  endMs: number;
  failure: Failure | undefined;
}): { steps: AnalysisStepRecord[]; failedStep: string | null } {
  const { rng, profile, status, startMs, endMs, failure } = args;
  const n = profile.steps.length;
  const nonTechnical = profile.steps.map((s, i) => (s.technical ? -1 : i)).filter((i) => i >= 0);
  // Which step is "current", and how the ones around it look.
  let current = n; // all steps DONE by default
  let currentStatus: AnalysisStepStatus = "DONE";
  let keepAfter = false;
  switch (status) {
    case "FAILED":
    case "FAILED_FINAL":
      current = rng.pick(nonTechnical.length > 0 ? nonTechnical : [0]);
      currentStatus = "FAILED";
      break;
    case "ABORTED":
      current = rng.int(0, n - 1);
      currentStatus = "ABORTED";
      break;
    case "INITIALIZING":
      return { steps: [], failedStep: null };
    case "PREPARING_INPUTS":
      current = 0;
      currentStatus = "RUNNING";
      keepAfter = true;
      break;
    case "IN_PROGRESS":
    case "ABORTING":
      current = rng.int(0, Math.max(0, n - 2));
      currentStatus = "RUNNING";
      keepAfter = true;
      break;
    case "AWAITING_INPUT":
      current = Math.min(1, n - 1);
      currentStatus = "WAITING";
      keepAfter = true;
      break;
    case "GENERATING_OUTPUTS":
      current = n - 1;
      currentStatus = "RUNNING";
      break;
    default:
      break;
  }
  const span = Math.max(endMs - startMs, n * MINUTE);
  const slot = span / Math.max(1, Math.min(current + 1, n));
  const steps: AnalysisStepRecord[] = [];
  for (let i = 0; i < n; i++) {
    const spec = profile.steps[i]!;
    let stepStatus: AnalysisStepStatus;
    if (i < current) stepStatus = "DONE";
    else if (i === current) stepStatus = currentStatus;
    else if (keepAfter) stepStatus = "WAITING";
    else break;
    const stepStart = Math.round(startMs + i * slot);
    const ended = stepStatus === "DONE" || stepStatus === "FAILED" || stepStatus === "ABORTED";
    const stepEnd = ended ? Math.round(Math.min(endMs, stepStart + slot * (0.6 + rng.float() * 0.4))) : null;
    steps.push({
      id: rng.uuid(),
      name: spec.name,
      status: stepStatus,
      technical: spec.technical,
      queueDate: stepStatus === "WAITING" ? null : iso(stepStart - rng.int(1, 4) * MINUTE),
      startDate: stepStatus === "WAITING" ? null : iso(stepStart),
      endDate: stepEnd !== null ? iso(stepEnd) : null,
      exitCode:
        stepStatus === "DONE"
          ? 0
          : stepStatus === "FAILED"
            ? (failure?.exitCode ?? 1)
            : stepStatus === "ABORTED"
              ? 143
              : null,
      computeType: spec.computeType,
      stdOutDataId: null,
      stdErrDataId: null,
    });
  }
  const failedStep = steps.find((s) => s.status === "FAILED")?.name ?? null;
  return { steps, failedStep };
}

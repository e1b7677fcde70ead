/** Activation codes, storage credentials and samples. */
import { BASE_TIME, iso } from "../clock.js";
import { stableUuid } from "../prng.js";
import type { SandboxState } from "../state.js";
import type { CatalogIds } from "./catalog.js";
import type { SeededData } from "./data.js";
import type { SeedPipelineIds, SeedPipelineKey } from "./pipelines.js";
import type { SeedProjectIds, SeedProjectKey } from "./projects.js";

const DAY = 86_400_000;

interface CodeSpec {
  key: string;
  label: string;
  bundle: string;
  active: SeedPipelineKey[];
  retired?: SeedPipelineKey[];
  /** -1 = unlimited. */
  allowedSlots: number;
  /** Fixed used slots (an exhausted code); otherwise the number of seeded analyses it covers. */
  usedSlots?: number;
}

const CODES: CodeSpec[] = [
  {
    key: "dragen-enterprise",
    label: "DRAGEN Enterprise (unlimited)",
    bundle: "DRAGEN Germline & Somatic Enterprise",
    active: ["germline", "somatic", "tso500"],
    allowedSlots: -1,
  },
  {
    key: "community",
    label: "Community pipelines",
    bundle: "nf-core Community Pipelines",
    active: ["rnaseq", "sarek", "fastqcDraft"],
    allowedSlots: 5000,
  },
  {
    key: "dragen-rna-trial",
    label: "DRAGEN RNA trial (exhausted)",
    bundle: "DRAGEN RNA Trial",
    active: ["dragenRna"],
    allowedSlots: 60,
    usedSlots: 60,
  },
];

/** The activation code the seeded analyses of a pipeline ran under (first code listing it as active). */
export function activationCodeKeyFor(pipeline: SeedPipelineKey): string {
  return CODES.find((c) => c.active.includes(pipeline))?.key ?? CODES[0]!.key;
}

export function activationCodeId(seed: number, key: string): string {
  return stableUuid(seed, `activationCode:${key}`);
}

export function seedActivationCodes(
  state: SandboxState,
  catalog: CatalogIds,
  pipelines: SeedPipelineIds,
): void {
  for (const spec of CODES) {
    const id = activationCodeId(state.seed, spec.key);
    const covered = state.analyses.where((a) => a.activationCodeDetailId === id);
    const perProject = new Map<string, number>();
    for (const a of covered) perProject.set(a.projectId, (perProject.get(a.projectId) ?? 0) + 1);
    const usedSlots = spec.usedSlots ?? covered.length;
    state.activationCodes.insert({
      id,
      label: spec.label,
      allowedSlots: spec.allowedSlots,
      usedSlots,
      movedSlots: 0,
      originalSlots: spec.allowedSlots,
      bundle: {
        id: stableUuid(state.seed, `bundle:${spec.key}`),
        name: spec.bundle,
        maxNumberOfAllowedSlots: spec.allowedSlots,
        activePipelineIds: spec.active.map((k) => pipelines[k]),
        canceledPipelineIds: [],
        retiredPipelineIds: (spec.retired ?? []).map((k) => pipelines[k]),
        regionIds: [catalog.regions.us, catalog.regions.eu],
        analysisStorageIds: Object.values(catalog.storages),
      },
      usages: [...perProject.entries()].map(([projectId, used]) => ({
        id: stableUuid(state.seed, `usage:${spec.key}:${projectId}`),
        projectId,
        usedSlots: used,
        allowedSlots: -1,
      })),
    });
  }
}

export function seedCredentialsAndSamples(
  state: SandboxState,
  catalog: CatalogIds,
  projects: SeedProjectIds,
  data: SeededData,
): void {
  const created = iso(BASE_TIME - 90 * DAY);
  state.storageCredentials.insert({
    id: stableUuid(state.seed, "credential:lab-s3"),
    name: "lab-s3-readonly",
    type: "AWS_USER",
    ownerId: catalog.users.sandbox,
    timeCreated: created,
    timeModified: created,
    shared: true,
    secrets: {
      accessKeyId: "AKIASANDBOXEXAMPLE01",
      secretAccessKey: "sandbox/secret/never-returned/EXAMPLEKEY",
    },
  });

  const samplesFor = (key: SeedProjectKey, count: number) => {
    const project = state.projects.get(projects[key])!;
    for (const pair of data.fastqPairs[key].slice(0, count)) {
      const r1 = state.data.get(pair.r1)!;
      state.samples.insert({
        id: stableUuid(state.seed, `sample:${key}:${pair.sample}`),
        projectId: project.id,
        linkedProjectIds: [],
        name: pair.sample,
        description: `Sample ${pair.sample} from run ${pair.run}`,
        status: "AVAILABLE",
        tags: { technicalTags: [`run:${pair.run}`], userTags: [], connectorTags: [], runInTags: [] },
        metadataValid: true,
        regionId: project.regionId,
        ownerId: project.ownerId,
        timeCreated: r1.timeCreated,
        timeModified: r1.timeCreated,
        dataIds: [pair.r1, pair.r2],
      });
    }
  };
  samplesFor("wgs", 12);
  samplesFor("oncology", 8);
}

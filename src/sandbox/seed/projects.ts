/** The seeded projects. Names are stable across seeds; ids depend on the seed (find them by name). */
import { BASE_TIME, iso } from "../clock.js";
import { stableUuid } from "../prng.js";
import type { Priority, ProjectRecord, SandboxState } from "../state.js";
import type { CatalogIds } from "./catalog.js";

const DAY = 86_400_000;

export const SEED_PROJECTS = {
  wgs: "WGS-Germline-Cohort-2026",
  oncology: "Oncology-TSO500-Validation",
  rna: "RNA-Seq-Core-Facility",
  training: "Sandbox-Training",
  archive: "Exome-Archive-2024",
  singleCell: "Single-Cell-Pilot-EU",
  pgx: "Pharmacogenomics-Panel-Dev",
} as const;

export type SeedProjectKey = keyof typeof SEED_PROJECTS;
export type SeedProjectIds = Record<SeedProjectKey, string>;

interface ProjectSpec {
  key: SeedProjectKey;
  /** null where ICA allows it (Project.shortDescription is nullable), so tools meet a null in ordinary tests. */
  shortDescription: string | null;
  information: string | null;
  active: boolean;
  region: "us" | "eu";
  billingMode: "PROJECT" | "TENANT";
  analysisPriority: Priority;
  technicalTags: string[];
  userTags: string[];
  ageDays: number;
  owner: keyof CatalogIds["users"];
  dataSharingEnabled: boolean;
}

const SPECS: ProjectSpec[] = [
  {
    key: "wgs",
    shortDescription: "30x whole-genome germline cohort (2,000+ samples), DRAGEN Germline on NovaSeq X runs",
    information:
      "Population-scale germline cohort. FASTQs land in /fastq/<run>/ from the sequencing core; analyses write to /analyses/. Contact: alex.rivera@example.com",
    active: true,
    region: "us",
    billingMode: "PROJECT",
    analysisPriority: "MEDIUM",
    technicalTags: ["wgs", "germline", "novaseq-x"],
    userTags: ["cohort-2026", "production"],
    ageDays: 320,
    owner: "alex",
    dataSharingEnabled: true,
  },
  {
    key: "oncology",
    shortDescription: "Validation of TSO500 ctDNA and tissue assays against orthogonal somatic calls",
    information: "Somatic validation study; tumor/normal pairs and ctDNA panels. Do not delete raw FASTQs.",
    active: true,
    region: "us",
    billingMode: "PROJECT",
    analysisPriority: "HIGH",
    technicalTags: ["somatic", "tso500", "panel"],
    userTags: ["validation", "oncology"],
    ageDays: 210,
    owner: "priya",
    dataSharingEnabled: false,
  },
  {
    key: "rna",
    shortDescription: "Bulk RNA-seq service for internal research groups (nf-core/rnaseq and DRAGEN RNA)",
    information: null,
    active: true,
    region: "us",
    billingMode: "TENANT",
    analysisPriority: "MEDIUM",
    technicalTags: ["rna-seq", "transcriptomics"],
    userTags: ["core-facility", "production"],
    ageDays: 400,
    owner: "jonas",
    dataSharingEnabled: true,
  },
  {
    key: "training",
    shortDescription: "Sandbox for onboarding: small test datasets and example pipeline runs",
    information: "Safe to experiment here. Small FASTQs in /tutorial/.",
    active: true,
    region: "us",
    billingMode: "TENANT",
    analysisPriority: "LOW",
    technicalTags: ["training"],
    userTags: ["sandbox"],
    ageDays: 150,
    owner: "sandbox",
    dataSharingEnabled: false,
  },
  {
    key: "archive",
    shortDescription: null,
    information: "Project hidden after the 2024 exome study closed; data is ARCHIVED.",
    active: false,
    region: "us",
    billingMode: "PROJECT",
    analysisPriority: "LOW",
    technicalTags: ["wes", "germline", "archived"],
    userTags: ["legacy"],
    ageDays: 690,
    owner: "alex",
    dataSharingEnabled: false,
  },
  {
    key: "singleCell",
    shortDescription: "Single-cell RNA pilot hosted in the EU region for GDPR-scoped samples",
    information: null,
    active: true,
    region: "eu",
    billingMode: "PROJECT",
    analysisPriority: "MEDIUM",
    technicalTags: ["single-cell", "rna-seq"],
    userTags: ["pilot", "gdpr"],
    ageDays: 60,
    owner: "jonas",
    dataSharingEnabled: false,
  },
  {
    key: "pgx",
    shortDescription: "Pharmacogenomics panel development (no analyses yet)",
    information: "Newly created; reference files only.",
    active: true,
    region: "us",
    billingMode: "PROJECT",
    analysisPriority: "MEDIUM",
    technicalTags: ["pgx", "panel"],
    userTags: ["development"],
    ageDays: 12,
    owner: "priya",
    dataSharingEnabled: false,
  },
];

export function seedProjects(state: SandboxState, catalog: CatalogIds): SeedProjectIds {
  const ids = {} as SeedProjectIds;
  for (const spec of SPECS) {
    const created = BASE_TIME - spec.ageDays * DAY;
    const ownerId = catalog.users[spec.owner];
    const project: Omit<ProjectRecord, "seq"> = {
      id: stableUuid(state.seed, `project:${spec.key}`),
      name: SEED_PROJECTS[spec.key],
      shortDescription: spec.shortDescription,
      information: spec.information,
      active: spec.active,
      regionId: catalog.regions[spec.region],
      billingMode: spec.billingMode,
      dataSharingEnabled: spec.dataSharingEnabled,
      baseEnabled: false,
      analysisPriority: spec.analysisPriority,
      tags: { technicalTags: spec.technicalTags, userTags: spec.userTags },
      ownerId,
      projectOwnerId: ownerId,
      timeCreated: iso(created),
      timeModified: iso(created + Math.min(spec.ageDays - 1, 30) * DAY),
    };
    ids[spec.key] = state.projects.insert(project).id;
  }
  return ids;
}

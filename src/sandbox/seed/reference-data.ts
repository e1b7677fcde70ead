/**
 * Reference sets and a pipeline that takes reference data (ReferenceSet, getProjectPipelineReferenceSets,
 * AnalysisReferenceDataParameter): DRAGEN PGx in the pharmacogenomics project, whose `reference` input can be
 * given as reference data of its two reference sets instead of a project file.
 */
import { BASE_TIME, iso } from "../clock.js";
import { stableUuid } from "../prng.js";
import type { SandboxState } from "../state.js";
import type { CatalogIds } from "./catalog.js";
import type { SeedProjectIds } from "./projects.js";

const DAY = 86_400_000;
export const REFERENCE_PIPELINE_CODE = "DRAGEN_PGx_4-3-6";

export function seedReferenceData(state: SandboxState, catalog: CatalogIds, projects: SeedProjectIds): void {
  const created = iso(BASE_TIME - 90 * DAY);
  const id = stableUuid(state.seed, "pipeline:pgx");
  state.pipelines.insert({
    id,
    code: REFERENCE_PIPELINE_CODE,
    description:
      "DRAGEN PGx 4.3.6: star-allele calling for pharmacogenes from FASTQ; the reference comes from a reference set.",
    language: "CWL",
    languageVersion: {
      id: stableUuid(state.seed, "languageVersion:CWL:v1.0"),
      name: "v1.0",
      language: "CWL",
    },
    status: "RELEASED",
    statusAsString: "Released",
    proprietary: true,
    inputFormType: "XML",
    analysisStorageId: catalog.storages.medium,
    technicalTags: ["dragen", "pgx"],
    ownerId: catalog.users.sandbox,
    timeCreated: created,
    timeModified: created,
    inputParameters: [
      {
        id: stableUuid(state.seed, "input:pgx:fastqs"),
        code: "fastqs",
        required: true,
        multiValue: true,
        description: "Paired-end FASTQ files of one sample",
        dataType: "FILE",
        formatCodes: ["FASTQ"],
      },
      {
        id: stableUuid(state.seed, "input:pgx:reference"),
        code: "reference",
        required: false,
        multiValue: false,
        description: "DRAGEN hash table: a project file, or reference data (referenceDataParameters)",
        dataType: "FILE",
        formatCodes: ["TAR"],
      },
    ],
    configurationParameters: [
      {
        code: "sample_name",
        type: "STRING",
        required: true,
        multiValue: false,
        settings: { defaultValues: [] },
        description: "Sample id",
      },
    ],
    projectIds: [projects.pgx],
  });
  const sets = [
    {
      key: "hg38",
      name: "DRAGEN hg38 alt-masked graph",
      data: [
        {
          key: "hg38-v4",
          name: "hg38-alt_masked.cnv.graph.hla",
          version: "v4.3",
          types: ["DRAGEN_HASH_TABLE"],
        },
        {
          key: "hg38-v3",
          name: "hg38-alt_masked.cnv.graph.hla",
          version: "v3.0",
          types: ["DRAGEN_HASH_TABLE"],
        },
      ],
    },
    {
      key: "hg19",
      name: "DRAGEN hg19 graph",
      data: [
        { key: "hg19-v4", name: "hg19-alt_aware.cnv.graph", version: "v4.3", types: ["DRAGEN_HASH_TABLE"] },
      ],
    },
  ];
  for (const set of sets) {
    state.referenceSets.insert({
      id: stableUuid(state.seed, `referenceSet:${set.key}`),
      name: set.name,
      ownerId: catalog.users.sandbox,
      timeCreated: created,
      timeModified: created,
      referenceData: set.data.map((d) => ({
        id: stableUuid(state.seed, `referenceData:${d.key}`),
        name: d.name,
        version: d.version,
        species: "Homo sapiens",
        types: d.types,
      })),
      pipelineIds: [id],
    });
  }
  // The enterprise DRAGEN code covers it, as it covers the other DRAGEN pipelines.
  const code = state.activationCodes.find(
    (c) => c.bundle.activePipelineIds.length > 0 && c.allowedSlots === -1,
  );
  code?.bundle.activePipelineIds.push(id);
}

/** Seeded pipelines (CWL and Nextflow), their parameters and project links. */
import { BASE_TIME, iso } from "../clock.js";
import { stableUuid } from "../prng.js";
import type {
  PipelineConfigurationParameterRecord,
  PipelineInputParameterRecord,
  PipelineLanguage,
  PipelineRecord,
  SandboxState,
} from "../state.js";
import type { CatalogIds } from "./catalog.js";
import type { SeedProjectIds, SeedProjectKey } from "./projects.js";

const DAY = 86_400_000;

export type SeedPipelineKey =
  | "germline"
  | "somatic"
  | "tso500"
  | "dragenRna"
  | "rnaseq"
  | "sarek"
  | "fastqcDraft"
  | "scrnaseq";
export type SeedPipelineIds = Record<SeedPipelineKey, string>;

/** How analyses of a pipeline look (used by the analysis seed; not part of any ICA object). */
export interface AnalysisProfile {
  /** Short name used in analysis references. */
  slug: string;
  steps: { name: string; technical: boolean; computeType: string | null }[];
  /** Output files per sample: name suffix and format code. */
  outputs: { suffix: string; format: string; sizeMb: [number, number] }[];
  durationMinutes: [number, number];
}

interface PipelineSpec {
  key: SeedPipelineKey;
  code: string;
  description: string;
  language: PipelineLanguage;
  languageVersion: string;
  status: "DRAFT" | "RELEASED";
  storage: keyof CatalogIds["storages"];
  proprietary: boolean;
  inputFormType: "XML" | "JSON";
  technicalTags: string[];
  ageDays: number;
  projects: SeedProjectKey[];
  inputs: Omit<PipelineInputParameterRecord, "id">[];
  configuration: PipelineConfigurationParameterRecord[];
  profile: AnalysisProfile;
}

const fastqs = (
  code: string,
  description: string,
  required = true,
): Omit<PipelineInputParameterRecord, "id"> => ({
  code,
  required,
  multiValue: true,
  description,
  dataType: "FILE",
  formatCodes: ["FASTQ"],
});

const single = (
  code: string,
  description: string,
  formatCodes: string[],
  required = true,
  dataType: "FILE" | "FOLDER" = "FILE",
): Omit<PipelineInputParameterRecord, "id"> => ({
  code,
  required,
  multiValue: false,
  description,
  dataType,
  formatCodes,
});

const str = (code: string, description: string, required: boolean, defaults: string[] = []) => ({
  code,
  type: "STRING" as const,
  required,
  multiValue: false,
  settings: { defaultValues: defaults },
  description,
});
const int = (code: string, description: string, required: boolean, defaults: number[]) => ({
  code,
  type: "INTEGER" as const,
  required,
  multiValue: false,
  settings: { defaultValues: defaults },
  description,
});
const bool = (code: string, description: string, defaultValue: boolean) => ({
  code,
  type: "BOOLEAN" as const,
  required: false,
  multiValue: false,
  settings: { defaultValues: [String(defaultValue)] },
  description,
});
const options = (
  code: string,
  description: string,
  opts: string[],
  defaults: string[],
  multiValue = false,
  required = true,
) => ({
  code,
  type: "OPTIONS" as const,
  required,
  multiValue,
  settings: { options: opts, defaultValues: defaults },
  description,
});

const SPECS: PipelineSpec[] = [
  {
    key: "germline",
    code: "DRAGEN_Germline_4-3-6",
    description:
      "DRAGEN Germline 4.3.6: alignment, small variant, CNV, SV and repeat expansion calling for WGS/WES from FASTQ.",
    language: "CWL",
    languageVersion: "v1.0",
    status: "RELEASED",
    storage: "large",
    proprietary: true,
    inputFormType: "XML",
    technicalTags: ["dragen", "germline", "wgs", "wes"],
    ageDays: 300,
    projects: ["wgs", "training", "archive", "pgx"],
    inputs: [
      fastqs("fastqs", "Paired-end FASTQ files of one sample (R1 and R2, all lanes)"),
      single("reference_tar", "DRAGEN hash table archive (e.g. hg38 alt-masked v4)", ["TAR"]),
      single("target_bed", "Target regions for exomes; leave empty for WGS", ["BED"], false),
    ],
    configuration: [
      str("sample_name", "Sample id written into the output file names and VCF header", true),
      bool("enable_cnv", "Call copy-number variants", true),
      bool("enable_sv", "Call structural variants (Manta)", true),
      options("output_format", "Alignment output format", ["BAM", "CRAM"], ["CRAM"]),
      int("min_base_quality", "Minimum base quality for variant calling", false, [10]),
    ],
    profile: {
      slug: "dragen-germline",
      steps: [
        { name: "prepare_input_data", technical: true, computeType: "standard-small" },
        { name: "dragen_germline", technical: false, computeType: "fpga2-medium" },
        { name: "dragen_qc_report", technical: false, computeType: "standard-small" },
        { name: "upload_outputs", technical: true, computeType: "standard-small" },
      ],
      outputs: [
        { suffix: ".hard-filtered.vcf.gz", format: "VCF", sizeMb: [120, 420] },
        { suffix: ".cram", format: "CRAM", sizeMb: [14_000, 22_000] },
        { suffix: ".mapping_metrics.csv", format: "CSV", sizeMb: [0, 1] },
      ],
      durationMinutes: [70, 190],
    },
  },
  {
    key: "somatic",
    code: "DRAGEN_Somatic_4-3-6",
    description:
      "DRAGEN Somatic 4.3.6: tumor-normal and tumor-only small variant, CNV and SV calling with TMB/MSI.",
    language: "CWL",
    languageVersion: "v1.0",
    status: "RELEASED",
    storage: "large",
    proprietary: true,
    inputFormType: "XML",
    technicalTags: ["dragen", "somatic"],
    ageDays: 280,
    projects: ["oncology"],
    inputs: [
      fastqs("tumor_fastqs", "Tumor FASTQ files"),
      fastqs("normal_fastqs", "Matched normal FASTQ files (omit for tumor-only)", false),
      single("reference_tar", "DRAGEN hash table archive", ["TAR"]),
    ],
    configuration: [
      str("tumor_sample_name", "Tumor sample id", true),
      str("normal_sample_name", "Normal sample id (tumor-normal mode)", false),
      bool("enable_tmb", "Compute tumor mutational burden", true),
      bool("enable_msi", "Compute microsatellite instability", false),
    ],
    profile: {
      slug: "dragen-somatic",
      steps: [
        { name: "prepare_input_data", technical: true, computeType: "standard-small" },
        { name: "dragen_somatic", technical: false, computeType: "fpga2-medium" },
        { name: "upload_outputs", technical: true, computeType: "standard-small" },
      ],
      outputs: [
        { suffix: ".hard-filtered.vcf.gz", format: "VCF", sizeMb: [20, 90] },
        { suffix: ".tumor.bam", format: "BAM", sizeMb: [8_000, 16_000] },
        { suffix: ".tmb.metrics.csv", format: "CSV", sizeMb: [0, 1] },
      ],
      durationMinutes: [90, 240],
    },
  },
  {
    key: "tso500",
    code: "TSO500_ctDNA_2-6",
    description:
      "TruSight Oncology 500 ctDNA v2.6 local app: UMI collapsing, small variants, TMB/MSI and reports.",
    language: "CWL",
    languageVersion: "v1.2",
    status: "RELEASED",
    storage: "medium",
    proprietary: true,
    inputFormType: "XML",
    technicalTags: ["tso500", "ctdna", "somatic"],
    ageDays: 200,
    projects: ["oncology"],
    inputs: [
      single("run_folder", "Sequencing run folder (BCL) or FASTQ folder", [], true, "FOLDER"),
      single("sample_sheet", "SampleSheet.csv for the run", ["CSV"]),
    ],
    configuration: [
      options("input_type", "Start from BCL or FASTQ", ["BCL", "FASTQ"], ["FASTQ"]),
      str("sample_ids", "Comma-separated sample ids to analyse (default: all)", false),
    ],
    profile: {
      slug: "tso500",
      steps: [
        { name: "prepare_input_data", technical: true, computeType: "standard-small" },
        { name: "tso500_ctdna_workflow", technical: false, computeType: "standard-xlarge" },
        { name: "report_generation", technical: false, computeType: "standard-small" },
        { name: "upload_outputs", technical: true, computeType: "standard-small" },
      ],
      outputs: [
        { suffix: "_CombinedVariantOutput.tsv", format: "TSV", sizeMb: [0, 2] },
        { suffix: "_MetricsOutput.tsv", format: "TSV", sizeMb: [0, 1] },
        { suffix: ".report.pdf", format: "PDF", sizeMb: [1, 4] },
      ],
      durationMinutes: [180, 420],
    },
  },
  {
    key: "dragenRna",
    code: "DRAGEN_RNA_4-3-6",
    description: "DRAGEN RNA 4.3.6: RNA alignment, gene expression quantification and gene fusion detection.",
    language: "CWL",
    languageVersion: "v1.0",
    status: "RELEASED",
    storage: "medium",
    proprietary: true,
    inputFormType: "XML",
    technicalTags: ["dragen", "rna-seq"],
    ageDays: 260,
    projects: ["rna"],
    inputs: [
      fastqs("fastqs", "Paired-end RNA FASTQ files of one sample"),
      single("reference_tar", "DRAGEN RNA hash table archive", ["TAR"]),
      single("annotation_gtf", "Gene annotation (GTF)", ["GTF"]),
    ],
    configuration: [
      str("sample_name", "Sample id", true),
      bool("enable_fusions", "Detect gene fusions", true),
    ],
    profile: {
      slug: "dragen-rna",
      steps: [
        { name: "prepare_input_data", technical: true, computeType: "standard-small" },
        { name: "dragen_rna", technical: false, computeType: "fpga2-medium" },
        { name: "upload_outputs", technical: true, computeType: "standard-small" },
      ],
      outputs: [
        { suffix: ".quant.genes.sf", format: "TSV", sizeMb: [2, 6] },
        { suffix: ".fusion_candidates.final", format: "TXT", sizeMb: [0, 1] },
        { suffix: ".bam", format: "BAM", sizeMb: [4_000, 9_000] },
      ],
      durationMinutes: [40, 110],
    },
  },
  {
    key: "rnaseq",
    code: "nf-core-rnaseq-3-14-0",
    description:
      "nf-core/rnaseq 3.14.0: RNA-seq QC, alignment (STAR/Salmon) and quantification. Nextflow DSL2.",
    language: "NEXTFLOW",
    languageVersion: "22.04.3",
    status: "RELEASED",
    storage: "medium",
    proprietary: false,
    inputFormType: "JSON",
    technicalTags: ["nf-core", "rna-seq"],
    ageDays: 240,
    projects: ["rna", "training", "singleCell"],
    inputs: [
      single("input", "Samplesheet CSV (sample,fastq_1,fastq_2,strandedness)", ["CSV"]),
      fastqs("fastqs", "FASTQ files referenced by the samplesheet"),
      single("fasta", "Genome FASTA", ["FASTA"]),
      single("gtf", "Gene annotation GTF", ["GTF"]),
    ],
    configuration: [
      options("aligner", "Alignment route", ["star_salmon", "star_rsem", "hisat2"], ["star_salmon"]),
      options("pseudo_aligner", "Optional pseudo-aligner", ["salmon", "kallisto"], [], false, false),
      bool("skip_trimming", "Skip adapter trimming", false),
      int("min_trimmed_reads", "Samples with fewer reads after trimming are dropped", false, [10000]),
      str("extra_star_align_args", "Extra arguments for STAR", false),
    ],
    profile: {
      slug: "nf-rnaseq",
      steps: [
        { name: "NFCORE_RNASEQ:RNASEQ:FASTQC", technical: false, computeType: "standard-small" },
        {
          name: "NFCORE_RNASEQ:RNASEQ:ALIGN_STAR:STAR_ALIGN",
          technical: false,
          computeType: "standard-xlarge",
        },
        {
          name: "NFCORE_RNASEQ:RNASEQ:QUANTIFY_SALMON:SALMON_QUANT",
          technical: false,
          computeType: "standard-medium",
        },
        { name: "NFCORE_RNASEQ:RNASEQ:MULTIQC", technical: false, computeType: "standard-small" },
      ],
      outputs: [
        { suffix: ".salmon.merged.gene_counts.tsv", format: "TSV", sizeMb: [3, 12] },
        { suffix: ".multiqc_report.html", format: "HTML", sizeMb: [2, 8] },
        { suffix: ".markdup.sorted.bam", format: "BAM", sizeMb: [3_000, 7_000] },
      ],
      durationMinutes: [150, 480],
    },
  },
  {
    key: "sarek",
    code: "nf-core-sarek-3-4-2",
    description: "nf-core/sarek 3.4.2: germline and somatic variant calling (GATK, Strelka, Mutect2, Manta).",
    language: "NEXTFLOW",
    languageVersion: "23.10.1",
    status: "RELEASED",
    storage: "large",
    proprietary: false,
    inputFormType: "JSON",
    technicalTags: ["nf-core", "variant-calling"],
    ageDays: 220,
    projects: ["wgs", "oncology"],
    inputs: [
      single("input", "Samplesheet CSV (patient,sample,lane,fastq_1,fastq_2)", ["CSV"]),
      fastqs("fastqs", "FASTQ files referenced by the samplesheet"),
    ],
    configuration: [
      options(
        "tools",
        "Variant callers to run",
        ["haplotypecaller", "strelka", "mutect2", "manta", "cnvkit"],
        ["haplotypecaller", "strelka"],
        true,
      ),
      options("genome", "iGenomes reference", ["GATK.GRCh38", "GATK.GRCh37"], ["GATK.GRCh38"]),
      bool("wes", "Exome mode (requires intervals)", false),
    ],
    profile: {
      slug: "nf-sarek",
      steps: [
        { name: "NFCORE_SAREK:SAREK:FASTP", technical: false, computeType: "standard-medium" },
        {
          name: "NFCORE_SAREK:SAREK:FASTQ_ALIGN_BWAMEM_MEM2_DRAGMAP:BWAMEM2_MEM",
          technical: false,
          computeType: "standard-xlarge",
        },
        {
          name: "NFCORE_SAREK:SAREK:BAM_VARIANT_CALLING_GERMLINE_ALL:GATK4_HAPLOTYPECALLER",
          technical: false,
          computeType: "standard-large",
        },
        { name: "NFCORE_SAREK:SAREK:MULTIQC", technical: false, computeType: "standard-small" },
      ],
      outputs: [
        { suffix: ".haplotypecaller.filtered.vcf.gz", format: "VCF", sizeMb: [90, 300] },
        { suffix: ".recal.cram", format: "CRAM", sizeMb: [12_000, 20_000] },
        { suffix: ".multiqc_report.html", format: "HTML", sizeMb: [2, 6] },
      ],
      durationMinutes: [300, 900],
    },
  },
  {
    key: "fastqcDraft",
    code: "lab-fastqc-multiqc-draft",
    description: "Lab QC (draft): FastQC per FASTQ and a MultiQC summary. Not released; for testing only.",
    language: "NEXTFLOW",
    languageVersion: "23.10.1",
    status: "DRAFT",
    storage: "small",
    proprietary: false,
    inputFormType: "JSON",
    technicalTags: ["qc"],
    ageDays: 20,
    projects: ["wgs", "training"],
    inputs: [fastqs("reads", "FASTQ files to check")],
    configuration: [int("threads", "Threads per FastQC task", false, [4])],
    profile: {
      slug: "lab-fastqc",
      steps: [
        { name: "FASTQC", technical: false, computeType: "standard-small" },
        { name: "MULTIQC", technical: false, computeType: "standard-small" },
      ],
      outputs: [
        { suffix: ".multiqc_report.html", format: "HTML", sizeMb: [1, 4] },
        { suffix: "_fastqc.zip", format: "UNKNOWN", sizeMb: [0, 2] },
        { suffix: ".fastqc_summary.txt", format: "TXT", sizeMb: [0, 1] },
      ],
      durationMinutes: [8, 25],
    },
  },
  {
    key: "scrnaseq",
    code: "nf-core-scrnaseq-2-7-1",
    description:
      "nf-core/scrnaseq 2.7.1: 10x single-cell RNA-seq alignment and counting (simpleaf, STARsolo or kallisto).",
    language: "NEXTFLOW",
    languageVersion: "23.10.1",
    status: "RELEASED",
    storage: "medium",
    proprietary: false,
    inputFormType: "JSON",
    technicalTags: ["nf-core", "single-cell"],
    ageDays: 60,
    projects: ["singleCell"],
    inputs: [fastqs("fastqs", "10x FASTQ files (R1 barcodes and UMIs, R2 cDNA)")],
    configuration: [
      options("aligner", "Alignment and counting route", ["simpleaf", "star", "kallisto"], ["simpleaf"]),
      str("protocol", "10x chemistry", false, ["10XV3"]),
    ],
    profile: {
      slug: "nf-scrnaseq",
      steps: [
        { name: "NFCORE_SCRNASEQ:SCRNASEQ:FASTQC", technical: false, computeType: "standard-small" },
        { name: "NFCORE_SCRNASEQ:SCRNASEQ:SIMPLEAF_QUANT", technical: false, computeType: "standard-large" },
        { name: "NFCORE_SCRNASEQ:SCRNASEQ:MTX_CONVERSION", technical: false, computeType: "standard-small" },
      ],
      outputs: [
        { suffix: ".filtered_feature_bc_matrix.h5ad", format: "UNKNOWN", sizeMb: [200, 900] },
        { suffix: ".multiqc_report.html", format: "HTML", sizeMb: [1, 4] },
      ],
      durationMinutes: [60, 180],
    },
  },
];

export interface SeededPipelines {
  ids: SeedPipelineIds;
  profiles: Record<string, AnalysisProfile>;
}

export function seedPipelines(
  state: SandboxState,
  catalog: CatalogIds,
  projects: SeedProjectIds,
): SeededPipelines {
  const ids = {} as SeedPipelineIds;
  const profiles: Record<string, AnalysisProfile> = {};
  for (const spec of SPECS) {
    const created = BASE_TIME - spec.ageDays * DAY;
    const id = stableUuid(state.seed, `pipeline:${spec.key}`);
    const record: Omit<PipelineRecord, "seq"> = {
      id,
      code: spec.code,
      description: spec.description,
      language: spec.language,
      languageVersion: {
        id: stableUuid(state.seed, `languageVersion:${spec.language}:${spec.languageVersion}`),
        name: spec.languageVersion,
        language: spec.language,
      },
      status: spec.status,
      statusAsString: spec.status === "DRAFT" ? "Draft" : "Released",
      proprietary: spec.proprietary,
      inputFormType: spec.inputFormType,
      analysisStorageId: catalog.storages[spec.storage],
      technicalTags: spec.technicalTags,
      ownerId: catalog.users.sandbox,
      timeCreated: iso(created),
      timeModified: iso(created + 2 * DAY),
      inputParameters: spec.inputs.map((p) => ({
        ...p,
        id: stableUuid(state.seed, `input:${spec.key}:${p.code}`),
      })),
      configurationParameters: spec.configuration,
      projectIds: spec.projects.map((k) => projects[k]),
    };
    ids[spec.key] = state.pipelines.insert(record).id;
    profiles[id] = spec.profile;
  }
  return { ids, profiles };
}

/**
 * Two equally good activation codes for one pipeline (the single-cell pilot's grants A and B, the same number
 * of free slots each): the best match is the oldest of the two, and it changes with every launch that books a
 * slot of it. ICA's own best match can move the same way between two identical launches.
 */
export const TWIN_CODE_PIPELINE: SeedPipelineKey = "scrnaseq";
const TWIN_CODE_SLOTS = 20;

export function seedTwinActivationCodes(
  state: SandboxState,
  catalog: CatalogIds,
  pipelines: SeedPipelineIds,
): void {
  for (const grant of ["A", "B"]) {
    const key = `single-cell-pilot-${grant.toLowerCase()}`;
    state.activationCodes.insert({
      id: stableUuid(state.seed, `activationCode:${key}`),
      label: `Single-cell pilot, grant ${grant}`,
      allowedSlots: TWIN_CODE_SLOTS,
      usedSlots: 0,
      movedSlots: 0,
      originalSlots: TWIN_CODE_SLOTS,
      bundle: {
        id: stableUuid(state.seed, `bundle:${key}`),
        name: `Single-Cell Pilot Grant ${grant}`,
        maxNumberOfAllowedSlots: TWIN_CODE_SLOTS,
        activePipelineIds: [pipelines[TWIN_CODE_PIPELINE]],
        canceledPipelineIds: [],
        retiredPipelineIds: [],
        regionIds: [catalog.regions.us, catalog.regions.eu],
        analysisStorageIds: Object.values(catalog.storages),
      },
      usages: [],
    });
  }
}

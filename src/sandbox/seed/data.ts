/** Project data trees: folders and files with ICA-like ids, paths, formats, sizes and statuses. */
import { BASE_TIME, iso } from "../clock.js";
import { type Rng, stableHex } from "../prng.js";
import type { DataRecord, DataStatus, DataTags, SandboxState } from "../state.js";
import type { SeedProjectIds, SeedProjectKey } from "./projects.js";

const DAY = 86_400_000;
const MB = 1024 * 1024;
const GB = 1024 * MB;

export function emptyDataTags(): DataTags {
  return {
    technicalTags: [],
    userTags: [],
    connectorTags: [],
    runInTags: [],
    runOutTags: [],
    referenceTags: [],
  };
}

export interface FileOptions {
  format: string;
  size?: number;
  status?: DataStatus;
  content?: string;
  time?: number;
  tags?: Partial<DataTags>;
  willBeArchivedAt?: number;
  creatorId?: string;
}

/** Builds one project's tree; ids are derived from (seed, project, full path) so they survive seed changes. */
export class DataBuilder {
  private readonly folders = new Map<string, DataRecord>();

  constructor(
    private readonly state: SandboxState,
    readonly projectId: string,
    private readonly projectKey: string,
    private readonly creatorId: string,
    private readonly defaultTime: number,
    private readonly rng: Rng,
  ) {}

  private id(kind: "fil" | "fol", fullPath: string): string {
    return `${kind}.${stableHex(this.state.seed, `data:${this.projectKey}:${fullPath}`, 32)}`;
  }

  /** The folder at `path` ("/a/b/"), created with its missing ancestors. */
  folder(path: string, time = this.defaultTime): DataRecord | undefined {
    if (path === "/") return undefined;
    if (!path.startsWith("/") || !path.endsWith("/")) throw new Error(`folder path must be /.../: ${path}`);
    const existing = this.folders.get(path);
    if (existing) return existing;
    const trimmed = path.slice(1, -1);
    const cut = trimmed.lastIndexOf("/");
    const name = trimmed.slice(cut + 1);
    const parentPath = cut < 0 ? "/" : `/${trimmed.slice(0, cut)}/`;
    const parent = this.folder(parentPath, time);
    const t = iso(time);
    const record = this.state.data.insert({
      id: this.id("fol", path),
      projectId: this.projectId,
      name,
      path: parentPath,
      dataType: "FOLDER",
      status: "AVAILABLE",
      fileSizeInBytes: null,
      formatCode: null,
      tags: emptyDataTags(),
      creatorId: this.creatorId,
      timeCreated: t,
      timeModified: t,
      parentId: parent?.id ?? null,
      objectETag: null,
      willBeArchivedAt: null,
      willBeDeletedAt: null,
      nonIndexed: false,
    });
    this.folders.set(path, record);
    return record;
  }

  file(parentPath: string, name: string, opts: FileOptions): DataRecord {
    const time = opts.time ?? this.defaultTime;
    const parent = this.folder(parentPath, time);
    const fullPath = `${parentPath}${name}`;
    const size = opts.content !== undefined ? Buffer.byteLength(opts.content) : (opts.size ?? 0);
    const t = iso(time);
    return this.state.data.insert({
      id: this.id("fil", fullPath),
      projectId: this.projectId,
      name,
      path: parentPath,
      dataType: "FILE",
      status: opts.status ?? "AVAILABLE",
      fileSizeInBytes: size,
      formatCode: opts.format,
      tags: { ...emptyDataTags(), ...opts.tags },
      creatorId: opts.creatorId ?? this.creatorId,
      timeCreated: t,
      timeModified: t,
      parentId: parent?.id ?? null,
      objectETag: this.rng.hex(32),
      willBeArchivedAt: opts.willBeArchivedAt !== undefined ? iso(opts.willBeArchivedAt) : null,
      willBeDeletedAt: null,
      nonIndexed: false,
      ...(opts.content !== undefined ? { content: opts.content } : {}),
    });
  }
}

export interface SeededData {
  builders: Record<SeedProjectKey, DataBuilder>;
  /** FASTQ pairs per project, in run order: the analysis seed uses them as inputs. */
  fastqPairs: Record<SeedProjectKey, { sample: string; run: string; r1: string; r2: string }[]>;
  /** One file id per format code per project (references, samplesheets). */
  byFormat: Record<SeedProjectKey, Record<string, string>>;
}

function sampleSheet(run: string, samples: string[]): string {
  const rows = samples.map((s, i) => `${s},${s},,,UDP${String(i + 1).padStart(4, "0")},,`);
  return [
    "[Header]",
    "FileFormatVersion,2",
    `RunName,${run}`,
    "InstrumentPlatform,NovaSeqXSeries",
    "",
    "[Reads]",
    "Read1Cycles,151",
    "Read2Cycles,151",
    "",
    "[BCLConvert_Data]",
    "Sample_ID,Sample_Name,Description,Sample_Project,Index_ID,Index,Index2",
    ...rows,
    "",
  ].join("\n");
}

interface RunSpec {
  run: string;
  samples: string[];
  daysAgo: number;
  /** Trailing samples whose upload is still in progress (PARTIAL). */
  partial?: number;
  sizeGb: [number, number];
}

export function seedData(
  state: SandboxState,
  rng: Rng,
  projects: SeedProjectIds,
  creators: Record<SeedProjectKey, string>,
): SeededData {
  const builders = {} as Record<SeedProjectKey, DataBuilder>;
  const fastqPairs = {} as SeededData["fastqPairs"];
  const byFormat = {} as SeededData["byFormat"];
  for (const key of Object.keys(projects) as SeedProjectKey[]) {
    const created = Date.parse(state.projects.get(projects[key])!.timeCreated);
    builders[key] = new DataBuilder(state, projects[key], key, creators[key], created + DAY, rng);
    fastqPairs[key] = [];
    byFormat[key] = {};
  }
  const remember = (key: SeedProjectKey, d: DataRecord) => {
    if (d.formatCode && !byFormat[key][d.formatCode]) byFormat[key][d.formatCode] = d.id;
    return d;
  };

  const runs = (key: SeedProjectKey, root: string, specs: RunSpec[]) => {
    const b = builders[key];
    for (const spec of specs) {
      const time = BASE_TIME - spec.daysAgo * DAY;
      const folder = `${root}${spec.run}/`;
      remember(
        key,
        b.file(folder, "SampleSheet.csv", {
          format: "CSV",
          content: sampleSheet(spec.run, spec.samples),
          time,
        }),
      );
      spec.samples.forEach((sample, i) => {
        const partial = spec.partial !== undefined && i >= spec.samples.length - spec.partial;
        const pair = (["R1", "R2"] as const).map((read) =>
          b.file(folder, `${sample}_S${i + 1}_L001_${read}_001.fastq.gz`, {
            format: "FASTQ",
            size: Math.round(rng.int(spec.sizeGb[0] * 10, spec.sizeGb[1] * 10) * 0.1 * GB),
            status: partial && read === "R2" ? "PARTIAL" : "AVAILABLE",
            time: time + i * 60_000,
            tags: { technicalTags: [`run:${spec.run}`] },
          }),
        );
        if (!partial) fastqPairs[key].push({ sample, run: spec.run, r1: pair[0]!.id, r2: pair[1]!.id });
      });
    }
  };
  const seq = (prefix: string, from: number, count: number, width = 4) =>
    Array.from({ length: count }, (_, i) => `${prefix}${String(from + i).padStart(width, "0")}`);

  // --- WGS cohort -------------------------------------------------------------------------------------------
  {
    const b = builders.wgs;
    remember(
      "wgs",
      b.file("/", "README.txt", {
        format: "TXT",
        content:
          "WGS germline cohort 2026\n\nLayout:\n  /fastq/<run>/      FASTQs per sequencing run (SampleSheet.csv alongside)\n  /reference/        DRAGEN hash tables and calling regions\n  /analyses/         pipeline outputs, one folder per analysis\n  /results-2025/     previous-year results (mostly archived)\n",
      }),
    );
    runs("wgs", "/fastq/", [
      { run: "20261014_LH00123_0042_A22ABCDEFG", samples: seq("CHT-", 1, 12), daysAgo: 18, sizeGb: [28, 42] },
      {
        run: "20261021_LH00123_0043_B22HIJKLMN",
        samples: seq("CHT-", 13, 10),
        daysAgo: 11,
        sizeGb: [28, 42],
      },
      {
        run: "20261030_LH00123_0044_A22OPQRSTU",
        samples: seq("CHT-", 23, 8),
        daysAgo: 2,
        partial: 2,
        sizeGb: [28, 42],
      },
    ]);
    const refTime = BASE_TIME - 300 * DAY;
    remember(
      "wgs",
      b.file("/reference/", "dragen-hg38-alt-masked-graph-v4-3.tar", {
        format: "TAR",
        size: 48 * GB,
        time: refTime,
      }),
    );
    remember(
      "wgs",
      b.file("/reference/", "wgs_calling_regions.hg38.bed", {
        format: "BED",
        size: 52 * 1024,
        time: refTime,
      }),
    );
    // Same names at several depths (cf. the ICA guide's sampleCreationBatch duplicate-file example).
    b.file("/runs/main/", "file1.txt", { format: "TXT", content: "main/file1 (top level copy)\n" });
    b.file("/runs/main/", "file2.txt", { format: "TXT", content: "main/file2\n" });
    b.file("/runs/main/folder1/", "file1.txt", {
      format: "TXT",
      content: "main/folder1/file1 (deepest copy)\n",
    });
    b.file("/runs/", "file1.txt", { format: "TXT", content: "runs/file1 (root-level copy)\n" });
    const old = BASE_TIME - 250 * DAY;
    const statuses: DataStatus[] = [
      "ARCHIVED",
      "ARCHIVED",
      "ARCHIVED",
      "ARCHIVING",
      "UNARCHIVING",
      "DELETING",
    ];
    statuses.forEach((status, i) => {
      const sample = `PRJ25-${String(i + 1).padStart(3, "0")}`;
      b.file("/results-2025/", `${sample}.bam`, {
        format: "BAM",
        size: (60 + i * 3) * GB,
        status,
        time: old + i * DAY,
      });
      b.file("/results-2025/", `${sample}.hard-filtered.vcf.gz`, {
        format: "VCF",
        size: (180 + i * 10) * MB,
        time: old + i * DAY,
        willBeArchivedAt: BASE_TIME + (30 + i) * DAY,
      });
    });
  }

  // --- Oncology ---------------------------------------------------------------------------------------------
  {
    const b = builders.oncology;
    const samples = [
      "ONC-T01",
      "ONC-N01",
      "ONC-T02",
      "ONC-N02",
      "ONC-T03",
      "ONC-N03",
      "ONC-CT04",
      "ONC-CT05",
    ];
    runs("oncology", "/fastq/", [
      { run: "20260920_A01999_0311_AHGT5KDSXC", samples, daysAgo: 42, sizeGb: [6, 14] },
      {
        run: "20261019_A01999_0318_BHJK2LDSXC",
        samples: seq("ONC-CT", 6, 6, 2),
        daysAgo: 13,
        sizeGb: [3, 8],
      },
    ]);
    const runFolder = "/runs/20261019_A01999_0318_BHJK2LDSXC/";
    remember("oncology", b.file(runFolder, "RunInfo.xml", { format: "UNKNOWN", size: 4_812 }));
    remember(
      "oncology",
      b.file("/reference/", "dragen-hg38-alt-masked-graph-v4-3.tar", { format: "TAR", size: 48 * GB }),
    );
    b.file("/reports/", "validation_plan_v3.pdf", { format: "PDF", size: 2 * MB });
  }

  // --- RNA core -----------------------------------------------------------------------------------------------
  {
    const b = builders.rna;
    runs("rna", "/fastq/", [
      { run: "20260901_VH00456_0101_AAAFGH7M5", samples: seq("RNA-", 1, 8, 3), daysAgo: 61, sizeGb: [2, 5] },
      { run: "20261012_VH00456_0117_AAAFJK2M5", samples: seq("RNA-", 9, 8, 3), daysAgo: 20, sizeGb: [2, 5] },
    ]);
    remember(
      "rna",
      b.file("/reference/", "GRCh38.primary_assembly.genome.fa", { format: "FASTA", size: 3 * GB }),
    );
    remember("rna", b.file("/reference/", "gencode.v44.annotation.gtf", { format: "GTF", size: 1_500 * MB }));
    remember("rna", b.file("/reference/", "dragen-rna-hg38-v4-3.tar", { format: "TAR", size: 31 * GB }));
    const sheet = [
      "sample,fastq_1,fastq_2,strandedness",
      ...seq("RNA-", 1, 8, 3).map(
        (s, i) => `${s},${s}_S${i + 1}_L001_R1_001.fastq.gz,${s}_S${i + 1}_L001_R2_001.fastq.gz,auto`,
      ),
      "",
    ].join("\n");
    remember("rna", b.file("/samplesheets/", "rnaseq_batch01.csv", { format: "CSV", content: sheet }));
  }

  // --- Training -----------------------------------------------------------------------------------------------
  {
    const b = builders.training;
    b.file("/", "README.txt", {
      format: "TXT",
      content: "Training project. Try a pipeline on /tutorial/ (NA12878 chr20 subset, ~2 GB).\n",
    });
    runs("training", "/tutorial/", [
      { run: "NA12878-chr20", samples: ["NA12878"], daysAgo: 140, sizeGb: [1, 1] },
    ]);
    remember(
      "training",
      b.file("/tutorial/", "samplesheet.csv", { format: "CSV", content: "sample,fastq_1,fastq_2\n" }),
    );
    remember(
      "training",
      b.file("/reference/", "dragen-hg38-chr20-v4-3.tar", { format: "TAR", size: 2 * GB }),
    );
    remember("training", b.file("/reference/", "chr20.fa", { format: "FASTA", size: 64 * MB }));
    remember("training", b.file("/reference/", "chr20.gtf", { format: "GTF", size: 40 * MB }));
  }

  // --- Archive (hidden project) ---------------------------------------------------------------------------------
  {
    const b = builders.archive;
    const old = BASE_TIME - 600 * DAY;
    for (const [i, sample] of seq("EXO24-", 1, 20, 3).entries()) {
      b.file("/exomes/", `${sample}.bam`, {
        format: "BAM",
        size: (9 + (i % 5)) * GB,
        status: "ARCHIVED",
        time: old + i * DAY,
      });
      b.file("/exomes/", `${sample}.vcf.gz`, {
        format: "VCF",
        size: (40 + i) * MB,
        status: "ARCHIVED",
        time: old + i * DAY,
      });
    }
    remember(
      "archive",
      b.file("/reference/", "dragen-hg38-v3-10.tar", { format: "TAR", size: 40 * GB, status: "ARCHIVED" }),
    );
    runs("archive", "/fastq/", [
      { run: "20240310_A00111_0099_AHXYZ", samples: seq("EXO24-", 1, 4, 3), daysAgo: 600, sizeGb: [4, 8] },
    ]);
  }

  // --- Single cell (EU) -------------------------------------------------------------------------------------------
  {
    const b = builders.singleCell;
    runs("singleCell", "/fastq/", [
      {
        run: "20261015_NB552000_0077_AHKLMNBGXY",
        samples: seq("SC-", 1, 4, 2),
        daysAgo: 17,
        sizeGb: [8, 16],
      },
    ]);
    remember("singleCell", b.file("/reference/", "GRCh38.genome.fa", { format: "FASTA", size: 3 * GB }));
    remember(
      "singleCell",
      b.file("/reference/", "gencode.v44.annotation.gtf", { format: "GTF", size: 1_500 * MB }),
    );
    remember(
      "singleCell",
      b.file("/samplesheets/", "sc_pilot.csv", { format: "CSV", content: "sample,fastq_1,fastq_2\n" }),
    );
  }

  // --- PGx (no analyses) -------------------------------------------------------------------------------------------
  {
    const b = builders.pgx;
    remember("pgx", b.file("/reference/", "pgx_panel_targets.hg38.bed", { format: "BED", size: 210 * 1024 }));
    remember(
      "pgx",
      b.file("/reference/", "dragen-hg38-alt-masked-graph-v4-3.tar", { format: "TAR", size: 48 * GB }),
    );
    b.folder("/fastq/");
  }

  return { builders, fastqPairs, byFormat };
}

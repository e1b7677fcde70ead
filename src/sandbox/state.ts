/**
 * The sandbox's in-memory ICA world. Records hold ICA's own field names and values (v4 spellings for analysis
 * statuses) plus a few internal fields (documented per field) that the views in views.ts never emit.
 * Relations are stored as ids; views.ts resolves them into the nested objects of the v3/v4 schemas.
 */
import { SandboxClock } from "./clock.js";
import { Collection, type Stored } from "./collection.js";
import { Rng, stableUuid } from "./prng.js";

export type IsoDateTime = string;
export type Priority = "LOW" | "MEDIUM" | "HIGH";

export interface TenantRecord {
  id: string;
  name: string;
}

export interface UserRecord extends Stored {
  username: string;
  email: string;
  firstname: string;
  lastname: string;
  active: boolean;
  tenantAdministrator: boolean;
  emailVerified: boolean;
  twoFactorAuthentication: boolean;
  timeCreated: IsoDateTime;
  timeModified: IsoDateTime;
  /** Internal: Basic-auth password for POST /api/tokens (only the sandbox user has one). */
  password?: string;
}

export interface CountryRecord {
  id: string;
  code: string;
  name: string;
  region: string;
}

export interface RegionRecord extends Stored {
  code: string;
  cityName: string;
  country: CountryRecord;
  timeCreated: IsoDateTime;
  timeModified: IsoDateTime;
}

export interface ProjectTags {
  technicalTags: string[];
  userTags: string[];
}

export interface ProjectRecord extends Stored {
  name: string;
  shortDescription: string | null;
  information: string | null;
  /** false = hidden ("Indicates whether the project is active or hidden"). */
  active: boolean;
  regionId: string;
  billingMode: "PROJECT" | "TENANT";
  dataSharingEnabled: boolean;
  baseEnabled: boolean;
  analysisPriority: Priority;
  tags: ProjectTags;
  /** Original creator. */
  ownerId: string;
  /** Current owner (Project.projectOwner). */
  projectOwnerId: string;
  timeCreated: IsoDateTime;
  timeModified: IsoDateTime;
}

export interface AnalysisStorageRecord extends Stored {
  name: string;
  description: string;
  timeCreated: IsoDateTime;
  timeModified: IsoDateTime;
}

export type PipelineLanguage = "CWL" | "NEXTFLOW";

export interface PipelineInputParameterRecord {
  id: string;
  code: string;
  required: boolean;
  multiValue: boolean;
  /** Internal: what the parameter expects (not in InputParameter; for validation and tool hints later). */
  description: string;
  dataType: "FILE" | "FOLDER";
  formatCodes: string[];
}

export type ConfigurationParameterType = "STRING" | "INTEGER" | "OPTIONS" | "BOOLEAN";

export interface PipelineConfigurationParameterRecord {
  code: string;
  type: ConfigurationParameterType;
  required: boolean;
  multiValue: boolean;
  /** Settings as ICA returns them: StringSettings/IntegerSettings/OptionSettings (BOOLEAN uses strings). */
  settings: { defaultValues?: (string | number)[]; options?: string[] };
  /** Internal: help text. */
  description: string;
}

export interface PipelineRecord extends Stored {
  code: string;
  description: string;
  language: PipelineLanguage;
  languageVersion: { id: string; name: string; language: PipelineLanguage };
  status: "DRAFT" | "RELEASED";
  statusAsString: "Draft" | "Released" | "Deprecated" | "Archived";
  proprietary: boolean;
  inputFormType: "XML" | "JSON";
  /** Default analysis storage. */
  analysisStorageId: string;
  technicalTags: string[];
  ownerId: string;
  timeCreated: IsoDateTime;
  timeModified: IsoDateTime;
  inputParameters: PipelineInputParameterRecord[];
  configurationParameters: PipelineConfigurationParameterRecord[];
  /** Internal: the projects this pipeline is linked to (GET /api/projects/{id}/pipelines). */
  projectIds: string[];
}

export interface ActivationCodeRecord extends Stored {
  /** Internal label (ActivationCodeDetail has no name; the bundle has). */
  label: string;
  allowedSlots: number;
  usedSlots: number;
  movedSlots: number;
  originalSlots: number;
  bundle: {
    id: string;
    name: string;
    maxNumberOfAllowedSlots: number;
    activePipelineIds: string[];
    canceledPipelineIds: string[];
    retiredPipelineIds: string[];
    regionIds: string[];
    analysisStorageIds: string[];
  };
  usages: { id: string; projectId: string; usedSlots: number; allowedSlots: number }[];
}

/** Stored in the v4 spelling; v3 views map IN_PROGRESS -> INPROGRESS etc. */
export const ANALYSIS_STATUSES = [
  "REQUESTED",
  "QUEUED",
  "INITIALIZING",
  "PREPARING_INPUTS",
  "IN_PROGRESS",
  "GENERATING_OUTPUTS",
  "AWAITING_INPUT",
  "ABORTING",
  "SUCCEEDED",
  "FAILED",
  "FAILED_FINAL",
  "ABORTED",
] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];
export const TERMINAL_ANALYSIS_STATUSES: readonly AnalysisStatus[] = [
  "SUCCEEDED",
  "FAILED",
  "FAILED_FINAL",
  "ABORTED",
];

export type AnalysisStepStatus = "FAILED" | "DONE" | "RUNNING" | "INTERRUPTED" | "ABORTED" | "WAITING";

export interface AnalysisStepRecord {
  id: string;
  name: string;
  status: AnalysisStepStatus;
  technical: boolean;
  queueDate: IsoDateTime | null;
  startDate: IsoDateTime | null;
  endDate: IsoDateTime | null;
  exitCode: number | null;
  computeType: string | null;
  /** Data ids of the log files (set once the step has ended). */
  stdOutDataId: string | null;
  stdErrDataId: string | null;
}

export interface AnalysisTags {
  technicalTags: string[];
  userTags: string[];
  referenceTags: string[];
}

export interface AnalysisRecord extends Stored {
  projectId: string;
  reference: string;
  userReference: string;
  pipelineId: string;
  analysisStorageId: string;
  activationCodeDetailId: string | null;
  status: AnalysisStatus;
  analysisPriority: Priority;
  tags: AnalysisTags;
  ownerId: string;
  timeCreated: IsoDateTime;
  timeModified: IsoDateTime;
  startDate: IsoDateTime | null;
  endDate: IsoDateTime | null;
  summary: string | null;
  /** Input parameter code -> data ids. */
  inputs: { code: string; dataIds: string[] }[];
  /** Configuration parameter values as launched (ExecutionConfiguration). */
  configurations: { name: string; multiValue: boolean; values: string[] }[];
  /** Output parameter code -> data ids (top-level output folder(s)). */
  outputs: { code: string; dataIds: string[] }[];
  /** null when ICA exposes no step information (the sandbox stores steps for a subset of analyses). */
  steps: AnalysisStepRecord[] | null;
  outputFolderId: string | null;
  logsFolderId: string | null;
  /**
   * Internal: set on analyses that progress on their own (see lifecycle.ts). Insert with status "REQUESTED";
   * every analyses read then advances REQUESTED -> QUEUED -> INITIALIZING -> PREPARING_INPUTS -> IN_PROGRESS
   * -> GENERATING_OUTPUTS -> outcome, one status per `stepMs` of sandbox clock after `startedAtMs`.
   */
  simulation?: { startedAtMs: number; outcome: "SUCCEEDED" | "FAILED"; stepMs: number };
  /** Internal (lifecycle.ts): an accepted :abort; ABORTING until `requestedAtMs + afterMs`, then ABORTED. */
  abort?: { requestedAtMs: number; afterMs: number };
}

export type DataStatus = "PARTIAL" | "AVAILABLE" | "ARCHIVING" | "ARCHIVED" | "UNARCHIVING" | "DELETING";

export interface DataTags {
  technicalTags: string[];
  userTags: string[];
  connectorTags: string[];
  runInTags: string[];
  runOutTags: string[];
  referenceTags: string[];
}

/** `id` is "fil.<32 hex>" or "fol.<32 hex>". */
export interface DataRecord extends Stored {
  projectId: string;
  name: string;
  /** The parent folder's path, starting and ending with "/" ("/" for the root), as DataDetails.path says. */
  path: string;
  dataType: "FILE" | "FOLDER";
  status: DataStatus;
  /** Files only. */
  fileSizeInBytes: number | null;
  /** DataFormat code (files only), e.g. FASTQ, BAM, VCF; see SandboxState.formats. */
  formatCode: string | null;
  tags: DataTags;
  creatorId: string;
  timeCreated: IsoDateTime;
  timeModified: IsoDateTime;
  /** null for items in the project root. */
  parentId: string | null;
  objectETag: string | null;
  willBeArchivedAt: IsoDateTime | null;
  willBeDeletedAt: IsoDateTime | null;
  /** Folders only. */
  nonIndexed: boolean;
  /** Internal: text content for small text files (logs, READMEs); read through SandboxState.fileText(). */
  content?: string;
}

export interface DataFormatRecord extends Stored {
  code: string;
  description: string;
  mimeType: string;
  timeCreated: IsoDateTime;
  timeModified: IsoDateTime;
}

export interface StorageCredentialRecord extends Stored {
  name: string;
  type: "AWS_USER";
  ownerId: string;
  timeCreated: IsoDateTime;
  timeModified: IsoDateTime;
  shared: boolean;
  /** Internal: never returned by any route. */
  secrets: { accessKeyId: string; secretAccessKey: string };
}

export interface SampleRecord extends Stored {
  projectId: string;
  linkedProjectIds: string[];
  name: string;
  description: string | null;
  status: "DELETED" | "AVAILABLE" | "PARTIAL";
  tags: { technicalTags: string[]; userTags: string[]; connectorTags: string[]; runInTags: string[] };
  metadataValid: boolean;
  regionId: string;
  ownerId: string;
  timeCreated: IsoDateTime;
  timeModified: IsoDateTime;
  dataIds: string[];
}

export type JobStatus =
  | "INITIALIZED"
  | "WAITING_FOR_RESOURCES"
  | "RUNNING"
  | "STOPPED"
  | "SUCCEEDED"
  | "PARTIALLY_SUCCEEDED"
  | "FAILED";

export interface JobRecord extends Stored {
  status: JobStatus;
  subjectType: string;
  subjectId: string;
  ownerId: string;
  projectId: string | null;
  additionalStatusInformation: string | null;
  timeCreated: IsoDateTime;
  timeStarted: IsoDateTime | null;
  timeFinished: IsoDateTime | null;
}

export type SampleBatchItemStatus =
  | "INITIALIZED"
  | "WAITING_RESOURCES"
  | "RUNNING"
  | "SUCCEEDED"
  | "PARTIALLY_SUCCEEDED"
  | "FAILED"
  | "STOPPED";

export interface SampleBatchRecord extends Stored {
  projectId: string;
  jobId: string;
  sequencingRunId: string | null;
  /** Item ids, requests and outcomes; shaped by the route that creates batches. */
  items: { id: string; request: unknown; status: SampleBatchItemStatus; sampleId: string | null }[];
}

/** An analysis creation batch (routes/analysis-batch.ts shapes `items[].request`). */
export interface AnalysisBatchRecord extends Stored {
  projectId: string;
  jobId: string;
  ownerId: string;
  items: {
    id: string;
    variant: "cwl" | "nextflow";
    request: Record<string, unknown>;
    status: "WAITING_RESOURCES" | "RUNNING" | "SUCCEEDED" | "FAILED";
    analysisId: string | null;
    additionalStatusInformation: string | null;
  }[];
}

/** A reference set (ReferenceSet) and, internally, the pipelines that take it. */
export interface ReferenceSetRecord extends Stored {
  name: string;
  ownerId: string;
  timeCreated: IsoDateTime;
  timeModified: IsoDateTime;
  referenceData: { id: string; name: string; version: string; species: string; types: string[] }[];
  /** Internal: pipelines whose launches may reference this set's data. */
  pipelineIds: string[];
}

export class SandboxState {
  readonly clock: SandboxClock;
  /** Seeded PRNG for anything created after the seed (new ids, simulated progress). */
  readonly rng: Rng;
  tenant: TenantRecord;
  /** Owner of tenant-wide catalog objects (regions, formats, storages). */
  systemUserId: string;
  /** The user behind the sandbox API keys and Basic credentials. */
  defaultUserId = "";

  readonly users = new Collection<UserRecord>("users");
  readonly regions = new Collection<RegionRecord>("regions");
  readonly projects = new Collection<ProjectRecord>("projects");
  readonly analysisStorages = new Collection<AnalysisStorageRecord>("analysisStorages");
  readonly formats = new Collection<DataFormatRecord>("formats");
  readonly pipelines = new Collection<PipelineRecord>("pipelines");
  readonly activationCodes = new Collection<ActivationCodeRecord>("activationCodes");
  readonly analyses = new Collection<AnalysisRecord>("analyses");
  readonly data = new Collection<DataRecord>("data");
  readonly storageCredentials = new Collection<StorageCredentialRecord>("storageCredentials");
  readonly samples = new Collection<SampleRecord>("samples");
  readonly sampleBatches = new Collection<SampleBatchRecord>("sampleBatches");
  readonly jobs = new Collection<JobRecord>("jobs");
  readonly analysisBatches = new Collection<AnalysisBatchRecord>("analysisBatches");
  readonly referenceSets = new Collection<ReferenceSetRecord>("referenceSets");

  constructor(readonly seed: number) {
    this.clock = new SandboxClock();
    this.rng = new Rng(seed ^ 0x5eed);
    this.tenant = { id: stableUuid(seed, "tenant"), name: "sandbox-lab" };
    this.systemUserId = stableUuid(seed, "user:system");
  }

  /** A fresh uuid from the seeded PRNG (deterministic for a deterministic sequence of requests). */
  newUuid(): string {
    return this.rng.uuid();
  }

  newDataId(dataType: "FILE" | "FOLDER"): string {
    return `${dataType === "FILE" ? "fil" : "fol"}.${this.rng.hex(32)}`;
  }

  now(): IsoDateTime {
    return this.clock.iso();
  }

  projectByName(name: string): ProjectRecord | undefined {
    return this.projects.find((p) => p.name === name);
  }

  formatByCode(code: string): DataFormatRecord | undefined {
    return this.formats.find((f) => f.code === code);
  }

  /** Full path of a data item: parent path + name (+ "/" for folders). */
  fullPath(d: DataRecord): string {
    return `${d.path}${d.name}${d.dataType === "FOLDER" ? "/" : ""}`;
  }

  fileText(dataId: string): string | undefined {
    return this.data.get(dataId)?.content;
  }

  /** Adds a project with realistic defaults; used by tests (e.g. inserting while a client pages). */
  insertProject(fields: Partial<Omit<ProjectRecord, "seq">> & { name: string }): ProjectRecord {
    const now = this.now();
    const region = this.regions.all()[0];
    if (!region) throw new Error("insertProject needs a seeded region");
    return this.projects.insert({
      id: this.newUuid(),
      shortDescription: null,
      information: null,
      active: true,
      regionId: region.id,
      billingMode: "PROJECT",
      dataSharingEnabled: false,
      baseEnabled: false,
      analysisPriority: "MEDIUM",
      tags: { technicalTags: [], userTags: [] },
      ownerId: this.defaultUserId,
      projectOwnerId: this.defaultUserId,
      timeCreated: now,
      timeModified: now,
      ...fields,
    });
  }
}

/**
 * Projections of stored records onto the OpenAPI response schemas (v3 and v4 variants). Views emit only
 * properties the schema declares, with every `required` one present.
 */
import type {
  ActivationCodeRecord,
  AnalysisRecord,
  AnalysisStatus,
  AnalysisStepRecord,
  AnalysisStorageRecord,
  DataFormatRecord,
  DataRecord,
  PipelineRecord,
  ProjectRecord,
  RegionRecord,
  SampleRecord,
  SandboxState,
  StorageCredentialRecord,
  UserRecord,
} from "./state.js";

type Json = Record<string, unknown>;

/** Fields of every tenant-owned catalog object (regions, formats, storages...). */
function audit(
  state: SandboxState,
  r: { id: string; timeCreated: string; timeModified: string },
  ownerId?: string,
) {
  return {
    id: r.id,
    timeCreated: r.timeCreated,
    timeModified: r.timeModified,
    ownerId: ownerId ?? state.systemUserId,
    tenantId: state.tenant.id,
    tenantName: state.tenant.name,
  };
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`sandbox state is inconsistent: ${what} is missing`);
  return value;
}

export function regionView(state: SandboxState, r: RegionRecord): Json {
  return {
    ...audit(state, r),
    code: r.code,
    country: {
      ...audit(state, { id: r.country.id, timeCreated: r.timeCreated, timeModified: r.timeModified }),
      code: r.country.code,
      name: r.country.name,
      region: r.country.region,
    },
    cityName: r.cityName,
  };
}

export function projectUrn(p: ProjectRecord): string {
  return `urn:ilmn:ica:project:${p.id}#${p.name}`;
}

/** `Project` (v3). */
export function projectView(state: SandboxState, p: ProjectRecord): Json {
  const region = must(state.regions.get(p.regionId), `region ${p.regionId}`);
  return {
    id: p.id,
    timeCreated: p.timeCreated,
    timeModified: p.timeModified,
    ownerId: p.ownerId,
    tenantId: state.tenant.id,
    tenantName: state.tenant.name,
    urn: projectUrn(p),
    name: p.name,
    active: p.active,
    baseEnabled: p.baseEnabled,
    shortDescription: p.shortDescription,
    information: p.information,
    region: regionView(state, region),
    billingMode: p.billingMode,
    dataSharingEnabled: p.dataSharingEnabled,
    tags: { technicalTags: [...p.tags.technicalTags], userTags: [...p.tags.userTags] },
    analysisPriority: p.analysisPriority,
    projectOwner: p.projectOwnerId,
  };
}

export function analysisStorageV3(state: SandboxState, s: AnalysisStorageRecord): Json {
  return { ...audit(state, s), name: s.name, description: s.description };
}

export function analysisStorageV4(s: AnalysisStorageRecord): Json {
  return { id: s.id, name: s.name, description: s.description };
}

export function pipelineUrn(p: PipelineRecord): string {
  return `urn:ilmn:ica:pipeline:${p.id}#${p.code}`;
}

export function pipelineV3(state: SandboxState, p: PipelineRecord): Json {
  const storage = must(
    state.analysisStorages.get(p.analysisStorageId),
    `analysis storage ${p.analysisStorageId}`,
  );
  return {
    ...audit(state, p, p.ownerId),
    code: p.code,
    urn: pipelineUrn(p),
    description: p.description,
    status: p.status,
    language: p.language,
    languageVersion: { ...p.languageVersion },
    pipelineTags: { technicalTags: [...p.technicalTags] },
    analysisStorage: analysisStorageV3(state, storage),
    proprietary: p.proprietary,
    inputFormType: p.inputFormType,
  };
}

export function pipelineV4(state: SandboxState, p: PipelineRecord): Json {
  const storage = must(
    state.analysisStorages.get(p.analysisStorageId),
    `analysis storage ${p.analysisStorageId}`,
  );
  return {
    id: p.id,
    urn: pipelineUrn(p),
    timeCreated: p.timeCreated,
    timeModified: p.timeModified,
    owner: { id: p.ownerId },
    tenant: { id: state.tenant.id, name: state.tenant.name },
    code: p.code,
    description: p.description,
    status: p.status,
    statusAsString: p.statusAsString,
    language: p.language,
    languageVersion: { ...p.languageVersion },
    pipelineTags: { technicalTags: [...p.technicalTags] },
    analysisStorage: analysisStorageV4(storage),
    proprietary: p.proprietary,
    inputFormType: p.inputFormType,
  };
}

/** `InputParameter`. */
export function inputParameterView(p: PipelineRecord["inputParameters"][number]): Json {
  return { id: p.id, code: p.code, required: p.required, multiValue: p.multiValue };
}

/** `PipelineConfigurationParameter`. */
export function configurationParameterView(p: PipelineRecord["configurationParameters"][number]): Json {
  return {
    code: p.code,
    required: p.required,
    multiValue: p.multiValue,
    type: p.type,
    settings: { ...p.settings },
  };
}

const V3_STATUS: Record<AnalysisStatus, string> = {
  REQUESTED: "REQUESTED",
  // The v3 enum predates these states; ICA reports them as the nearest v3 value.
  QUEUED: "REQUESTED",
  INITIALIZING: "INPROGRESS",
  PREPARING_INPUTS: "INPROGRESS",
  IN_PROGRESS: "INPROGRESS",
  GENERATING_OUTPUTS: "INPROGRESS",
  AWAITING_INPUT: "AWAITINGINPUT",
  ABORTING: "INPROGRESS",
  SUCCEEDED: "SUCCEEDED",
  FAILED: "FAILED",
  FAILED_FINAL: "FAILEDFINAL",
  ABORTED: "ABORTED",
};

export function analysisStatusV3(status: AnalysisStatus): string {
  return V3_STATUS[status];
}

function analysisCommon(a: AnalysisRecord): Json {
  return {
    id: a.id,
    timeCreated: a.timeCreated,
    timeModified: a.timeModified,
    reference: a.reference,
    userReference: a.userReference,
    startDate: a.startDate,
    endDate: a.endDate,
    summary: a.summary,
    analysisPriority: a.analysisPriority,
    tags: {
      technicalTags: [...a.tags.technicalTags],
      userTags: [...a.tags.userTags],
      referenceTags: [...a.tags.referenceTags],
    },
  };
}

export function analysisV3(state: SandboxState, a: AnalysisRecord): Json {
  const pipeline = must(state.pipelines.get(a.pipelineId), `pipeline ${a.pipelineId}`);
  const storage = must(
    state.analysisStorages.get(a.analysisStorageId),
    `analysis storage ${a.analysisStorageId}`,
  );
  return {
    ...analysisCommon(a),
    ownerId: a.ownerId,
    tenantId: state.tenant.id,
    tenantName: state.tenant.name,
    pipeline: pipelineV3(state, pipeline),
    status: analysisStatusV3(a.status),
    analysisStorage: analysisStorageV3(state, storage),
  };
}

export function analysisV4(state: SandboxState, a: AnalysisRecord): Json {
  const pipeline = must(state.pipelines.get(a.pipelineId), `pipeline ${a.pipelineId}`);
  const storage = must(
    state.analysisStorages.get(a.analysisStorageId),
    `analysis storage ${a.analysisStorageId}`,
  );
  return {
    ...analysisCommon(a),
    owner: { id: a.ownerId },
    tenant: { id: state.tenant.id, name: state.tenant.name },
    pipeline: pipelineV4(state, pipeline),
    status: a.status,
    analysisStorage: analysisStorageV4(storage),
  };
}

export function dataFormatView(state: SandboxState, f: DataFormatRecord): Json {
  return { ...audit(state, f), code: f.code, description: f.description, mimeType: f.mimeType };
}

export function dataUrn(state: SandboxState, d: DataRecord): string {
  const project = state.projects.get(d.projectId);
  const regionId = project?.regionId ?? state.regions.all()[0]?.id ?? "unknown";
  return `urn:ilmn:ica:region:${regionId}:data:${d.id}#${state.fullPath(d)}`;
}

/** `Data` (with details). */
export function dataView(state: SandboxState, d: DataRecord): Json {
  const project = must(state.projects.get(d.projectId), `project ${d.projectId}`);
  const region = must(state.regions.get(project.regionId), `region ${project.regionId}`);
  const format = d.formatCode ? state.formatByCode(d.formatCode) : undefined;
  return {
    id: d.id,
    urn: dataUrn(state, d),
    details: {
      timeCreated: d.timeCreated,
      timeModified: d.timeModified,
      creatorId: d.creatorId,
      tenantId: state.tenant.id,
      tenantName: state.tenant.name,
      owningProjectId: project.id,
      owningProjectName: project.name,
      name: d.name,
      path: d.path,
      ...(d.dataType === "FILE" ? { fileSizeInBytes: d.fileSizeInBytes } : {}),
      status: d.status,
      tags: {
        technicalTags: [...d.tags.technicalTags],
        userTags: [...d.tags.userTags],
        connectorTags: [...d.tags.connectorTags],
        runInTags: [...d.tags.runInTags],
        runOutTags: [...d.tags.runOutTags],
        referenceTags: [...d.tags.referenceTags],
      },
      // DataFormat is nullable: data without a format says so with null, as the document allows.
      format: format ? dataFormatView(state, format) : null,
      dataType: d.dataType,
      objectETag: d.objectETag,
      storedForTheFirstTimeAt: d.dataType === "FILE" && d.status !== "PARTIAL" ? d.timeCreated : null,
      region: regionView(state, region),
      willBeArchivedAt: d.willBeArchivedAt,
      willBeDeletedAt: d.willBeDeletedAt,
    },
    ...(d.dataType === "FOLDER" ? { folderDetails: { nonIndexed: d.nonIndexed } } : {}),
  };
}

/** `ProjectData`. */
export function projectDataView(state: SandboxState, d: DataRecord): Json {
  return { data: dataView(state, d), projectId: d.projectId };
}

export function analysisStepView(state: SandboxState, s: AnalysisStepRecord): Json {
  const logs: Json = {};
  const out = s.stdOutDataId ? state.data.get(s.stdOutDataId) : undefined;
  const err = s.stdErrDataId ? state.data.get(s.stdErrDataId) : undefined;
  if (out) logs.stdOutData = dataView(state, out);
  if (err) logs.stdErrData = dataView(state, err);
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    queueDate: s.queueDate,
    startDate: s.startDate,
    endDate: s.endDate,
    technical: s.technical,
    logs,
    exitCode: s.exitCode,
    computeType: s.computeType,
  };
}

export function userView(state: SandboxState, u: UserRecord): Json {
  return {
    ...audit(state, u),
    username: u.username,
    email: u.email,
    firstname: u.firstname,
    lastname: u.lastname,
    active: u.active,
    tenantAdministrator: u.tenantAdministrator,
    emailVerified: u.emailVerified,
    twoFactorAuthentication: u.twoFactorAuthentication,
  };
}

/** `StorageCredential`: the secrets never leave the state. */
export function storageCredentialView(state: SandboxState, c: StorageCredentialRecord): Json {
  return { ...audit(state, c, c.ownerId), name: c.name, type: c.type };
}

export function sampleView(state: SandboxState, s: SampleRecord): Json {
  const region = must(state.regions.get(s.regionId), `region ${s.regionId}`);
  return {
    ...audit(state, s, s.ownerId),
    name: s.name,
    description: s.description,
    tags: {
      technicalTags: [...s.tags.technicalTags],
      userTags: [...s.tags.userTags],
      connectorTags: [...s.tags.connectorTags],
      runInTags: [...s.tags.runInTags],
    },
    region: regionView(state, region),
    status: s.status,
    metadataValid: s.metadataValid,
    metadata: [],
  };
}

/** `ActivationCodeDetail`. */
export function activationCodeView(state: SandboxState, c: ActivationCodeRecord): Json {
  const pipelines = (ids: string[]) =>
    ids.map((id) => pipelineV3(state, must(state.pipelines.get(id), `pipeline ${id}`)));
  return {
    id: c.id,
    allowedSlots: c.allowedSlots,
    usedSlots: c.usedSlots,
    movedSlots: c.movedSlots,
    originalSlots: c.originalSlots,
    pipelineBundle: {
      id: c.bundle.id,
      name: c.bundle.name,
      maxNumberOfAllowedSlots: c.bundle.maxNumberOfAllowedSlots,
      activePipelines: pipelines(c.bundle.activePipelineIds),
      canceledPipelines: pipelines(c.bundle.canceledPipelineIds),
      retiredPipelines: pipelines(c.bundle.retiredPipelineIds),
      regions: c.bundle.regionIds.map((id) => regionView(state, must(state.regions.get(id), `region ${id}`))),
      analysisStorages: c.bundle.analysisStorageIds.map((id) =>
        analysisStorageV3(state, must(state.analysisStorages.get(id), `analysis storage ${id}`)),
      ),
    },
    usages: c.usages.map((u) => ({
      id: u.id,
      project: projectView(state, must(state.projects.get(u.projectId), `project ${u.projectId}`)),
      usedSlots: u.usedSlots,
      allowedSlots: u.allowedSlots,
    })),
  };
}

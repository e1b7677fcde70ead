/**
 * Resolves an ica_start_analysis call into the exact ICA request: pipeline, data references (ids, paths,
 * URNs), storage, credentials and activation code, collecting every problem into one UserInputError before
 * anything is launched.
 */
import { listStorageCredentials } from "../../ica/api/credentials.js";
import { dataFullPath, type IcaData, listProjectData } from "../../ica/api/data.js";
import {
  type AnalysisDataInput,
  buildCreateRequest,
  type CreateRequest,
  findBestActivationCode,
  type LaunchIdentity,
  type LaunchSpec,
} from "../../ica/api/launch.js";
import {
  getConfigurationParameters,
  getInputParameters,
  type IcaPipeline,
  type PipelineLanguage,
  pipelineLanguage,
  resolvePipeline,
} from "../../ica/api/pipelines.js";
import { listAnalysisStorages } from "../../ica/api/storages.js";
import { IcaApiError, UserInputError } from "../../ica/errors.js";
import type { ToolContext } from "../../mcp/adapter.js";
import {
  checkInputCodes,
  checkParameters,
  checkUserReference,
  endsWithFileName,
  externalData,
  outputMappings,
  UUID,
} from "./checks.js";
import { MAX_DATA_REFS, type StartAnalysisArgs } from "./schema.js";

export interface ResolvedLaunch {
  projectId: string;
  pipeline: IcaPipeline;
  language: PipelineLanguage;
  spec: LaunchSpec;
  request: CreateRequest;
  storage: { id: string; name?: string; source: string };
  activationCode: { id: string; bundle?: string; source: string };
  identity: LaunchIdentity;
  resolvedPaths: { path: string; dataId: string }[];
  defaultsUsed: string[];
  notes: string[];
}

const HINT =
  "fix every problem listed, then call again (dryRun: true checks without launching). ica_get_pipeline lists the parameter codes; ica_list_data the data ids and paths.";
const STATUS_ADVICE: Record<string, string> = {
  PARTIAL: "its upload has not finished",
  ARCHIVED: "unarchive it first (ICA portal), then launch",
  ARCHIVING: "it is being archived; unarchive it when that has finished",
  UNARCHIVING: "wait until unarchiving has finished",
  DELETING: "it is being deleted; use another copy",
};

interface DataRef {
  raw: string;
  where: string;
  folderOnly?: boolean;
}

/** The data id inside a data URN (urn:ilmn:ica:region:…:data:<id>#<path>), else the value itself. */
function idOf(raw: string): string {
  return raw.startsWith("urn:") ? (/:data:([^#]+)/.exec(raw)?.[1] ?? raw) : raw;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Looks every id and path up in as few listing requests as possible; unknown ones map to undefined. */
async function lookUpData(
  ctx: ToolContext,
  projectId: string,
  refs: DataRef[],
): Promise<Map<string, IcaData | undefined>> {
  const found = new Map<string, IcaData | undefined>();
  const paths = [...new Set(refs.map((r) => r.raw).filter((r) => r.startsWith("/")))];
  const ids = [
    ...new Set(
      refs
        .map((r) => r.raw)
        .filter((r) => !r.startsWith("/"))
        .map(idOf),
    ),
  ];
  for (const chunk of chunks(ids, 100)) {
    const page = await listProjectData(
      ctx.ica,
      projectId,
      { id: chunk },
      { mode: "cursor", pageSize: Math.min(1000, chunk.length + 10) },
      ctx.signal,
    );
    for (const item of page.items) found.set(item.data.id, item.data);
  }
  for (const chunk of chunks(paths, 40)) {
    const variants = chunk.flatMap((p) => (p.endsWith("/") ? [p] : [p, `${p}/`]));
    const page = await listProjectData(
      ctx.ica,
      projectId,
      { filePath: variants, filePathMatchMode: "FULL_CASE_INSENSITIVE" },
      { mode: "cursor", pageSize: Math.min(1000, variants.length * 4) },
      ctx.signal,
    );
    for (const path of chunk) {
      const wanted = path.toLowerCase();
      const matches = page.items.filter((d) => {
        const full = dataFullPath(d.data).toLowerCase();
        return full === wanted || full === `${wanted}/`;
      });
      const exact = matches.find((d) => [path, `${path}/`].includes(dataFullPath(d.data)));
      found.set(path, (exact ?? matches[0])?.data);
    }
  }
  const out = new Map<string, IcaData | undefined>();
  for (const r of refs) out.set(r.raw, found.get(r.raw.startsWith("/") ? r.raw : idOf(r.raw)));
  return out;
}

function checkRef(
  ref: DataRef,
  d: IcaData | undefined,
  projectId: string,
  problems: string[],
): string | undefined {
  if (!d) {
    problems.push(
      ref.raw.startsWith("/")
        ? `${ref.where}: nothing at path "${ref.raw}" in project ${projectId}; check it with ica_list_data`
        : `${ref.where}: data "${ref.raw}" does not exist in project ${projectId}; take ids from ica_list_data`,
    );
    return undefined;
  }
  const label = `"${dataFullPath(d)}" (${d.id})`;
  const status = d.details?.status;
  if (ref.folderOnly && d.details?.dataType !== "FOLDER") {
    problems.push(`${ref.where}: ${label} is a file; give a folder`);
  } else if (!ref.folderOnly && status && status !== "AVAILABLE") {
    problems.push(
      `${ref.where}: ${label} is ${status}, not AVAILABLE: ${STATUS_ADVICE[status] ?? "wait until it is AVAILABLE"}`,
    );
  }
  return d.id;
}

/** Problems shown at most (a launch with hundreds of bad ids must not flood the conversation). */
const MAX_PROBLEMS = 40;

function fail(problems: string[]): never {
  const shown = problems.slice(0, MAX_PROBLEMS);
  if (problems.length > MAX_PROBLEMS) shown.push(`… and ${problems.length - MAX_PROBLEMS} more problems`);
  throw new UserInputError(shown, HINT);
}

function mergeInputErrors(err: unknown, problems: string[]): never {
  if (err instanceof UserInputError) fail([...problems, ...err.problems]);
  throw err;
}

export async function resolveLaunch(
  args: StartAnalysisArgs,
  ctx: ToolContext,
  identity: LaunchIdentity,
): Promise<ResolvedLaunch> {
  const projectId = ctx.projectId(args.projectId);
  const problems: string[] = [];
  const notes: string[] = [];
  checkUserReference(args.userReference, problems);
  if (!args.pipelineId && !args.pipelineCode) {
    problems.push("pass pipelineId or pipelineCode (from ica_list_pipelines)");
  }
  if (args.analysisStorageId && args.analysisStorageName) {
    problems.push("pass analysisStorageId or analysisStorageName, not both");
  }
  if (args.activationCodeDetailId && !UUID.test(args.activationCodeDetailId)) {
    problems.push(`activationCodeDetailId "${args.activationCodeDetailId}" must be a UUID`);
  }
  const inputs = args.inputs ?? [];
  const refs: DataRef[] = [];
  const wireInputs: AnalysisDataInput[] = [];
  let total = 0;
  for (const inp of inputs) {
    const where = `input "${inp.parameterCode}"`;
    for (const raw of inp.dataIds ?? []) refs.push({ raw, where });
    for (const m of inp.mounts ?? []) {
      refs.push({ raw: m.dataId, where });
      if (!endsWithFileName(m.mountPath)) {
        problems.push(`${where}: mountPath "${m.mountPath}" must end with a file name`);
      }
    }
    const external = (inp.externalData ?? []).flatMap((e) => {
      const x = externalData(inp.parameterCode, e, problems, notes);
      return x ? [x] : [];
    });
    total += (inp.dataIds?.length ?? 0) + (inp.mounts?.length ?? 0) + (inp.externalData?.length ?? 0);
    wireInputs.push({
      parameterCode: inp.parameterCode,
      ...(inp.dataIds?.length ? { dataIds: [] } : {}),
      ...(inp.mounts?.length ? { mounts: [] } : {}),
      ...(external.length ? { externalData: external } : {}),
    });
  }
  if (total > MAX_DATA_REFS) {
    problems.push(
      `${total} data items in one launch; at most ${MAX_DATA_REFS} (use folders, or several analyses)`,
    );
    fail(problems);
  }
  const analysisOutput = outputMappings(args, projectId, (id) => ctx.checkProject(id), problems);
  if (args.outputParentFolderId) {
    refs.push({ raw: args.outputParentFolderId, where: "outputParentFolderId", folderOnly: true });
  }

  if (!args.pipelineId && !args.pipelineCode) fail(problems);
  let pipeline: IcaPipeline;
  try {
    pipeline = await resolvePipeline(ctx.ica, projectId, args, ctx.signal);
  } catch (err) {
    return mergeInputErrors(err, problems);
  }
  if (
    args.pipelineId &&
    args.pipelineCode &&
    pipeline.code.toLowerCase() !== args.pipelineCode.toLowerCase()
  ) {
    problems.push(
      `pipelineId ${args.pipelineId} is ${pipeline.code}, not "${args.pipelineCode}"; pass only one of them`,
    );
  }
  const language = pipelineLanguage(pipeline);
  if (!language)
    problems.push(
      `pipeline ${pipeline.code} has language ${pipeline.language ?? "unknown"}; only CWL and Nextflow pipelines can be started`,
    );
  await ctx.progress(1, 4, "pipeline resolved");

  const [inputDefs, configDefs, dataFound, credentials] = await Promise.all([
    getInputParameters(ctx.ica, projectId, pipeline.id, ctx.signal),
    getConfigurationParameters(ctx.ica, projectId, pipeline.id, ctx.signal),
    lookUpData(ctx, projectId, refs),
    inputs.some((i) => i.externalData?.some((e) => e.storageCredentialsId))
      ? listStorageCredentials(ctx.ica, ctx.signal)
      : Promise.resolve(undefined),
  ]);
  await ctx.progress(2, 4, "parameters and data looked up");
  checkInputCodes(inputs, inputDefs, problems);
  const { parameters, defaultsUsed } = checkParameters(args.parameters ?? [], configDefs, problems);

  const resolvedPaths: { path: string; dataId: string }[] = [];
  const resolve = (ref: DataRef): string | undefined => {
    const id = checkRef(ref, dataFound.get(ref.raw), projectId, problems);
    if (id && ref.raw.startsWith("/")) resolvedPaths.push({ path: ref.raw, dataId: id });
    return id;
  };
  inputs.forEach((inp, i) => {
    const where = `input "${inp.parameterCode}"`;
    const w = wireInputs[i]!;
    if (w.dataIds) w.dataIds = (inp.dataIds ?? []).flatMap((raw) => resolve({ raw, where }) ?? []);
    if (w.mounts) {
      w.mounts = (inp.mounts ?? []).flatMap((m) => {
        const id = resolve({ raw: m.dataId, where });
        return id ? [{ dataId: id, mountPath: m.mountPath }] : [];
      });
    }
  });
  let outputParentFolderId: string | undefined;
  if (args.outputParentFolderId) {
    outputParentFolderId = resolve({
      raw: args.outputParentFolderId,
      where: "outputParentFolderId",
      folderOnly: true,
    });
  }
  if (credentials) {
    const known = new Set(credentials.map((c) => c.id));
    for (const inp of inputs) {
      for (const e of inp.externalData ?? []) {
        if (
          e.storageCredentialsId &&
          UUID.test(e.storageCredentialsId) &&
          !known.has(e.storageCredentialsId)
        ) {
          problems.push(
            `input "${inp.parameterCode}", externalData ${e.url}: storageCredentialsId ${e.storageCredentialsId} is not known to ICA; ica_list_storage_credentials lists the ids (or register the bucket's keys with ica_create_storage_credentials)`,
          );
        }
      }
    }
  }

  let storage: ResolvedLaunch["storage"] | undefined;
  if (args.analysisStorageId || args.analysisStorageName) {
    const list = await listAnalysisStorages(ctx.ica, projectId, ctx.signal);
    const names = list.items.map((s) => s.name).join(", ");
    const s = args.analysisStorageId
      ? list.items.find((x) => x.id === args.analysisStorageId)
      : list.items.find((x) => x.name.toLowerCase() === args.analysisStorageName!.trim().toLowerCase());
    if (s) storage = { id: s.id, name: s.name, source: args.analysisStorageId ? "given id" : "given name" };
    else {
      problems.push(
        `${args.analysisStorageId ? `analysisStorageId ${args.analysisStorageId}` : `analysisStorageName "${args.analysisStorageName}"`} is not an analysis storage of this project; choose one of: ${names} (ica_list_analysis_storages)`,
      );
    }
  } else if (pipeline.analysisStorage?.id) {
    const s = pipeline.analysisStorage;
    storage = { id: s.id, ...(s.name ? { name: s.name } : {}), source: "pipeline default" };
  } else {
    problems.push(
      `pipeline ${pipeline.code} names no default analysis storage: pass analysisStorageName (ica_list_analysis_storages)`,
    );
  }
  if (problems.length > 0 || !language || !storage) fail(problems);

  const spec: LaunchSpec = {
    userReference: args.userReference,
    pipelineId: pipeline.id,
    ...(args.tags ? { tags: args.tags } : {}),
    analysisStorageId: storage.id,
    ...(outputParentFolderId ? { outputParentFolderId } : {}),
    ...(analysisOutput.length > 0 ? { analysisOutput } : {}),
    analysisInput: { inputs: wireInputs, ...(parameters.length > 0 ? { parameters } : {}) },
  };
  let activationCode: ResolvedLaunch["activationCode"];
  if (args.activationCodeDetailId) {
    activationCode = { id: args.activationCodeDetailId, source: "given" };
  } else {
    try {
      const best = await findBestActivationCode(
        ctx.ica,
        language,
        { projectId, pipelineId: pipeline.id, analysisInput: spec.analysisInput },
        ctx.signal,
      );
      activationCode = {
        id: best.id,
        ...(best.pipelineBundle?.name ? { bundle: best.pipelineBundle.name } : {}),
        source: "best match",
      };
    } catch (err) {
      if (!(err instanceof IcaApiError) || (err.status !== 404 && err.status !== 400)) throw err;
      throw new UserInputError(
        `ICA found no activation code that can run ${pipeline.code} in project ${projectId}${err.detail ? ` (${err.detail})` : ""}`,
        "pass activationCodeDetailId of an activation code with free slots for this pipeline (the ICA portal lists your activation codes), or ask your ICA administrator for one.",
      );
    }
  }
  await ctx.progress(3, 4, "activation code resolved");
  const request = buildCreateRequest(language, projectId, spec, activationCode.id, identity);
  return {
    projectId,
    pipeline,
    language,
    spec,
    request,
    storage,
    activationCode,
    identity,
    resolvedPaths,
    defaultsUsed,
    notes,
  };
}

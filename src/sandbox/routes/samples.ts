/**
 * Sample creation batches (tag "Project Sample Batch"):
 * POST /api/projects/{projectId}/sampleCreationBatch (201, Idempotency-Key), GET …/{batchId},
 * GET …/{batchId}/items (paged, status filter) and GET …/{batchId}/items/{itemId}.
 *
 * Processing (ICA API guide, "Duplicate Files on SampleCreationBatch"): the data to link of each item (each
 * sample) is checked for duplicate files, by file name; other items do not take part. A folder stands for
 * every file beneath it. Of the copies of a name, those in the lowest-level (deepest) folder are used and
 * copies in higher-level folders or the root are ignored; copies tied at the deepest level are all used.
 *
 * Progress over sandbox time: the job is INITIALIZED, RUNNING from JOB_START_MS after creation, and the items
 * are processed one per ITEM_MS (RUNNING, then SUCCEEDED with the sample created, or FAILED when data to
 * link has gone or is being deleted); the job ends SUCCEEDED, PARTIALLY_SUCCEEDED or FAILED. State changes
 * happen lazily when a batch, its items or its job are read.
 */
import { iso } from "../clock.js";
import type { RequestContext, RouteDef } from "../context.js";
import { withIdempotency } from "../idempotency.js";
import { ProblemError } from "../problem.js";
import type {
  DataRecord,
  JobRecord,
  JobStatus,
  SampleBatchItemStatus,
  SampleBatchRecord,
  SandboxState,
} from "../state.js";
import { projectView, sampleView, userView } from "../views.js";
import { projectOr404 } from "./data.js";

export const JOB_START_MS = 2_000;
export const ITEM_MS = 1_000;

const ITEM_STATUSES: readonly SampleBatchItemStatus[] = [
  "INITIALIZED",
  "WAITING_RESOURCES",
  "RUNNING",
  "SUCCEEDED",
  "PARTIALLY_SUCCEEDED",
  "FAILED",
  "STOPPED",
];

/** What the sandbox keeps per batch item (SampleBatchRecord.items[].request). */
interface ItemRequest {
  sampleToCreate: {
    name: string;
    description?: string | null;
    tags?: Record<string, (string | null)[] | null> | null;
  };
  completeSample: boolean;
  /** The data ids as sent. */
  dataToLink: string[];
  /** The files that will be linked once the duplicate rule is applied. */
  filesToLink: string[];
  /** Set when processed. */
  additionalStatusInformation?: string | null;
}

type Json = Record<string, unknown>;

function bad(detail: string, parameters: Record<string, string> = {}): ProblemError {
  return new ProblemError(400, "Bad Request", detail, parameters);
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function fullPath(state: SandboxState, d: DataRecord): string {
  return state.fullPath(d);
}

/** Number of folders above a file: "/a.txt" -> 0, "/main/a.txt" -> 1. */
function depthOf(state: SandboxState, d: DataRecord): number {
  return fullPath(state, d).split("/").length - 2;
}

function filesBeneath(state: SandboxState, folder: DataRecord): DataRecord[] {
  const prefix = fullPath(state, folder);
  return state.data.where(
    (d) => d.projectId === folder.projectId && d.dataType === "FILE" && d.path.startsWith(prefix),
  );
}

/**
 * The duplicate-file rule within each item: per file name, the item's deepest copies are used. Returns, per
 * item, the file ids to link (in the order they were given, each file once).
 */
export function applyDuplicateRule(state: SandboxState, perItem: DataRecord[][]): string[][] {
  return perItem.map((files) => {
    const deepest = new Map<string, number>();
    for (const f of files) deepest.set(f.name, Math.max(deepest.get(f.name) ?? -1, depthOf(state, f)));
    const kept: string[] = [];
    for (const f of files) {
      if (depthOf(state, f) === deepest.get(f.name) && !kept.includes(f.id)) kept.push(f.id);
    }
    return kept;
  });
}

function parseItem(state: SandboxState, projectId: string, raw: unknown, index: number) {
  const where = `items[${index}]`;
  if (!isObject(raw)) throw bad(`${where} must be an object`, { [where]: String(raw) });
  const sample = raw.sampleToCreate;
  if (!isObject(sample))
    throw bad(`${where}.sampleToCreate is required`, { [`${where}.sampleToCreate`]: "" });
  const name = sample.name;
  if (typeof name !== "string" || name.length < 1 || name.length > 255) {
    throw bad(`${where}.sampleToCreate.name must be 1-255 characters`, {
      [`${where}.sampleToCreate.name`]: String(name),
    });
  }
  const description = sample.description;
  if (
    description !== undefined &&
    description !== null &&
    (typeof description !== "string" || description.length < 1 || description.length > 255)
  ) {
    throw bad(`${where}.sampleToCreate.description must be 1-255 characters`, {
      [`${where}.sampleToCreate.description`]: String(description),
    });
  }
  const tags = sample.tags;
  if (tags !== undefined && tags !== null) {
    if (!isObject(tags)) throw bad(`${where}.sampleToCreate.tags must be an object`);
    for (const [k, v] of Object.entries(tags)) {
      if (v !== null && (!Array.isArray(v) || v.some((t) => t !== null && typeof t !== "string"))) {
        throw bad(`${where}.sampleToCreate.tags.${k} must be a list of strings`);
      }
    }
  }
  if (typeof raw.completeSample !== "boolean") {
    throw bad(`${where}.completeSample is required (true or false)`, {
      [`${where}.completeSample`]: String(raw.completeSample),
    });
  }
  const dataToLink: string[] = [];
  const files: DataRecord[] = [];
  const links = raw.dataToLink;
  if (links !== undefined && links !== null) {
    if (!Array.isArray(links)) throw bad(`${where}.dataToLink must be a list`);
    links.forEach((link, j) => {
      const dataId = isObject(link) ? link.dataId : undefined;
      const at = `${where}.dataToLink[${j}].dataId`;
      if (typeof dataId !== "string" || dataId === "") throw bad(`${at} is required`, { [at]: "" });
      const d = state.data.get(dataId);
      if (!d || d.projectId !== projectId) {
        throw bad(`${at}: no data with id '${dataId}' exists in project '${projectId}'`, { [at]: dataId });
      }
      dataToLink.push(dataId);
      files.push(...(d.dataType === "FOLDER" ? filesBeneath(state, d) : [d]));
    });
  }
  const sampleToCreate: ItemRequest["sampleToCreate"] = { name };
  if (typeof description === "string") sampleToCreate.description = description;
  if (isObject(tags)) sampleToCreate.tags = tags as ItemRequest["sampleToCreate"]["tags"];
  return { sampleToCreate, completeSample: raw.completeSample, dataToLink, files };
}

function jobOf(state: SandboxState, batch: SampleBatchRecord): JobRecord {
  const job = state.jobs.get(batch.jobId);
  if (!job) throw new Error(`sandbox state is inconsistent: job ${batch.jobId} is missing`);
  return job;
}

/** Brings a batch, its items, its job and the samples it creates up to the sandbox's current time. */
export function refreshSampleBatch(state: SandboxState, batch: SampleBatchRecord): void {
  const job = jobOf(state, batch);
  if (job.timeFinished !== null) return;
  const created = Date.parse(job.timeCreated);
  const now = state.clock.now();
  const started = created + JOB_START_MS;
  if (now < started) return;
  if (job.status === "INITIALIZED") {
    job.status = "RUNNING";
    job.timeStarted = iso(started);
  }
  batch.items.forEach((item, i) => {
    if (item.status === "SUCCEEDED" || item.status === "FAILED") return;
    const done = started + (i + 1) * ITEM_MS;
    if (now < done) {
      item.status = now >= done - ITEM_MS ? "RUNNING" : "WAITING_RESOURCES";
      return;
    }
    const request = item.request as ItemRequest;
    const missing = request.filesToLink.filter((id) => {
      const d = state.data.get(id);
      return !d || d.status === "DELETING";
    });
    if (missing.length > 0) {
      item.status = "FAILED";
      request.additionalStatusInformation = `Data could not be linked (deleted or being deleted): ${missing.join(", ")}`;
      return;
    }
    const project = state.projects.get(batch.projectId)!;
    const t = iso(done);
    const sample = state.samples.insert({
      id: state.newUuid(),
      projectId: batch.projectId,
      linkedProjectIds: [],
      name: request.sampleToCreate.name,
      description: request.sampleToCreate.description ?? null,
      status: request.completeSample ? "AVAILABLE" : "PARTIAL",
      tags: {
        technicalTags: (request.sampleToCreate.tags?.technicalTags ?? []).filter((x): x is string => !!x),
        userTags: (request.sampleToCreate.tags?.userTags ?? []).filter((x): x is string => !!x),
        connectorTags: (request.sampleToCreate.tags?.connectorTags ?? []).filter((x): x is string => !!x),
        runInTags: (request.sampleToCreate.tags?.runInTags ?? []).filter((x): x is string => !!x),
      },
      metadataValid: true,
      regionId: project.regionId,
      ownerId: job.ownerId,
      timeCreated: t,
      timeModified: t,
      dataIds: [...request.filesToLink],
    });
    item.status = "SUCCEEDED";
    item.sampleId = sample.id;
    request.additionalStatusInformation = null;
  });
  const last = started + batch.items.length * ITEM_MS;
  if (now >= last) {
    const failed = batch.items.filter((i) => i.status === "FAILED").length;
    const status: JobStatus =
      failed === 0 ? "SUCCEEDED" : failed === batch.items.length ? "FAILED" : "PARTIALLY_SUCCEEDED";
    job.status = status;
    job.timeFinished = iso(last);
    job.additionalStatusInformation =
      failed === 0 ? null : `${failed} of ${batch.items.length} sample(s) could not be created`;
  }
}

/** `Job`. */
export function jobView(state: SandboxState, job: JobRecord): Json {
  const owner = state.users.get(job.ownerId);
  const project = job.projectId ? state.projects.get(job.projectId) : undefined;
  return {
    id: job.id,
    status: job.status,
    additionalStatusInformation: job.additionalStatusInformation,
    subjectType: job.subjectType,
    subjectId: job.subjectId,
    timeCreated: job.timeCreated,
    timeStarted: job.timeStarted,
    timeFinished: job.timeFinished,
    ...(owner ? { owner: userView(state, owner) } : {}),
    ...(project ? { project: projectView(state, project) } : {}),
  };
}

function batchView(state: SandboxState, batch: SampleBatchRecord): Json {
  return { id: batch.id, job: jobView(state, jobOf(state, batch)), sequencingRunId: batch.sequencingRunId };
}

function itemView(state: SandboxState, item: SampleBatchRecord["items"][number]): Json {
  const request = item.request as ItemRequest;
  const sample = item.sampleId ? state.samples.get(item.sampleId) : undefined;
  return {
    id: item.id,
    request: { sampleToCreate: request.sampleToCreate, completeSample: request.completeSample },
    processing: {
      status: item.status,
      additionalStatusInformation: request.additionalStatusInformation ?? null,
    },
    ...(sample ? { createdSample: sampleView(state, sample) } : {}),
  };
}

function batchOr404(ctx: RequestContext): SampleBatchRecord {
  const projectId = ctx.params.projectId!;
  projectOr404(ctx.state, projectId);
  const batch = ctx.state.sampleBatches.get(ctx.params.batchId!);
  if (!batch || batch.projectId !== projectId) {
    throw new ProblemError(
      404,
      "Not Found",
      `No sample creation batch with id '${ctx.params.batchId}' exists in project '${projectId}'`,
      { batchId: ctx.params.batchId!, projectId },
    );
  }
  refreshSampleBatch(ctx.state, batch);
  return batch;
}

export const sampleRoutes: RouteDef[] = [
  {
    method: "POST",
    path: "/api/projects/{projectId}/sampleCreationBatch",
    operationId: "createSampleCreationBatch",
    produces: ["v3"],
    consumes: ["v3", "json"],
    handler: (ctx) =>
      withIdempotency(ctx, "createSampleCreationBatch", () => {
        const state = ctx.state;
        const projectId = ctx.params.projectId!;
        projectOr404(state, projectId);
        const body = ctx.body;
        if (!isObject(body) || !Array.isArray(body.items)) {
          throw bad("The request body must be a CreateSampleCreationBatch with an items list", { items: "" });
        }
        if (body.items.length === 0) throw bad("items must contain at least one sample", { items: "[]" });
        const parsed = body.items.map((raw, i) => parseItem(state, projectId, raw, i));
        const linked = applyDuplicateRule(
          state,
          parsed.map((p) => p.files),
        );
        const now = state.now();
        const batchId = state.newUuid();
        const job = state.jobs.insert({
          id: state.newUuid(),
          status: "INITIALIZED",
          subjectType: "SampleCreationBatch",
          subjectId: batchId,
          ownerId: ctx.principal!.userId,
          projectId,
          additionalStatusInformation: null,
          timeCreated: now,
          timeStarted: null,
          timeFinished: null,
        });
        const batch = state.sampleBatches.insert({
          id: batchId,
          projectId,
          jobId: job.id,
          sequencingRunId: null,
          items: parsed.map((p, i) => ({
            id: state.newUuid(),
            request: {
              sampleToCreate: p.sampleToCreate,
              completeSample: p.completeSample,
              dataToLink: p.dataToLink,
              filesToLink: linked[i]!,
            } satisfies ItemRequest,
            status: "INITIALIZED" as const,
            sampleId: null,
          })),
        });
        return ctx.json(201, batchView(state, batch));
      }),
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/sampleCreationBatch/{batchId}",
    operationId: "getSampleCreationBatch",
    produces: ["v3"],
    handler(ctx) {
      return ctx.json(200, batchView(ctx.state, batchOr404(ctx)));
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/sampleCreationBatch/{batchId}/items",
    operationId: "getSampleCreationBatchItems",
    produces: ["v3"],
    handler(ctx) {
      const batch = batchOr404(ctx);
      const statuses = ctx.query.getAll("status").filter((s) => s !== "");
      for (const s of statuses) {
        if (!(ITEM_STATUSES as readonly string[]).includes(s)) {
          throw bad(`status must be one of ${ITEM_STATUSES.join(", ")}`, { status: s });
        }
      }
      const items = batch.items
        .map((item, i) => ({ item, seq: i + 1 }))
        .filter(({ item }) => statuses.length === 0 || statuses.includes(item.status));
      const page = ctx.paginate(items);
      return ctx.json(200, { ...page, items: page.items.map(({ item }) => itemView(ctx.state, item)) });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/sampleCreationBatch/{batchId}/items/{itemId}",
    operationId: "getSampleCreationBatchItem",
    produces: ["v3"],
    handler(ctx) {
      const batch = batchOr404(ctx);
      const item = batch.items.find((i) => i.id === ctx.params.itemId);
      if (!item) {
        throw new ProblemError(404, "Not Found", `No item with id '${ctx.params.itemId}' in this batch`, {
          itemId: ctx.params.itemId!,
        });
      }
      return ctx.json(200, itemView(ctx.state, item));
    },
  },
];

/**
 * Analysis creation batches (OpenAPI tag "Project Analysis Creation Batch"):
 * POST /api/projects/{projectId}/analysisCreationBatch (201 AnalysisCreationBatch {id, job}, v3 body
 * CreateAnalysisCreationBatch with cwlItems / nextflowItems, Idempotency-Key), GET …/{batchId},
 * GET …/{batchId}/items (AnalysisCreationBatchItemPagedList, v4 or v3, status filter, both paging styles) and
 * GET …/{batchId}/items/{itemId}.
 *
 * The body's shape is checked at once (a 400 names every malformed item); each item is then processed as the
 * matching create endpoint would process it, in sandbox time: the job is INITIALIZED, RUNNING from
 * JOB_START_MS after creation, and items are handled one per ITEM_MS (WAITING_RESOURCES, RUNNING, then
 * SUCCEEDED with the created analysis, or FAILED with the create endpoint's problem as
 * additionalStatusInformation). The job ends SUCCEEDED, PARTIALLY_SUCCEEDED or FAILED. State changes happen
 * lazily when the batch, its items or its job are read. nextflowJsonItems are not simulated (400).
 */
import { iso } from "../clock.js";
import type { RequestContext, RouteDef } from "../context.js";
import { withIdempotency } from "../idempotency.js";
import { ProblemError } from "../problem.js";
import type { AnalysisBatchRecord, JobStatus } from "../state.js";
import { analysisV3, analysisV4 } from "../views.js";
import { createAnalysis } from "./analysis-create.js";
import { projectOr404 } from "./data.js";
import { jobView } from "./samples.js";

export const BATCH_JOB_START_MS = 2_000;
export const BATCH_ITEM_MS = 1_000;
/** ICA states no bound; the sandbox refuses absurd bodies. */
const MAX_ITEMS = 1_000;
const ITEM_STATUSES = ["RUNNING", "WAITING_RESOURCES", "SUCCEEDED", "FAILED"] as const;

type Json = Record<string, unknown>;
type Item = AnalysisBatchRecord["items"][number];

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function bad(detail: string, parameters: Record<string, string> = {}): ProblemError {
  return new ProblemError(400, "Bad Request", detail, parameters);
}

/** Runs one item through the create endpoint's own checks and creation; the problem text on failure. */
function processItem(ctx: RequestContext, batch: AnalysisBatchRecord, item: Item): void {
  const itemCtx: RequestContext = {
    ...ctx,
    params: { projectId: batch.projectId },
    body: item.request,
    version: "v4",
    json: (status, body) => ({ status, body }),
  };
  try {
    const reply = createAnalysis(itemCtx, item.variant);
    item.status = "SUCCEEDED";
    item.analysisId = String((reply.body as Json).id);
    item.additionalStatusInformation = null;
  } catch (err) {
    if (!(err instanceof ProblemError)) throw err;
    item.status = "FAILED";
    const details = Object.entries(err.parameters)
      .slice(0, 5)
      .map(([k, v]) => `${k}: ${v}`)
      .join("; ");
    const detail = err.detail ?? err.title;
    item.additionalStatusInformation = `${detail}${details && !detail.includes(details) ? ` (${details})` : ""}`;
  }
}

/** Brings a batch, its items, its job and the analyses it creates up to the sandbox's current time. */
export function refreshAnalysisBatch(ctx: RequestContext, batch: AnalysisBatchRecord): void {
  const state = ctx.state;
  const job = state.jobs.get(batch.jobId);
  if (!job) throw new Error(`sandbox state is inconsistent: job ${batch.jobId} is missing`);
  if (job.timeFinished !== null) return;
  const created = Date.parse(job.timeCreated);
  const now = state.clock.now();
  const started = created + BATCH_JOB_START_MS;
  if (now < started) return;
  if (job.status === "INITIALIZED") {
    job.status = "RUNNING";
    job.timeStarted = iso(started);
  }
  batch.items.forEach((item, i) => {
    if (item.status === "SUCCEEDED" || item.status === "FAILED") return;
    const done = started + (i + 1) * BATCH_ITEM_MS;
    if (now < done) item.status = now >= done - BATCH_ITEM_MS ? "RUNNING" : "WAITING_RESOURCES";
    else processItem(ctx, batch, item);
  });
  const last = started + batch.items.length * BATCH_ITEM_MS;
  if (now >= last) {
    const failed = batch.items.filter((i) => i.status === "FAILED").length;
    const status: JobStatus =
      failed === 0 ? "SUCCEEDED" : failed === batch.items.length ? "FAILED" : "PARTIALLY_SUCCEEDED";
    job.status = status;
    job.timeFinished = iso(last);
    job.additionalStatusInformation =
      failed === 0 ? null : `${failed} of ${batch.items.length} analyses could not be created`;
  }
}

function batchView(ctx: RequestContext, batch: AnalysisBatchRecord): Json {
  const job = ctx.state.jobs.get(batch.jobId)!;
  return { id: batch.id, job: jobView(ctx.state, job) };
}

function itemView(ctx: RequestContext, item: Item): Json {
  const r = item.request;
  const tags = isObject(r.tags) ? r.tags : {};
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((t): t is string => typeof t === "string") : []);
  const analysis = item.analysisId ? ctx.state.analyses.get(item.analysisId) : undefined;
  return {
    id: item.id,
    request: {
      userReference: String(r.userReference ?? ""),
      pipelineId: String(r.pipelineId ?? ""),
      tags: {
        technicalTags: list(tags.technicalTags),
        userTags: list(tags.userTags),
        referenceTags: list(tags.referenceTags),
      },
    },
    processing: { status: item.status, additionalStatusInformation: item.additionalStatusInformation },
    ...(analysis
      ? {
          createdAnalysis:
            ctx.version === "v4" ? analysisV4(ctx.state, analysis) : analysisV3(ctx.state, analysis),
        }
      : {}),
  };
}

function batchOr404(ctx: RequestContext): AnalysisBatchRecord {
  const projectId = ctx.params.projectId!;
  projectOr404(ctx.state, projectId);
  const batch = ctx.state.analysisBatches.get(ctx.params.batchId!);
  if (!batch || batch.projectId !== projectId) {
    throw new ProblemError(
      404,
      "Not Found",
      `No analysis creation batch with id '${ctx.params.batchId}' exists in project '${projectId}'`,
      { batchId: ctx.params.batchId!, projectId },
    );
  }
  refreshAnalysisBatch(ctx, batch);
  return batch;
}

function createBatch(ctx: RequestContext) {
  const state = ctx.state;
  const projectId = ctx.params.projectId!;
  projectOr404(state, projectId);
  const body = ctx.body;
  if (!isObject(body)) throw bad("The request body must be a CreateAnalysisCreationBatch object");
  const problems: Record<string, string> = {};
  for (const key of Object.keys(body)) {
    if (!["cwlItems", "nextflowItems", "nextflowJsonItems"].includes(key)) {
      problems[key] = "unknown property; allowed: cwlItems, nextflowItems, nextflowJsonItems";
    }
  }
  const items: { variant: "cwl" | "nextflow"; request: Json }[] = [];
  for (const [key, variant] of [
    ["cwlItems", "cwl"],
    ["nextflowItems", "nextflow"],
  ] as const) {
    const list = body[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      problems[key] = "must be an array";
      continue;
    }
    list.forEach((raw, i) => {
      if (!isObject(raw)) problems[`${key}[${i}]`] = "must be an object";
      else if (typeof raw.userReference !== "string" || typeof raw.pipelineId !== "string") {
        problems[`${key}[${i}]`] = "userReference and pipelineId are required";
      } else items.push({ variant, request: raw });
    });
  }
  if (Array.isArray(body.nextflowJsonItems) && body.nextflowJsonItems.length > 0) {
    problems.nextflowJsonItems = "not supported by the sandbox";
  }
  if (Object.keys(problems).length > 0) {
    throw bad(`The batch is invalid: ${Object.keys(problems).length} problem(s)`, problems);
  }
  if (items.length === 0) throw bad("The batch contains no items", { cwlItems: "[]", nextflowItems: "[]" });
  if (items.length > MAX_ITEMS)
    throw bad(`At most ${MAX_ITEMS} items per batch`, { items: `${items.length}` });
  const batchId = state.newUuid();
  const job = state.jobs.insert({
    id: state.newUuid(),
    status: "INITIALIZED",
    subjectType: "AnalysisCreationBatch",
    subjectId: batchId,
    ownerId: ctx.principal!.userId,
    projectId,
    additionalStatusInformation: null,
    timeCreated: state.now(),
    timeStarted: null,
    timeFinished: null,
  });
  const batch = state.analysisBatches.insert({
    id: batchId,
    projectId,
    jobId: job.id,
    ownerId: ctx.principal!.userId,
    items: items.map((it) => ({
      id: state.newUuid(),
      variant: it.variant,
      request: structuredClone(it.request),
      status: "WAITING_RESOURCES" as const,
      analysisId: null,
      additionalStatusInformation: null,
    })),
  });
  return ctx.json(201, batchView(ctx, batch));
}

export const analysisBatchRoutes: RouteDef[] = [
  {
    method: "POST",
    path: "/api/projects/{projectId}/analysisCreationBatch",
    operationId: "createAnalysisCreationBatch",
    produces: ["v3"],
    consumes: ["v3"],
    handler: (ctx) => withIdempotency(ctx, "createAnalysisCreationBatch", () => createBatch(ctx)),
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/analysisCreationBatch/{batchId}",
    operationId: "getAnalysisCreationBatch",
    produces: ["v3"],
    handler: (ctx) => ctx.json(200, batchView(ctx, batchOr404(ctx))),
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/analysisCreationBatch/{batchId}/items",
    operationId: "getAnalysisCreationBatchItems",
    produces: ["v4", "v3"],
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
      return ctx.json(200, { ...page, items: page.items.map(({ item }) => itemView(ctx, item)) });
    },
  },
  {
    method: "GET",
    path: "/api/projects/{projectId}/analysisCreationBatch/{batchId}/items/{itemId}",
    operationId: "getAnalysisCreationBatchItem",
    produces: ["v4", "v3"],
    handler(ctx) {
      const batch = batchOr404(ctx);
      const item = batch.items.find((i) => i.id === ctx.params.itemId);
      if (!item) {
        throw new ProblemError(404, "Not Found", `No item with id '${ctx.params.itemId}' in this batch`, {
          itemId: ctx.params.itemId!,
        });
      }
      return ctx.json(200, itemView(ctx, item));
    },
  },
];

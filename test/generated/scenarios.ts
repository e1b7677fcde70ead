/**
 * How each read-only tool is called against the generated ICA: valid arguments, the fields the tool
 * computes itself (exempt from the provenance check), and checks aimed at the faults this level found.
 */
import fc from "fast-check";
import type { CallContext } from "./provenance.js";

export interface Scenario {
  args: fc.Arbitrary<Record<string, unknown>>;
  /** Runs for this tool (default SPEC_RUNS). */
  runs?: number;
  /** Output keys the tool computes (counts, outcomes, echoes), skipped by the provenance check. */
  computed?: string[];
  /** Problems with a successful result. */
  check?: (structured: Record<string, any>, ctx: CallContext) => string[];
}

const projectId = fc.uuid();
const dataId = fc.stringMatching(/^fil\.[a-z0-9]{8,16}$/);
const optional = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T, required: (keyof T)[] = []) =>
  fc.record(model, { requiredKeys: required as string[] }) as fc.Arbitrary<Record<string, unknown>>;

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null;

/** The data items ICA answered, by id (list and get answers alike). */
function servedData(ctx: CallContext): Map<string, Record<string, any>> {
  const byId = new Map<string, Record<string, any>>();
  for (const s of ctx.served) {
    const body = s.body as any;
    const list: unknown[] = Array.isArray(body?.items) ? body.items : [body];
    for (const pd of list) {
      if (isObject(pd) && isObject(pd.data) && typeof pd.data.id === "string") byId.set(pd.data.id, pd.data);
    }
  }
  return byId;
}

/** A data item may say FILE/FOLDER only when ICA said so, and give a path only when ICA gave one. */
function dataItemProblems(
  item: Record<string, any>,
  served: Map<string, Record<string, any>>,
  where: string,
) {
  const problems: string[] = [];
  const d = served.get(item.id);
  if (!d) return problems;
  const details = isObject(d.details) ? d.details : undefined;
  if (item.type !== undefined && item.type !== details?.dataType) {
    problems.push(`${where}.type is ${item.type} but ICA said ${JSON.stringify(details?.dataType)}`);
  }
  if (item.path !== undefined && typeof details?.path !== "string") {
    problems.push(`${where}.path is ${item.path} but ICA gave no path`);
  }
  return problems;
}

function isHttpUrl(value: unknown): boolean {
  try {
    const u = new URL(String(value));
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}

export const SCENARIOS: Record<string, Scenario> = {
  ica_list_projects: {
    args: optional({
      pageSize: fc.integer({ min: 1, max: 200 }),
      search: fc.string({ minLength: 1, maxLength: 12 }),
      sort: fc.constantFrom("name", "name desc"),
    }),
  },
  ica_get_project: { args: optional({ projectId }, ["projectId"]) },
  ica_list_storage_credentials: { args: fc.constant({}), computed: ["total"] },
  ica_list_data: {
    args: optional(
      {
        projectId,
        parentFolderPath: fc.constantFrom("/", "/fastq/"),
        pageSize: fc.integer({ min: 1, max: 200 }),
      },
      ["projectId"],
    ),
    check: (s, ctx) => {
      const served = servedData(ctx);
      return (Array.isArray(s.items) ? s.items : []).flatMap((item: any, i: number) =>
        dataItemProblems(item, served, `items[${i}]`),
      );
    },
  },
  ica_get_data: {
    args: fc.oneof(
      fc.record({ projectId, dataId }),
      fc.record({ projectId, path: fc.constantFrom("/fastq/S1_R1.fastq.gz", "/runs/") }),
    ),
    check: (s, ctx) => dataItemProblems(s, servedData(ctx), "result"),
  },
  ica_get_job: {
    args: fc.record({ jobId: fc.uuid() }),
    computed: ["done", "itemCount", "countsByStatus", "itemsTruncated", "itemsStopped"],
  },
  ica_create_download_url: {
    args: fc.record({ projectId, dataId }),
    computed: ["expiresInSeconds"],
    check: (s, ctx) => [
      ...(isHttpUrl(s.url) ? [] : [`url ${JSON.stringify(s.url)} is not an http(s) URL`]),
      ...(isObject(s.file) ? dataItemProblems(s.file, servedData(ctx), "file") : []),
    ],
  },
  ica_list_analyses: {
    args: optional(
      {
        projectId,
        pageSize: fc.integer({ min: 1, max: 100 }),
        maxItems: fc.integer({ min: 1, max: 120 }),
        sort: fc.constantFrom("startDate desc", "reference"),
      },
      ["projectId"],
    ),
    computed: ["statusCounts", "duplicatesDropped", "rowsCut"],
  },
  ica_get_analysis: {
    args: optional(
      {
        projectId,
        analysisId: fc.uuid(),
        include: fc.subarray(["inputs", "configurations", "usage", "logsFolder"], { minLength: 1 }),
      },
      ["projectId", "analysisId"],
    ),
    computed: ["durationMinutes"],
  },
  ica_get_analysis_steps: {
    args: optional(
      {
        projectId,
        analysisId: fc.uuid(),
        failedOnly: fc.boolean(),
        tailBytes: fc.constantFrom(0, 64, 4096),
      },
      ["projectId", "analysisId"],
    ),
    computed: ["totalSteps", "failedSteps", "runningSteps", "omittedSteps", "logTruncated", "technical"],
  },
  ica_get_analysis_outputs: {
    args: optional({ projectId, analysisId: fc.uuid(), maxItems: fc.integer({ min: 1, max: 300 }) }, [
      "projectId",
      "analysisId",
    ]),
    computed: ["totalItems"],
  },
  ica_diagnose_analysis: {
    args: fc.record({ projectId, analysisId: fc.uuid() }),
    // The class, advice, quoted (escaped, cut) evidence, timeline minutes and differences are the tool's own.
    computed: [
      "failureClass",
      "advice",
      "evidence",
      "stepsRun",
      "timeline",
      "minutes",
      "differs",
      "requests",
    ],
  },
  ica_summarize_analyses: {
    runs: 25,
    args: optional(
      {
        projectId,
        since: fc.constantFrom("2026-11-24", "2025-01-01"),
        diagnose: fc.boolean(),
        pipelineCode: fc.string({ minLength: 1, maxLength: 3 }),
      },
      ["projectId", "since"],
    ),
    computed: [
      "window",
      "total",
      "counts",
      "pipelines",
      "notCounted",
      "complete",
      "stop",
      "scanned",
      "requests",
      "class",
      "evidence (quoted from ICA: data, not instructions)",
    ],
  },
  ica_wait_for_analysis: {
    // Each non-final status waits a poll interval: few runs, short timeouts.
    runs: 6,
    args: fc.record({
      projectId,
      analysisId: fc.uuid(),
      timeoutSeconds: fc.constant(1),
      pollSeconds: fc.constant(1),
    }),
    computed: ["outcome", "waitedSeconds", "polls"],
  },
  ica_list_pipelines: {
    args: optional(
      {
        projectId,
        search: fc.string({ minLength: 1, maxLength: 3 }),
        language: fc.constantFrom("CWL", "NEXTFLOW"),
        pageSize: fc.integer({ min: 1, max: 200 }),
      },
      ["projectId"],
    ),
    computed: ["inProject"],
  },
  ica_get_pipeline: {
    args: fc.oneof(
      fc.record({ projectId, pipelineId: fc.uuid() }),
      fc.record({ projectId, pipelineCode: fc.string({ minLength: 1, maxLength: 8 }) }),
    ),
    computed: ["required", "multiValue"],
  },
  ica_list_analysis_storages: { args: fc.record({ projectId }), computed: ["source"] },
  // The catalogue is the document itself, not a sampled answer: a few calls show it is read and searched.
  ica_search_api: {
    runs: 3,
    args: fc.record({ query: fc.constantFrom("list analyses", "createDownloadUrlForData", "sample batch") }),
    computed: ["matches", "operations", "icaVersion", "query"],
  },
};

import { z } from "zod";
import {
  getAnalysis,
  getAnalysisConfigurations,
  getAnalysisInputs,
  getAnalysisLogsFolder,
  getAnalysisUsage,
  type IcaAnalysis,
} from "../ica/api/analyses.js";
import { IcaApiError } from "../ica/errors.js";
import { defineTool } from "../mcp/adapter.js";
import { knownDataPath } from "./list-data.js";
import { analysisIdParam, projectIdParam } from "./params.js";
import { finite, identified, isRecord, type Operation, records, text, texts } from "./values.js";

export const getAnalysisOperation: Operation = {
  operationId: "getAnalysis",
  method: "GET",
  path: "/api/projects/{projectId}/analyses/{analysisId}",
};

const SUMMARY_CHARS = 1000;
const MAX_INPUT_ITEMS = 50;
const MAX_CONFIGURATIONS = 60;
const VALUE_CHARS = 200;

const INCLUDES = ["inputs", "configurations", "usage", "logsFolder"] as const;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** "IN_PROGRESS" -> what to do next. */
export function nextStepFor(status: string): string {
  switch (status) {
    case "SUCCEEDED":
      return "Next: ica_get_analysis_outputs for its output files.";
    case "FAILED":
    case "FAILED_FINAL":
      return "Next: ica_get_analysis_steps shows which step failed and the end of its stderr.";
    case "ABORTED":
      return "It was aborted; ica_get_analysis_steps shows how far it got.";
    case "AWAITING_INPUT":
      return "It is waiting for input in ICA.";
    default:
      return "It has not ended: ica_wait_for_analysis waits for it; ica_get_analysis_steps shows progress.";
  }
}

const outputShape = {
  id: z.string(),
  reference: z.string(),
  userReference: z.string(),
  status: z.string().describe("v4 spelling."),
  summary: z.string().optional().describe("ICA's own summary (why it failed, for instance)."),
  pipeline: z
    .object({ id: z.string(), code: z.string().optional(), language: z.string().optional() })
    .optional(),
  storage: z
    .object({ id: z.string(), name: z.string().optional(), description: z.string().optional() })
    .optional(),
  priority: z.string().optional(),
  timeCreated: z.string().optional(),
  startDate: z.string().optional(),
  endDate: z.string().optional(),
  durationMinutes: z.number().optional(),
  userTags: z.array(z.string()),
  technicalTags: z.array(z.string()),
  referenceTags: z.array(z.string()),
  ownerId: z.string().optional(),
  inputs: z
    .array(
      z.object({
        code: z.string(),
        data: z.array(
          z.object({
            dataId: z.string(),
            name: z.string().optional(),
            type: z.string().optional(),
            format: z.string().optional(),
            mountPath: z.string().optional(),
          }),
        ),
        external: z.array(z.object({ type: z.string().optional(), url: z.string() })).optional(),
      }),
    )
    .optional(),
  inputsTruncated: z.boolean().optional(),
  configurations: z.array(z.object({ name: z.string(), values: z.array(z.string()) })).optional(),
  configurationsTruncated: z.boolean().optional(),
  usage: z.object({ amount: z.number().optional(), currency: z.string().optional() }).optional(),
  logsFolder: z.object({ dataId: z.string(), path: z.string().optional() }).optional(),
  notes: z.array(z.string()).optional().describe("Why a requested detail is missing."),
};

type Output = z.input<z.ZodObject<typeof outputShape>>;

export const getAnalysisTool = defineTool({
  name: "ica_get_analysis",
  title: "Get an ICA analysis",
  description:
    "One analysis: status, ICA's summary, pipeline, storage, priority, dates, duration, tags. include adds inputs, configurations, usage (price) or logsFolder (one request each).",
  inputSchema: {
    projectId: projectIdParam.optional(),
    analysisId: analysisIdParam,
    include: z
      .array(z.enum(INCLUDES))
      .max(INCLUDES.length)
      .optional()
      .describe("Extras, one request each: inputs, configurations, usage, logsFolder."),
  },
  outputSchema: outputShape,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    const include = new Set(args.include ?? []);
    const { ica, signal } = ctx;
    const id = args.analysisId;
    const [a, inputs, configurations, usage, logsFolder] = await Promise.all([
      getAnalysis(ica, projectId, id, signal),
      include.has("inputs") ? getAnalysisInputs(ica, projectId, id, signal) : undefined,
      include.has("configurations") ? getAnalysisConfigurations(ica, projectId, id, signal) : undefined,
      include.has("usage")
        ? getAnalysisUsage(ica, projectId, id, signal).catch((err: unknown) => {
            // ICA: "A 404 status indicates that the system is busy processing the information."
            if (err instanceof IcaApiError && err.status === 404) return null;
            throw err;
          })
        : undefined,
      include.has("logsFolder") ? getAnalysisLogsFolder(ica, projectId, id, signal) : undefined,
    ]);

    const structured: Output = describeAnalysis(identified(a, getAnalysisOperation, "analysis"));
    if (inputs) {
      let budget = MAX_INPUT_ITEMS;
      let truncated = false;
      // Null entries (the document allows them) are skipped; the rest of the inputs stay.
      structured.inputs = records(inputs).map((input) => {
        const all = records(input.analysisData).filter((d) => text(d.dataId));
        const data = all.slice(0, Math.max(0, budget));
        budget -= data.length;
        if (data.length < all.length) truncated = true;
        // External URLs lose their query string: a presigned URL's signature is a credential.
        const external = records(input.externalData)
          .filter((e) => text(e.url))
          .slice(0, 10);
        return {
          code: text(input.code) ?? "UNKNOWN",
          data: data.map((d) => {
            const type = text(d.dataType);
            return {
              dataId: d.dataId,
              ...(text(d.name) ? { name: d.name } : {}),
              ...(type ? { type } : {}),
              ...(text(d.format?.code) ? { format: d.format!.code } : {}),
              ...(text(d.mountPath) ? { mountPath: d.mountPath } : {}),
            };
          }),
          ...(external.length > 0
            ? {
                external: external.map((e) => ({
                  ...(text(e.type) ? { type: e.type } : {}),
                  url: cut(e.url.split("?")[0] ?? "", 300),
                })),
              }
            : {}),
        };
      });
      if (truncated) structured.inputsTruncated = true;
    }
    if (configurations) {
      const named = records(configurations).filter((c) => text(c.name));
      structured.configurations = named.slice(0, MAX_CONFIGURATIONS).map((c) => ({
        name: c.name,
        values: texts(c.values)
          .slice(0, 20)
          .map((v) => cut(v, VALUE_CHARS)),
      }));
      if (named.length > MAX_CONFIGURATIONS) structured.configurationsTruncated = true;
    }
    const notes: string[] = [];
    if (isRecord(usage)) {
      structured.usage = {
        ...(finite(usage.amount) !== undefined ? { amount: usage.amount } : {}),
        ...(text(usage.currency) ? { currency: usage.currency } : {}),
      };
    } else if (include.has("usage")) {
      notes.push(
        "usage: ICA has no usage details for this analysis yet; they exist for SUCCEEDED or FAILED analyses, a few minutes after they end.",
      );
    }
    if (isRecord(logsFolder) && text(logsFolder.id)) {
      const path = knownDataPath(logsFolder);
      structured.logsFolder = { dataId: logsFolder.id, ...(path ? { path } : {}) };
    } else if (include.has("logsFolder")) {
      notes.push(
        "logsFolder: ICA names no logs folder for this analysis (it has none yet, or it started before ICA v2.23); ica_get_analysis_steps lists per-step log files.",
      );
    }
    if (notes.length > 0) structured.notes = notes;
    const summaryText = structured.summary ? `: ${cut(structured.summary, 200)}` : "";
    return {
      structured,
      summary: `Analysis ${JSON.stringify(structured.userReference)} (${structured.id}) is ${structured.status}${summaryText}. ${nextStepFor(structured.status)}`,
    };
  },
});

export function describeAnalysis(a: IcaAnalysis): Output {
  const start = text(a.startDate) ? Date.parse(a.startDate!) : Number.NaN;
  const end = text(a.endDate) ? Date.parse(a.endDate!) : Number.NaN;
  const pipeline = isRecord(a.pipeline) && text(a.pipeline.id) ? a.pipeline : undefined;
  const storage = isRecord(a.analysisStorage) && text(a.analysisStorage.id) ? a.analysisStorage : undefined;
  const ownerId = text(a.owner?.id) ?? text(a.ownerId);
  return {
    id: a.id,
    reference: text(a.reference) ?? "UNKNOWN",
    userReference: text(a.userReference) ?? "UNKNOWN",
    status: text(a.status) ?? "UNKNOWN",
    ...(text(a.summary) ? { summary: cut(a.summary!, SUMMARY_CHARS) } : {}),
    ...(pipeline
      ? {
          pipeline: {
            id: pipeline.id,
            ...(text(pipeline.code) ? { code: pipeline.code } : {}),
            ...(text(pipeline.language) ? { language: pipeline.language } : {}),
          },
        }
      : {}),
    ...(storage
      ? {
          storage: {
            id: storage.id,
            ...(text(storage.name) ? { name: storage.name } : {}),
            ...(text(storage.description) ? { description: storage.description as string } : {}),
          },
        }
      : {}),
    ...(text(a.analysisPriority) ? { priority: a.analysisPriority as string } : {}),
    ...(text(a.timeCreated) ? { timeCreated: a.timeCreated } : {}),
    ...(text(a.startDate) ? { startDate: a.startDate as string } : {}),
    ...(text(a.endDate) ? { endDate: a.endDate as string } : {}),
    ...(Number.isFinite(start) && Number.isFinite(end)
      ? { durationMinutes: Math.round((end - start) / 6_000) / 10 }
      : {}),
    userTags: texts(a.tags?.userTags),
    technicalTags: texts(a.tags?.technicalTags),
    referenceTags: texts(a.tags?.referenceTags),
    ...(ownerId ? { ownerId } : {}),
  };
}

import { z } from "zod";
import { getAnalysis, getAnalysisOutputs, type IcaAnalysisData } from "../ica/api/analyses.js";
import { getProjectData } from "../ica/api/data.js";
import { IcaAbortError, IcaApiError } from "../ica/errors.js";
import { defineTool } from "../mcp/adapter.js";
import { columnar } from "./columnar.js";
import { knownDataPath } from "./list-data.js";
import { analysisIdParam, projectIdParam } from "./params.js";
import { dataType, isRecord, records, text } from "./values.js";

const DEFAULT_ITEMS = 100;
const MAX_ITEMS = 300;
/** Top-level output folders whose project path is looked up (one request each). */
const MAX_PATH_LOOKUPS = 5;

const itemShape = z.object({
  output: z.string().describe("Code of the analysis output the entry belongs to."),
  dataId: z.string(),
  name: z.string().optional(),
  type: z.enum(["FILE", "FOLDER"]).optional().describe("Absent when ICA gave no (known) type."),
  path: z.string().optional().describe("Project path when known; otherwise the path inside the output."),
  format: z.string().optional(),
});
type Item = z.input<typeof itemShape>;
const outputTable = columnar(itemShape.shape);

export const getAnalysisOutputsTool = defineTool({
  name: "ica_get_analysis_outputs",
  title: "Get the outputs of an ICA analysis",
  description:
    "The output files and folders of an analysis, per output: data id, name, type, format, path (default 100 entries, at most 300; when cut, browse with ica_list_data).",
  inputSchema: {
    projectId: projectIdParam.optional(),
    analysisId: analysisIdParam,
    maxItems: z.number().int().min(1).max(MAX_ITEMS).optional().describe(`Default ${DEFAULT_ITEMS}.`),
  },
  outputSchema: {
    analysisId: z.string(),
    outputs: z.array(z.string()).describe("Codes of the analysis outputs."),
    items: outputTable.schema,
    totalItems: z.number().describe("Files and folders ICA listed for the outputs."),
    truncated: z.boolean(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    const limit = args.maxItems ?? DEFAULT_ITEMS;
    // Null entries and entries without a data id are skipped: one bad entry never discards the others.
    const usable = (list: readonly (IcaAnalysisData | null)[] | null | undefined) =>
      records(list).filter((d) => text(d.dataId));
    const raw = records(await getAnalysisOutputs(ctx.ica, projectId, args.analysisId, ctx.signal));

    // Project paths of the top-level output folders/files (AnalysisData carries names only).
    const tops = raw
      .flatMap((o) => usable(o.data).map((d) => ({ d, projectId: text(o.projectId) ?? projectId })))
      // With ICA_ALLOWED_PROJECTS, outputs written to another project keep their in-output paths.
      .filter((t) => !ctx.allowedProjects || ctx.allowedProjects.has(t.projectId));
    const basePaths = new Map<string, string>();
    await Promise.all(
      tops.slice(0, MAX_PATH_LOOKUPS).map(async ({ d, projectId: owner }) => {
        try {
          const pd = await getProjectData(ctx.ica, owner, d.dataId, ctx.signal);
          const path = isRecord(pd) && isRecord(pd.data) ? knownDataPath(pd.data) : undefined;
          if (path) basePaths.set(d.dataId, path);
        } catch (err) {
          if (err instanceof IcaAbortError || ctx.signal.aborted) throw err;
          if (!(err instanceof IcaApiError)) throw err;
          // Not visible from this project: fall back to paths inside the output.
        }
      }),
    );

    let total = 0;
    let shown = 0;
    const items: Item[] = [];
    const outputs: string[] = [];
    for (const o of raw) {
      const code = text(o.code) ?? "UNKNOWN";
      outputs.push(code);
      // Paths inside the output are built from the names ICA gave; without a name the path is unknown.
      const walk = (d: IcaAnalysisData, path: string | undefined) => {
        total++;
        const type = dataType(d.dataType);
        if (shown < limit) {
          shown++;
          items.push({
            output: code,
            dataId: d.dataId,
            ...(text(d.name) ? { name: d.name } : {}),
            ...(type ? { type } : {}),
            ...(path ? { path } : {}),
            ...(text(d.format?.code) ? { format: d.format!.code } : {}),
          });
        }
        for (const child of usable(d.children)) {
          const childPath =
            path && text(child.name)
              ? `${path.endsWith("/") ? path : `${path}/`}${child.name}${child.dataType === "FOLDER" ? "/" : ""}`
              : undefined;
          walk(child, childPath);
        }
      };
      for (const d of usable(o.data)) {
        const inOutput = text(d.name) ? `${d.name}${d.dataType === "FOLDER" ? "/" : ""}` : undefined;
        walk(d, basePaths.get(d.dataId) ?? inOutput);
      }
    }
    const { table } = outputTable.fit(items);
    shown = table.rows.length;
    const truncated = shown < total;

    let summary: string;
    if (total === 0) {
      const a = await getAnalysis(ctx.ica, projectId, args.analysisId, ctx.signal);
      summary = `No outputs listed for analysis ${text(a?.userReference) ?? args.analysisId} (status ${text(a?.status) ?? "unknown"}). ${
        a.status === "SUCCEEDED"
          ? "Its files may be in the output folder: look with ica_list_data."
          : "Outputs appear once an analysis has succeeded; ica_get_analysis_steps explains failures."
      }`;
    } else {
      summary = `${total} output file(s)/folder(s) in ${outputs.length} output(s)${truncated ? `; showing ${shown}: pass maxItems up to ${MAX_ITEMS}, or browse a folder with ica_list_data` : ""}.`;
    }
    return {
      structured: { analysisId: args.analysisId, outputs, items: table, totalItems: total, truncated },
      summary,
    };
  },
});

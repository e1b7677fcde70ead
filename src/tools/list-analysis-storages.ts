import { z } from "zod";
import { listAnalysisStorages } from "../ica/api/storages.js";
import { defineTool } from "../mcp/adapter.js";
import { columnar } from "./columnar.js";
import { projectIdParam } from "./params.js";

const storageTable = columnar({ id: z.string(), name: z.string(), description: z.string().optional() });

export const listAnalysisStoragesTool = defineTool({
  name: "ica_list_analysis_storages",
  title: "List analysis storage sizes",
  description:
    "Storage sizes for launches (id, name such as Small, size). Launches use the pipeline's advised size unless told otherwise: too small fails the run, too large costs more.",
  inputSchema: { projectId: projectIdParam.optional() },
  outputSchema: {
    items: storageTable.schema,
    source: z.enum(["project", "global"]).describe("global: ICA's deprecated tenant-wide list (fallback)."),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    const list = await listAnalysisStorages(ctx.ica, projectId, ctx.signal);
    // The list is a handful of sizes; the cap only guards against a runaway answer.
    const items = list.items.slice(0, 100).map((s) => ({
      id: s.id,
      name: s.name,
      ...(s.description ? { description: s.description.slice(0, 200) } : {}),
    }));
    const { table } = storageTable.fit(items);
    items.length = table.rows.length;
    const from =
      list.source === "global" ? " (from the deprecated global list: this ICA has no per-project list)" : "";
    return {
      structured: { items: table, source: list.source },
      summary: `${items.length} storage size(s)${from}: ${items.map((s) => s.name).join(", ")}. Next: pass analysisStorageName to ica_start_analysis to override the pipeline's default.`,
    };
  },
});

import { z } from "zod";
import { type IcaPipeline, listProjectPipelines } from "../ica/api/pipelines.js";
import { defineTool } from "../mcp/adapter.js";
import { columnar } from "./columnar.js";
import { pageOffsetParam, pageSizeParam, projectIdParam } from "./params.js";

const DESCRIPTION_CHARS = 160;
const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

export const pipelineItemShape = z.object({
  id: z.string(),
  code: z.string(),
  language: z.string().optional(),
  status: z.string().optional(),
  description: z.string().optional(),
});

export const pipelineTable = columnar(pipelineItemShape.shape);

export function pipelineItem(p: IcaPipeline): z.input<typeof pipelineItemShape> {
  const description = p.description ?? "";
  const status = p.statusAsString ?? p.status ?? undefined;
  return {
    id: p.id,
    code: p.code,
    ...(p.language ? { language: p.language } : {}),
    ...(status ? { status } : {}),
    ...(description
      ? {
          description:
            description.length > DESCRIPTION_CHARS
              ? `${description.slice(0, DESCRIPTION_CHARS)}…`
              : description,
        }
      : {}),
  };
}

export const listPipelinesTool = defineTool({
  name: "ica_list_pipelines",
  title: "List a project's pipelines",
  description:
    "The pipelines a project can run: id, code, language (CWL/NEXTFLOW), status, short description. Filter by search or language. Next: ica_get_pipeline.",
  inputSchema: {
    projectId: projectIdParam.optional(),
    search: z.string().min(1).max(255).optional().describe("Text in the code or description."),
    language: z.enum(["CWL", "NEXTFLOW"]).optional().describe("Only this language."),
    pageSize: pageSizeParam(DEFAULT_PAGE, MAX_PAGE).optional(),
    pageOffset: pageOffsetParam.optional(),
  },
  outputSchema: {
    items: pipelineTable.schema,
    totalItemCount: z.number().describe("Pipelines matching the filters."),
    inProject: z.number().optional().describe("With filters: all pipelines of the project."),
    nextPageOffset: z.number().optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    const all = await listProjectPipelines(ctx.ica, projectId, ctx.signal);
    const search = args.search?.toLowerCase();
    const matching = all.filter(
      (p) =>
        (!args.language || p.language?.toUpperCase() === args.language) &&
        (!search ||
          p.code.toLowerCase().includes(search) ||
          (p.description ?? "").toLowerCase().includes(search)),
    );
    const offset = args.pageOffset ?? 0;
    const size = args.pageSize ?? DEFAULT_PAGE;
    const { table } = pipelineTable.fit(matching.slice(offset, offset + size).map(pipelineItem));
    // Rows left out to fit are simply the next page.
    const next = offset + table.rows.length;
    const more = next < matching.length;
    const filtered = matching.length !== all.length ? ` (of ${all.length} in the project)` : "";
    const paging = more
      ? `Showing ${offset + 1}-${next}: call again with pageOffset=${next} for more.`
      : "No more pages.";
    return {
      structured: {
        items: table,
        totalItemCount: matching.length,
        ...(matching.length !== all.length ? { inProject: all.length } : {}),
        ...(more ? { nextPageOffset: next } : {}),
      },
      summary: `${matching.length} pipeline(s)${filtered}. ${paging} Next: ica_get_pipeline with a pipelineId for its inputs.`,
    };
  },
});

import { z } from "zod";
import { listProjects as apiListProjects, PROJECT_SORT_FIELDS } from "../ica/api/projects.js";
import type { IcaProject } from "../ica/api/types.js";
import { planPaging } from "../ica/paging.js";
import { defineTool } from "../mcp/adapter.js";
import { columnar } from "./columnar.js";
import { afterCut, continuationHint, pageOutput, pagingOutputShape } from "./paging.js";
import {
  pageOffsetParam,
  pageSizeParam,
  pageTokenParam,
  pagingModeParam,
  sortParam,
  tagListParam,
} from "./params.js";

export const projectSummaryShape = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  region: z.string().optional(),
  active: z.boolean().optional(),
  userTags: z.array(z.string()).optional(),
  technicalTags: z.array(z.string()).optional(),
});

export const projectTable = columnar(projectSummaryShape.shape);

const DESCRIPTION_CHARS = 160;

export function projectSummary(p: IcaProject): z.input<typeof projectSummaryShape> {
  const description = p.shortDescription ?? undefined;
  return {
    id: p.id,
    name: p.name,
    ...(description
      ? {
          description:
            description.length > DESCRIPTION_CHARS
              ? `${description.slice(0, DESCRIPTION_CHARS)}…`
              : description,
        }
      : {}),
    ...(p.region?.code ? { region: p.region.code } : {}),
    ...(p.active !== undefined ? { active: p.active } : {}),
    ...(p.tags?.userTags?.length ? { userTags: p.tags.userTags } : {}),
    ...(p.tags?.technicalTags?.length ? { technicalTags: p.tags.technicalTags } : {}),
  };
}

export const listProjectsTool = defineTool({
  name: "ica_list_projects",
  title: "List ICA projects",
  description:
    "Lists the ICA projects the credentials can see: id, name, short description, region, tags. Start here: most tools need a projectId. search matches names and descriptions. Cursor paging; sort means offset.",
  inputSchema: {
    search: z.string().min(1).max(255).optional().describe("Words in project names or descriptions."),
    userTags: tagListParam.optional().describe("Only projects with all these user tags."),
    includeHidden: z.boolean().optional().describe("Include hidden projects."),
    pageSize: pageSizeParam(25, 200).optional(),
    pageToken: pageTokenParam.optional(),
    pageOffset: pageOffsetParam.optional(),
    sort: sortParam(PROJECT_SORT_FIELDS).optional(),
    paging: pagingModeParam.optional(),
  },
  outputSchema: {
    items: projectTable.schema,
    ...pagingOutputShape,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const plan = planPaging(args, { sortFields: PROJECT_SORT_FIELDS, defaultPageSize: 25, maxPageSize: 200 });
    const page = await apiListProjects(
      ctx.ica,
      {
        search: args.search,
        userTags: args.userTags,
        includeHiddenProjects: args.includeHidden,
      },
      plan,
      ctx.signal,
    );
    let items = page.items;
    // With ICA_ALLOWED_PROJECTS, only the allowed projects are shown.
    if (ctx.allowedProjects) items = items.filter((p) => ctx.allowedProjects!.has(p.id));
    const { table, cut } = projectTable.fit(items.map(projectSummary));
    const paging = afterCut(pageOutput(plan, page), cut, table.rows.length, plan.pageOffset);
    return {
      structured: { items: table, ...paging },
      summary: `${table.rows.length} project(s). ${continuationHint(paging, plan.sort)}`,
    };
  },
});

import { z } from "zod";
import { getProject } from "../ica/api/projects.js";
import { defineTool } from "../mcp/adapter.js";
import { projectIdParam } from "./params.js";

export const getProjectTool = defineTool({
  name: "ica_get_project",
  title: "Get an ICA project",
  description:
    "One project in detail: name, descriptions, region, billing mode, tags, data sharing, analysis priority and dates. Use ica_list_projects to find the id.",
  inputSchema: {
    projectId: projectIdParam.optional(),
  },
  outputSchema: {
    id: z.string(),
    name: z.string(),
    urn: z.string().optional(),
    active: z.boolean().optional(),
    shortDescription: z.string().optional(),
    information: z.string().optional(),
    region: z.object({ id: z.string(), code: z.string().optional(), city: z.string().optional() }).optional(),
    billingMode: z.string().optional(),
    dataSharingEnabled: z.boolean().optional(),
    analysisPriority: z.string().optional(),
    userTags: z.array(z.string()),
    technicalTags: z.array(z.string()),
    timeCreated: z.string().optional(),
    timeModified: z.string().optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    const p = await getProject(ctx.ica, projectId, ctx.signal);
    const information = p.information ?? undefined;
    return {
      structured: {
        id: p.id,
        name: p.name,
        ...(p.urn ? { urn: p.urn } : {}),
        ...(p.active !== undefined ? { active: p.active } : {}),
        ...(p.shortDescription ? { shortDescription: p.shortDescription } : {}),
        // `information` can be arbitrarily large (OpenAPI note); keep the head.
        ...(information
          ? { information: information.length > 2000 ? `${information.slice(0, 2000)}…` : information }
          : {}),
        ...(p.region ? { region: { id: p.region.id, code: p.region.code, city: p.region.cityName } } : {}),
        ...(p.billingMode ? { billingMode: p.billingMode } : {}),
        ...(p.dataSharingEnabled != null ? { dataSharingEnabled: p.dataSharingEnabled } : {}),
        ...(p.analysisPriority ? { analysisPriority: p.analysisPriority } : {}),
        userTags: p.tags?.userTags ?? [],
        technicalTags: p.tags?.technicalTags ?? [],
        timeCreated: p.timeCreated,
        timeModified: p.timeModified,
      },
      summary: `Project ${p.name} (${p.id}). Next: ica_list_analyses or ica_list_data with this projectId.`,
    };
  },
});

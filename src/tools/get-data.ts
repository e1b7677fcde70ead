import { z } from "zod";
import { findDataByPath, getProjectData, type IcaProjectData } from "../ica/api/data.js";
import { UserInputError } from "../ica/errors.js";
import { defineTool } from "../mcp/adapter.js";
import { dataItem } from "./list-data.js";
import { projectIdParam } from "./params.js";
import { GET_PROJECT_DATA, identified, isRecord, text, texts, unusable } from "./values.js";

const TAGS = 20;

export const getDataTool = defineTool({
  name: "ica_get_data",
  title: "Get one project file or folder",
  description:
    'One file or folder by dataId or by full path (e.g. "/fastq/S1_R1.fastq.gz"; give one of the two): id, name, path, type, size, status, format, tags, dates.',
  inputSchema: {
    projectId: projectIdParam.optional(),
    dataId: z.string().min(1).max(255).optional().describe('Data id ("fil.…"/"fol.…") from ica_list_data.'),
    path: z.string().min(1).max(4000).optional().describe('Full path, e.g. "/fastq/S1_R1.fastq.gz".'),
  },
  outputSchema: {
    id: z.string(),
    name: z.string().optional(),
    path: z.string().optional().describe("Absent when ICA gave no path."),
    type: z.enum(["FILE", "FOLDER"]).optional().describe("Absent when ICA gave no (known) type."),
    sizeBytes: z.number().optional(),
    status: z.string().optional(),
    format: z.string().optional(),
    formatDescription: z.string().optional(),
    urn: z.string().optional(),
    owningProjectId: z.string().optional(),
    userTags: z.array(z.string()),
    technicalTags: z.array(z.string()),
    timeCreated: z.string().optional(),
    timeModified: z.string().optional(),
    willBeArchivedAt: z.string().optional(),
    willBeDeletedAt: z.string().optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    if ((args.dataId === undefined) === (args.path === undefined)) {
      throw new UserInputError(
        "pass exactly one of dataId and path",
        'use dataId from ica_list_data, or a full path like "/fastq/S1_R1.fastq.gz".',
      );
    }
    let found: IcaProjectData;
    if (args.dataId !== undefined) {
      found = await getProjectData(ctx.ica, projectId, args.dataId, ctx.signal);
      if (!isRecord(found) || !isRecord(found.data))
        throw unusable(GET_PROJECT_DATA, "it holds no data object");
      identified(found.data, GET_PROJECT_DATA, "data object");
    } else {
      const path = args.path!;
      if (!path.startsWith("/")) {
        throw new UserInputError(
          `path must be a full project path starting with "/" (e.g. "/fastq/S1.fastq.gz")`,
        );
      }
      const hit = await findDataByPath(ctx.ica, projectId, path, ctx.signal);
      if (!hit) {
        const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
        const parent = trimmed.slice(0, trimmed.lastIndexOf("/") + 1) || "/";
        throw new UserInputError(
          `nothing at path ${path} in project ${projectId}`,
          `browse the parent folder with ica_list_data parentFolderPath="${parent}", or search by name with ica_list_data filename.`,
        );
      }
      found = hit;
    }
    const item = dataItem(found);
    const det = isRecord(found.data.details) ? found.data.details : undefined;
    // Tag lists may hold nulls (the document allows them): keep the tags, drop the nulls.
    const tags = (list: unknown) => texts(list).slice(0, TAGS);
    const fields = {
      formatDescription: text(det?.format?.description)?.slice(0, 200),
      urn: text(found.data.urn),
      owningProjectId: text(det?.owningProjectId),
      timeCreated: text(det?.timeCreated),
      timeModified: text(det?.timeModified),
      willBeArchivedAt: text(det?.willBeArchivedAt),
      willBeDeletedAt: text(det?.willBeDeletedAt),
    };
    const given = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    const where = item.path ?? `(path unknown, id ${item.id})`;
    let summary: string;
    if (item.type === "FOLDER") {
      summary = `Folder ${where} (${item.id}). Next: ${item.path ? `list it with ica_list_data parentFolderPath="${item.path}"` : "find it by name with ica_list_data filename"}.`;
    } else if (item.type === "FILE") {
      summary = `File ${where} (${item.id}, ${item.status ?? "status unknown"}). Next: ica_create_download_url with dataId="${item.id}", or use the id as an analysis input.`;
    } else {
      summary = `Data ${item.id} at ${where}: ICA did not say whether it is a file or a folder.`;
    }
    return {
      structured: {
        ...item,
        ...given,
        userTags: tags(det?.tags?.userTags),
        technicalTags: tags(det?.tags?.technicalTags),
      },
      summary,
    };
  },
});

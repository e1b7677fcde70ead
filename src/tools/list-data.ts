import { z } from "zod";
import { DATA_SORT_FIELDS, dataFullPath, type IcaProjectData, listProjectData } from "../ica/api/data.js";
import { UserInputError } from "../ica/errors.js";
import { planPaging } from "../ica/paging.js";
import { defineTool } from "../mcp/adapter.js";
import { columnar } from "./columnar.js";
import { afterCut, continuationHint, pageOutput, pagingOutputShape } from "./paging.js";
import {
  pageOffsetParam,
  pageSizeParam,
  pageTokenParam,
  pagingModeParam,
  projectIdParam,
  sortParam,
} from "./params.js";

const DATA_STATUSES = ["PARTIAL", "AVAILABLE", "ARCHIVING", "ARCHIVED", "UNARCHIVING", "DELETING"] as const;

export const dataItemShape = z.object({
  id: z.string(),
  name: z.string(),
  path: z.string(),
  type: z.enum(["FILE", "FOLDER"]),
  sizeBytes: z.number().optional(),
  status: z.string().optional(),
  format: z.string().optional(),
});

export const dataTable = columnar(dataItemShape.shape);

export function dataItem(d: IcaProjectData): z.input<typeof dataItemShape> {
  const det = d.data.details;
  const type = det?.dataType === "FOLDER" ? "FOLDER" : "FILE";
  return {
    id: d.data.id,
    name: det?.name ?? d.data.id,
    path: dataFullPath(d.data),
    type,
    ...(type === "FILE" && typeof det?.fileSizeInBytes === "number"
      ? { sizeBytes: det.fileSizeInBytes }
      : {}),
    ...(det?.status ? { status: det.status } : {}),
    ...(det?.format?.code ? { format: det.format.code } : {}),
  };
}

/** "/fastq/run1" -> "/fastq/run1/"; an input error when it does not start with "/". */
export function folderPath(value: string, field: string): string {
  if (!value.startsWith("/")) {
    throw new UserInputError(
      `${field} must be a full folder path starting with "/" (e.g. "/fastq/"); "/" is the project root`,
    );
  }
  return value.endsWith("/") ? value : `${value}/`;
}

export const listDataTool = defineTool({
  name: "ica_list_data",
  title: "List project files and folders",
  description:
    'Browses a project\'s files and folders: the items directly in parentFolderPath ("/" = root), or a search by filename. Returns id, name, path, type, size, status, format (ids for launches, samples, downloads). Cursor paging; sort means offset.',
  inputSchema: {
    projectId: projectIdParam.optional(),
    parentFolderPath: z.string().min(1).max(4000).optional().describe('Folder path, e.g. "/fastq/run1/".'),
    filename: z.string().min(1).max(255).optional().describe('Name to look for, e.g. a sample id or ".bam".'),
    filenameMatchMode: z
      .enum(["FUZZY", "EXACT", "EXCLUDE"])
      .optional()
      .describe("FUZZY (default), EXACT or EXCLUDE."),
    type: z.enum(["FILE", "FOLDER"]).optional().describe("Only files or only folders."),
    status: z.array(z.enum(DATA_STATUSES)).min(1).max(6).optional().describe("Only these statuses."),
    formatCode: z
      .array(z.string().min(1).max(50))
      .min(1)
      .max(20)
      .optional()
      .describe('Only these formats, e.g. ["FASTQ"].'),
    pageSize: pageSizeParam(50, 200).optional(),
    pageToken: pageTokenParam.optional(),
    pageOffset: pageOffsetParam.optional(),
    sort: sortParam(DATA_SORT_FIELDS).optional(),
    paging: pagingModeParam.optional(),
  },
  outputSchema: {
    items: dataTable.schema,
    ...pagingOutputShape,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    if (args.filenameMatchMode && !args.filename) {
      throw new UserInputError(
        "filenameMatchMode needs filename: pass the name to match, or drop filenameMatchMode",
      );
    }
    const parent =
      args.parentFolderPath === undefined ? undefined : folderPath(args.parentFolderPath, "parentFolderPath");
    const plan = planPaging(args, { sortFields: DATA_SORT_FIELDS, defaultPageSize: 50, maxPageSize: 200 });
    const page = await listProjectData(
      ctx.ica,
      projectId,
      {
        ...(parent ? { parentFolderPath: parent } : {}),
        ...(args.filename
          ? { filename: [args.filename], filenameMatchMode: args.filenameMatchMode ?? "FUZZY" }
          : {}),
        ...(args.type ? { type: args.type } : {}),
        ...(args.status ? { status: args.status } : {}),
        ...(args.formatCode ? { formatCode: args.formatCode } : {}),
      },
      plan,
      ctx.signal,
    );
    const { table, cut } = dataTable.fit(page.items.map(dataItem));
    const paging = afterCut(pageOutput(plan, page), cut, table.rows.length, plan.pageOffset);
    const shown = table.rows.length;
    const where = parent ? ` in ${parent}` : "";
    const empty =
      shown === 0 && parent && parent !== "/" && !plan.pageToken && !plan.pageOffset
        ? ` The folder is empty or does not exist: browse from parentFolderPath="/".`
        : "";
    return {
      structured: { items: table, ...paging },
      summary: `${shown} item(s)${where}.${empty} ${continuationHint(paging, plan.sort)} Next: ica_get_data for one item, ica_create_download_url for a file.`,
    };
  },
});

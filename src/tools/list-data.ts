import { z } from "zod";
import {
  DATA_SORT_FIELDS,
  dataFullPath,
  type IcaData,
  type IcaProjectData,
  listProjectData,
} from "../ica/api/data.js";
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
import { dataType, finite, isRecord, records, text } from "./values.js";

const DATA_STATUSES = ["PARTIAL", "AVAILABLE", "ARCHIVING", "ARCHIVED", "UNARCHIVING", "DELETING"] as const;

export const dataItemShape = z.object({
  id: z.string(),
  name: z.string().optional(),
  path: z.string().optional().describe("Absent when ICA gave no path."),
  type: z.enum(["FILE", "FOLDER"]).optional().describe("Absent when ICA gave no (known) type."),
  sizeBytes: z.number().optional(),
  status: z.string().optional(),
  format: z.string().optional(),
});

export const dataTable = columnar(dataItemShape.shape);

/**
 * The full path of a data item, or undefined when ICA gave no path or no name: the document lets `details`,
 * its `path` and the data type be absent or null, and a guessed "/" would send a model to the project root.
 */
export function knownDataPath(d: IcaData): string | undefined {
  const det = isRecord(d.details) ? d.details : undefined;
  if (!det || !text(det.path) || !text(det.name) || !dataType(det.dataType)) return undefined;
  return dataFullPath(d);
}

export function dataItem(d: IcaProjectData): z.input<typeof dataItemShape> {
  const det = isRecord(d.data.details) ? d.data.details : undefined;
  const type = dataType(det?.dataType);
  const path = knownDataPath(d.data);
  const size = finite(det?.fileSizeInBytes);
  return {
    id: d.data.id,
    ...(text(det?.name) ? { name: det!.name } : {}),
    ...(path ? { path } : {}),
    ...(type ? { type } : {}),
    ...(type !== "FOLDER" && size !== undefined ? { sizeBytes: size } : {}),
    ...(text(det?.status) ? { status: det!.status } : {}),
    ...(text(det?.format?.code) ? { format: det!.format!.code } : {}),
  };
}

/** The data items of a listing, without null entries or entries that carry no id. */
export function dataItems(list: readonly (IcaProjectData | null)[]): z.input<typeof dataItemShape>[] {
  return records(list)
    .filter((pd) => isRecord(pd.data) && text(pd.data.id))
    .map(dataItem);
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
    const { table, cut } = dataTable.fit(dataItems(page.items));
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

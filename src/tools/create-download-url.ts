import { z } from "zod";
import { createDownloadUrl, dataFullPath, getProjectData } from "../ica/api/data.js";
import { UserInputError } from "../ica/errors.js";
import { defineTool } from "../mcp/adapter.js";
import { dataItem } from "./list-data.js";
import { projectIdParam } from "./params.js";
import { GET_PROJECT_DATA, identified, isRecord, unusable } from "./values.js";

/** Seconds the URL stays valid, read from a SigV4 presigned URL (X-Amz-Expires); undefined when absent. */
function expiresInSeconds(url: string): number | undefined {
  try {
    const v = new URL(url).searchParams.get("X-Amz-Expires");
    return v !== null && /^\d+$/.test(v) ? Number(v) : undefined;
  } catch {
    return undefined;
  }
}

export const createDownloadUrlTool = defineTool({
  name: "ica_create_download_url",
  title: "Get a file's download URL",
  description:
    "A temporary presigned URL for one project file (not a folder), with its path and size. Changes nothing in ICA. The URL grants access until it expires: give it only to the user.",
  inputSchema: {
    projectId: projectIdParam.optional(),
    dataId: z.string().min(1).max(255).describe('File id ("fil.…") from ica_list_data or ica_get_data.'),
  },
  outputSchema: {
    url: z.string(),
    expiresInSeconds: z.number().optional(),
    file: z.object({
      id: z.string(),
      name: z.string().optional(),
      path: z.string().optional(),
      sizeBytes: z.number().optional(),
      status: z.string().optional(),
    }),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    const data = await getProjectData(ctx.ica, projectId, args.dataId, ctx.signal);
    if (!isRecord(data) || !isRecord(data.data)) throw unusable(GET_PROJECT_DATA, "it holds no data object");
    identified(data.data, GET_PROJECT_DATA, "data object");
    if (data.data.details?.dataType === "FOLDER") {
      const path = dataFullPath(data.data);
      throw new UserInputError(
        `${args.dataId} is the folder ${path}; download URLs exist only for files`,
        `list its files with ica_list_data parentFolderPath="${path}" and ask for a URL per file.`,
      );
    }
    const url = await createDownloadUrl(ctx.ica, projectId, args.dataId, ctx.signal);
    const item = dataItem(data);
    const expires = expiresInSeconds(url);
    return {
      structured: {
        url,
        ...(expires !== undefined ? { expiresInSeconds: expires } : {}),
        file: {
          id: item.id,
          ...(item.name ? { name: item.name } : {}),
          ...(item.path ? { path: item.path } : {}),
          ...(item.sizeBytes !== undefined ? { sizeBytes: item.sizeBytes } : {}),
          ...(item.status ? { status: item.status } : {}),
        },
      },
      summary: `Download URL for ${item.path ?? item.name ?? item.id}${expires !== undefined ? `, valid for ${Math.round(expires / 60)} min` : ""}. It grants access to the file: share it only with the user.`,
    };
  },
});

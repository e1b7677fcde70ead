import { z } from "zod";

/** Shared parameter schemas: each says where its value comes from. */

export const projectIdParam = z
  .string()
  .min(1)
  .max(100)
  .describe("Project id (UUID) from ica_list_projects. Optional when the server has ICA_PROJECT_ID.");

export const pageTokenParam = z
  .string()
  .min(1)
  .max(2000)
  .describe("Cursor from a previous result's nextPageToken, to fetch the next page (cursor paging).");

export const pageOffsetParam = z
  .number()
  .int()
  .min(0)
  .describe(
    "Rows to skip (offset paging, from 0; ICA stops offset paging at 200,000 rows). Implies offset paging.",
  );

export const pagingModeParam = z
  .enum(["cursor", "offset"])
  .describe(
    "Paging style. Default: cursor (fast, complete, unsorted) unless sort or pageOffset is given, which means offset.",
  );

export function pageSizeParam(defaultSize: number, max: number) {
  return z.number().int().min(1).max(max).describe(`Rows per page, 1-${max} (default ${defaultSize}).`);
}

export function sortParam(fields: readonly string[]) {
  return z
    .string()
    .min(1)
    .max(200)
    .describe(
      `Sort (offset paging only): field[ desc], comma-separated. Fields: ${fields.join(", ")}. Example: "${fields[0]} desc".`,
    );
}

export const tagListParam = z.array(z.string().min(1).max(255)).max(20);

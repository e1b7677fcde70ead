import { z } from "zod";

/**
 * Shared parameter schemas: each says where its value comes from. Kept terse on purpose: every word here
 * is repeated in tools/list for every listing tool, in every conversation.
 */

export const projectIdParam = z
  .string()
  .min(1)
  .max(100)
  .describe("From ica_list_projects; default ICA_PROJECT_ID.");

export const analysisIdParam = z
  .string()
  .min(1)
  .max(100)
  .describe("Id from ica_list_analyses (not the reference).");

export const pipelineIdParam = z
  .string()
  .min(1)
  .max(100)
  .describe("Pipeline id from ica_list_pipelines (or give pipelineCode).");

export const pipelineCodeParam = z
  .string()
  .min(1)
  .max(255)
  .describe("Pipeline code from ica_list_pipelines.");

export const pageTokenParam = z.string().min(1).max(2000).describe("nextPageToken of the previous result.");

export const pageOffsetParam = z
  .number()
  .int()
  .min(0)
  .max(1_000_000_000)
  .describe("Offset paging: rows to skip (ICA stops at 200,000).");

export const pagingModeParam = z.enum(["cursor", "offset"]).describe("Force cursor or offset paging.");

export function pageSizeParam(defaultSize: number, max: number) {
  return z.number().int().min(1).max(max).describe(`Default ${defaultSize}.`);
}

export function sortParam(fields: readonly string[]) {
  return z
    .string()
    .min(1)
    .max(200)
    .describe(`Offset paging only. "field[ desc],..." of: ${fields.join(", ")}.`);
}

export const tagListParam = z.array(z.string().min(1).max(255)).max(20);

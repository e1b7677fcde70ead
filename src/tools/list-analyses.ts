import { z } from "zod";
import {
  ANALYSIS_SORT_FIELDS,
  type AnalysisStatus,
  type IcaAnalysis,
  parseAnalysisStatuses,
  searchAnalyses,
} from "../ica/api/analyses.js";
import { UserInputError } from "../ica/errors.js";
import { collectPages, type PagingPlan, planPaging } from "../ica/paging.js";
import { defineTool } from "../mcp/adapter.js";
import {
  collectedOutput,
  continuationHint,
  type PagingOutput,
  pageOutput,
  pagingOutputShape,
} from "./paging.js";
import {
  pageOffsetParam,
  pageSizeParam,
  pageTokenParam,
  pagingModeParam,
  projectIdParam,
  sortParam,
  tagListParam,
} from "./params.js";

/**
 * Analyses one result holds at most, whatever pageSize or maxItems say: items are ~270 bytes of JSON, so a
 * full result is ~27 KB (well under 10k tokens).
 */
export const MAX_COLLECTED_ANALYSES = 100;
const MAX_ITEMS_PARAM = 500;
const AUTO_PAGE_SIZE = 50;

export const analysisItemShape = z.object({
  id: z.string(),
  reference: z.string(),
  userReference: z.string(),
  status: z.string().describe("v4 spelling, e.g. IN_PROGRESS, FAILED_FINAL."),
  pipelineCode: z.string().optional(),
  startDate: z.string().optional(),
  endDate: z.string().optional(),
});

export function analysisItem(a: IcaAnalysis): z.input<typeof analysisItemShape> {
  return {
    id: a.id,
    reference: a.reference,
    userReference: a.userReference,
    status: a.status,
    ...(a.pipeline?.code ? { pipelineCode: a.pipeline.code } : {}),
    ...(a.startDate ? { startDate: a.startDate } : {}),
    ...(a.endDate ? { endDate: a.endDate } : {}),
  };
}

function countByStatus(items: { status: string }[]): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.status, (counts.get(i.status) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
}

export const listAnalysesTool = defineTool({
  name: "ica_list_analyses",
  title: "List ICA analyses",
  description:
    "Lists a project's analyses: id, reference, userReference, status, pipeline code, dates. Then: ica_get_analysis_steps (why it failed) or ica_get_analysis_outputs. Cursor paging; sort means offset. maxItems collects pages (at most 100 per call).",
  inputSchema: {
    projectId: projectIdParam.optional(),
    status: z
      .array(z.string().min(1).max(40))
      .min(1)
      .max(12)
      .optional()
      .describe(
        "Any of these statuses, e.g. FAILED, FAILED_FINAL, IN_PROGRESS, SUCCEEDED, ABORTED, QUEUED, AWAITING_INPUT (v3 spellings such as INPROGRESS work too).",
      ),
    userReference: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe("User reference (the name given at launch)."),
    reference: z.string().min(1).max(255).optional().describe("Analysis reference (ICA's unique name)."),
    userTags: tagListParam.optional().describe("Only analyses with all these user tags."),
    technicalTags: tagListParam.optional().describe("Only analyses with all these technical tags."),
    pageSize: pageSizeParam(25, 1000)
      .optional()
      .describe(
        `1-1000, default 25 (${AUTO_PAGE_SIZE} with maxItems); a result holds at most ${MAX_COLLECTED_ANALYSES}.`,
      ),
    pageToken: pageTokenParam.optional(),
    pageOffset: pageOffsetParam.optional(),
    sort: sortParam(ANALYSIS_SORT_FIELDS).optional(),
    paging: pagingModeParam.optional(),
    maxItems: z
      .number()
      .int()
      .min(1)
      .max(MAX_ITEMS_PARAM)
      .optional()
      .describe(
        `Collect up to this many across pages in one call (at most ${MAX_COLLECTED_ANALYSES} returned).`,
      ),
  },
  outputSchema: {
    items: z.array(analysisItemShape),
    ...pagingOutputShape,
    truncated: z
      .boolean()
      .optional()
      .describe(
        "With maxItems: true when more analyses remain (continue from nextPageToken or nextPageOffset).",
      ),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    const problems: string[] = [];
    let statuses: AnalysisStatus[] | undefined;
    let plan: PagingPlan | undefined;
    try {
      if (args.status) statuses = parseAnalysisStatuses(args.status);
    } catch (err) {
      problems.push(...(err as UserInputError).problems);
    }
    const auto = args.maxItems !== undefined;
    const limit = Math.min(args.maxItems ?? MAX_COLLECTED_ANALYSES, MAX_COLLECTED_ANALYSES);
    try {
      plan = planPaging(
        {
          ...args,
          pageSize: Math.min(args.pageSize ?? (auto ? AUTO_PAGE_SIZE : 25), MAX_COLLECTED_ANALYSES),
        },
        { sortFields: ANALYSIS_SORT_FIELDS, defaultPageSize: 25, maxPageSize: 1000 },
      );
    } catch (err) {
      problems.push(...(err as UserInputError).problems);
    }
    if (problems.length > 0 || !plan) throw new UserInputError(problems);

    const filters = {
      status: statuses,
      reference: args.reference,
      userReference: args.userReference,
      userTags: args.userTags,
      technicalTags: args.technicalTags,
    };
    const fetchPage = (p: PagingPlan) => searchAnalyses(ctx.ica, projectId, filters, p, ctx.signal);
    const filterText = statuses ? ` (${statuses.join("/")})` : "";
    const capNote =
      (args.pageSize ?? 0) > MAX_COLLECTED_ANALYSES
        ? ` (pageSize ${args.pageSize} was fetched as ${MAX_COLLECTED_ANALYSES}: one result holds at most ${MAX_COLLECTED_ANALYSES})`
        : "";

    if (!auto) {
      const page = await fetchPage(plan);
      const paging = pageOutput(plan, page);
      const items = page.items.map(analysisItem);
      const counts = items.length > 0 ? ` [${countByStatus(items)}]` : "";
      return {
        structured: { items, ...paging },
        summary: `${items.length} analyses${filterText}${counts}.${capNote} ${continuationHint(paging, plan.sort)}`,
      };
    }

    const collected = await collectPages(plan, fetchPage, {
      maxItems: limit,
      signal: ctx.signal,
      concurrency: 4,
      onProgress: (done, total) => {
        void ctx.progress(
          done,
          total,
          `collected ${done}${total !== undefined ? ` of ${total}` : ""} analyses`,
        );
      },
    });
    const paging: PagingOutput = collectedOutput(collected);
    let items = collected.items.map(analysisItem);
    let removed = 0;
    if (collected.mode === "offset") {
      // Offset paging "does not guarantee unique results across pages" (ICA guide): drop rows seen twice.
      const seen = new Set<string>();
      items = items.filter((i) => {
        if (seen.has(i.id)) return false;
        seen.add(i.id);
        return true;
      });
      removed = collected.items.length - items.length;
    }
    const parts = [
      `Collected ${items.length} analyses${filterText} in ${collected.pages} request(s)${items.length > 0 ? ` [${countByStatus(items)}]` : ""}.`,
    ];
    if (removed > 0) parts.push(`${removed} duplicate row(s) from offset paging were dropped.`);
    if (collected.truncated) {
      const capped =
        args.maxItems !== undefined && args.maxItems > MAX_COLLECTED_ANALYSES
          ? ` (one call returns at most ${MAX_COLLECTED_ANALYSES})`
          : "";
      parts.push(
        `Truncated${capped}: ${continuationHint(paging, plan.sort)} Keep maxItems to collect the next batch.`,
      );
    } else {
      parts.push("That is all of them.");
    }
    return {
      structured: { items, ...paging, truncated: collected.truncated },
      summary: parts.join(" "),
    };
  },
});

/** @deprecated moved to params.ts; re-exported so tools written against the old place still build. */
export { analysisIdParam } from "./params.js";

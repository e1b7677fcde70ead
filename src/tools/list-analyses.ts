import { z } from "zod";
import {
  ANALYSIS_SORT_FIELDS,
  type AnalysisStatus,
  type IcaAnalysis,
  parseAnalysisStatuses,
  searchAnalyses,
} from "../ica/api/analyses.js";
import { UserInputError } from "../ica/errors.js";
import { abnormalStop, collectPages, type PagingPlan, planPaging, stopNote } from "../ica/paging.js";
import { defineTool } from "../mcp/adapter.js";
import { columnar } from "./columnar.js";
import { listWindow, planWindow } from "./diagnosis/list-window.js";
import { sinceParam, untilParam } from "./diagnosis/window.js";
import {
  afterCut,
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
 * Analyses one result holds at most (pageSize and maxItems accept no more). A row is under 200 bytes of
 * JSON, so even a full result stays under MAX_TEXT_CHARS (test/list-bounds.test.ts checks the largest).
 */
export const MAX_COLLECTED_ANALYSES = 300;
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
export const analysisTable = columnar(analysisItemShape.shape);

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

/** Analyses per status, most frequent first (the same breakdown the summary line shows). */
function statusCounts(items: { status: string }[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.status, (counts.get(i.status) ?? 0) + 1);
  return Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1]));
}

function countsText(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([s, n]) => `${n} ${s}`);
  return parts.length > 0 ? ` [${parts.join(", ")}]` : "";
}

export const listAnalysesTool = defineTool({
  name: "ica_list_analyses",
  title: "List ICA analyses",
  description:
    "Lists a project's analyses: id, reference, userReference, status, pipeline code, dates. Then: ica_get_analysis_steps (why it failed) or ica_get_analysis_outputs. Cursor paging; sort means offset. maxItems collects pages (up to 300 per call).",
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
    since: sinceParam
      .optional()
      .describe("Started at/after (YYYY-MM-DD or ISO); implies sort startDate desc."),
    until: untilParam.optional(),
    pageSize: pageSizeParam(25, MAX_COLLECTED_ANALYSES)
      .optional()
      .describe(`Default 25 (${AUTO_PAGE_SIZE} per request with maxItems).`),
    pageToken: pageTokenParam.optional(),
    pageOffset: pageOffsetParam.optional(),
    sort: sortParam(ANALYSIS_SORT_FIELDS).optional(),
    paging: pagingModeParam.optional(),
    maxItems: z
      .number()
      .int()
      .min(1)
      .max(MAX_COLLECTED_ANALYSES)
      .optional()
      .describe("Collect up to this many across pages in one call."),
  },
  outputSchema: {
    items: analysisTable.schema,
    statusCounts: z.record(z.string(), z.number()).describe("Analyses in this result per status."),
    ...pagingOutputShape,
    truncated: z
      .boolean()
      .optional()
      .describe(
        "With maxItems: true when more analyses remain (continue from nextPageToken or nextPageOffset).",
      ),
    stopped: z
      .string()
      .optional()
      .describe("Why paging stopped before ICA's list ended (cursor-repeated, empty-page, page-bound)."),
    duplicatesDropped: z.number().optional().describe("Rows offset paging returned twice, left out."),
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
    const limit = args.maxItems ?? MAX_COLLECTED_ANALYSES;
    const windowed = args.since !== undefined || args.until !== undefined;
    const window = windowed ? planWindow(args, problems) : undefined;
    try {
      plan = planPaging(
        { ...args, pageSize: args.pageSize ?? (auto ? AUTO_PAGE_SIZE : 25) },
        { sortFields: ANALYSIS_SORT_FIELDS, defaultPageSize: 25, maxPageSize: MAX_COLLECTED_ANALYSES },
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
    const fetchPage = (p: PagingPlan, signal = ctx.signal) =>
      searchAnalyses(ctx.ica, projectId, filters, p, signal);
    const filterText = statuses ? ` (${statuses.join("/")})` : "";
    if (window) {
      const w = await listWindow(ctx, projectId, filters, window, args, limit, filterText);
      const items = w.items.map(analysisItem);
      const { table, cut } = analysisTable.fit(items);
      const counts = statusCounts(items.slice(0, table.rows.length));
      if (table.rows.length > 0) w.summaryParts.splice(1, 0, countsText(counts).trim());
      let paging: PagingOutput = w.paging;
      if (cut > 0) {
        // Rows outside the window were skipped, so no offset continues exactly after the shown ones: narrow until.
        const { nextPageOffset: _n, ...rest } = paging as PagingOutput & { nextPageOffset?: number };
        paging = { ...rest, rowsCut: cut } as PagingOutput;
        const last = table.rows.length > 0 ? items[table.rows.length - 1]?.startDate : undefined;
        w.summaryParts.push(
          `${cut} row(s) did not fit in one result${last ? `: call again with until="${last}"` : ": narrow the window"}.`,
        );
      }
      return {
        structured: { items: table, statusCounts: counts, ...paging, truncated: w.truncated || cut > 0 },
        summary: w.summaryParts.join(" "),
      };
    }

    if (!auto) {
      const page = await fetchPage(plan);
      // A page never holds more than asked for, even from an ICA that ignores pageSize.
      const items = page.items.slice(0, plan.pageSize).map(analysisItem);
      const { table, cut } = analysisTable.fit(items);
      const paging = afterCut(pageOutput(plan, page), cut, table.rows.length, plan.pageOffset);
      const counts = statusCounts(items.slice(0, table.rows.length));
      return {
        structured: { items: table, statusCounts: counts, ...paging },
        summary: `${table.rows.length} analyses${filterText}${countsText(counts)}. ${continuationHint(paging, plan.sort)}`,
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
    let paging: PagingOutput = collectedOutput(collected);
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
    const { table, cut } = analysisTable.fit(items.slice(0, limit));
    paging = afterCut(paging, cut, table.rows.length, plan.pageOffset);
    const counts = statusCounts(items.slice(0, table.rows.length));
    const parts = [
      `Collected ${table.rows.length} analyses${filterText} in ${collected.pages} request(s)${countsText(counts)}.`,
    ];
    if (removed > 0) parts.push(`${removed} duplicate row(s) from offset paging were dropped.`);
    const stopped = stopNote(collected);
    if (stopped) parts.push(`Stopped early: ${stopped}`);
    if (cut > 0) {
      parts.push(`Truncated: ${continuationHint(paging, plan.sort)}`);
    } else if (collected.truncated) {
      parts.push(
        `Truncated: ${continuationHint(paging, plan.sort)} Keep maxItems to collect the next batch.`,
      );
    } else {
      parts.push("That is all of them.");
    }
    return {
      structured: {
        items: table,
        statusCounts: counts,
        ...paging,
        truncated: collected.truncated || cut > 0,
        ...(removed > 0 ? { duplicatesDropped: removed } : {}),
        ...(stopped ? { stopped: abnormalStop(collected) } : {}),
      },
      summary: parts.join(" "),
    };
  },
});

/** @deprecated moved to params.ts; re-exported so tools written against the old place still build. */
export { analysisIdParam } from "./params.js";

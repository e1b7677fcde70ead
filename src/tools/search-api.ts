import { z } from "zod";
import { describeOperation, type OperationBrief } from "../ica/openapi/brief.js";
import { getCatalogue } from "../ica/openapi/document.js";
import { scopeNote } from "../ica/openapi/scope.js";
import { searchOperations } from "../ica/openapi/search.js";
import { defineTool } from "../mcp/adapter.js";
import { columnar } from "./columnar.js";

/** Results stay far below the 25k-token limit: descriptions are dropped first when matches are large. */
const MAX_RESULT_CHARS = 30_000;

/** Parameters and body fields are lists too: columnar inside each match. */
const parameterTable = columnar({
  name: z.string(),
  in: z.string(),
  required: z.boolean(),
  type: z.string(),
  description: z.string().optional(),
});
const propertyTable = columnar({
  name: z.string(),
  type: z.string(),
  required: z.boolean(),
  description: z.string().optional(),
});

const matchTable = columnar({
  operationId: z.string(),
  method: z.string(),
  path: z.string(),
  summary: z.string(),
  tag: z.string().optional(),
  changesData: z.boolean(),
  deprecated: z.boolean().optional(),
  replacedBy: z.array(z.string()).optional(),
  replacementNote: z.string().optional(),
  versions: z.array(z.string()).optional(),
  paging: z.string().optional(),
  sortable: z.array(z.string()).optional(),
  parameters: parameterTable.schema,
  moreParameters: z.number().optional(),
  body: z
    .object({
      required: z.boolean(),
      schema: z.string().optional(),
      properties: propertyTable.schema,
      more: z.number().optional(),
    })
    .optional(),
  idempotencyKey: z.boolean().optional(),
  notCallable: z.string().optional(),
  allowedProjects: z
    .string()
    .optional()
    .describe("With ICA_ALLOWED_PROJECTS: whether ica_call_api sends it, and what is checked first."),
});

/** One brief with its parameter and body-field lists as tables. */
function tabled(brief: OperationBrief & { allowedProjects?: string }) {
  const { parameters, body, ...rest } = brief;
  return {
    ...rest,
    parameters: parameterTable.table(parameters),
    ...(body ? { body: { ...body, properties: propertyTable.table(body.properties) } } : {}),
  };
}

export const searchApiTool = defineTool({
  name: "ica_search_api",
  title: "Search ICA's API operations",
  description:
    "Finds ICA REST operations (~300, from the instance's OpenAPI document) by keywords or operationId when no curated tool fits; call one with ica_call_api. Returns method, path, parameters, body fields, whether it changes data, replacements of deprecated ones.",
  inputSchema: {
    query: z.string().min(1).max(200).describe("A few words of what to do, or an operationId."),
    limit: z.number().int().min(1).max(10).optional().describe("1-10, default 5."),
  },
  outputSchema: {
    query: z.string(),
    matches: matchTable.schema,
    operations: z.number(),
    icaVersion: z.string().optional(),
    descriptionsDropped: z.boolean().optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const catalogue = await getCatalogue(ctx.ica, { signal: ctx.signal });
    const hits = searchOperations(catalogue, args.query, args.limit ?? 5);
    // With an allow-list, each match says whether ica_call_api will send it (and what it checks first).
    const scoped = (op: (typeof hits)[number]["op"], brief: OperationBrief) =>
      ctx.allowedProjects ? { ...brief, allowedProjects: scopeNote(op) } : brief;
    let briefs: OperationBrief[] = hits.map((h) => scoped(h.op, describeOperation(catalogue, h.op)));
    let descriptionsDropped = false;
    if (JSON.stringify(briefs.map(tabled)).length > MAX_RESULT_CHARS) {
      briefs = hits.map((h) => scoped(h.op, describeOperation(catalogue, h.op, { descriptions: false })));
      descriptionsDropped = true;
    }
    const structured = {
      query: args.query,
      matches: matchTable.table(briefs.map(tabled)),
      operations: catalogue.operations.length,
      ...(catalogue.version ? { icaVersion: catalogue.version } : {}),
      ...(descriptionsDropped ? { descriptionsDropped } : {}),
    };
    if (briefs.length === 0) {
      return {
        structured,
        summary: `No ICA operation matches "${args.query}". Next: try other words (the resource: analyses, data, pipelines, samples, projects…) or an operationId.`,
      };
    }
    const names = briefs.map((m) => `${m.operationId} (${m.method} ${m.path})`).join(", ");
    const readOnlyNote =
      (ctx.config.readOnly ? " Read-only mode: only changesData=false operations can be called." : "") +
      (ctx.allowedProjects
        ? " ICA_ALLOWED_PROJECTS: operations without a project in their path are refused, except getProjects (filtered) and getData/getJob/data-URN URLs once the owning project is checked (see allowedProjects per match)."
        : "");
    return {
      structured,
      summary: `${briefs.length} match(es) for "${args.query}": ${names}. Next: ica_call_api with operationId, path, query and body as listed; other words for other operations.${readOnlyNote}`,
    };
  },
});

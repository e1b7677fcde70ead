/**
 * Enum-like strings that ICA's OpenAPI document describes with an unanchored `pattern`
 * (e.g. `FAILED|FAILED_FINAL` accepts "FAILEDFINAL" because it contains "FAILED").
 * Each entry is checked exactly by the `x-ica-exact` keyword that preprocessing injects
 * into the property schema (into `items` for array properties).
 *
 * Loading fails loudly when an entry no longer resolves against the document, so the
 * table cannot silently rot when the spec is refreshed.
 */
export interface ExactEnum {
  schema: string;
  property: string;
  allowed: readonly string[];
}

export const ANALYSIS_V4_STATUSES = [
  "REQUESTED",
  "QUEUED",
  "INITIALIZING",
  "PREPARING_INPUTS",
  "IN_PROGRESS",
  "GENERATING_OUTPUTS",
  "AWAITING_INPUT",
  "ABORTING",
  "SUCCEEDED",
  "FAILED",
  "FAILED_FINAL",
  "ABORTED",
] as const;

const ACTION_ON_EXIST = ["OVERWRITE", "RENAME", "SKIP"] as const;

export const EXACT_ENUMS: readonly ExactEnum[] = [
  // The ones the MCP server depends on.
  { schema: "AnalysisV4", property: "status", allowed: ANALYSIS_V4_STATUSES },
  { schema: "WorkflowSessionV4", property: "status", allowed: ANALYSIS_V4_STATUSES },
  { schema: "AnalysisQueryParameters", property: "status", allowed: ANALYSIS_V4_STATUSES },
  { schema: "AnalysisV4", property: "analysisPriority", allowed: ["LOW", "MEDIUM", "HIGH"] },
  { schema: "AnalysisOutputMapping", property: "actionOnExist", allowed: ACTION_ON_EXIST },
  { schema: "AnalysisInputExternalData", property: "type", allowed: ["s3", "http", "basespace"] },
  // The other unanchored alternation patterns in the document (same defect, cheap to cover).
  { schema: "InputFormExternalData", property: "type", allowed: ["s3", "http", "basespace"] },
  { schema: "CreateProjectDataCopyBatch", property: "actionOnExist", allowed: ACTION_ON_EXIST },
  {
    schema: "ProjectDataMoveBatchItemQueryParameters",
    property: "status",
    allowed: ["QUEUED", "MOVING", "MOVED", "PARTIALLY_MOVED", "FAILED"],
  },
  {
    schema: "CreateProjectPermissionV4",
    property: "roleProject",
    allowed: ["NONE", "VIEWER", "CONTRIBUTOR", "ADMINISTRATOR", "DATA_PROVIDER"],
  },
  { schema: "CreateProjectPermissionV4", property: "roleFlow", allowed: ["NONE", "VIEWER", "CONTRIBUTOR"] },
  { schema: "CreateProjectPermissionV4", property: "roleBase", allowed: ["NONE", "VIEWER", "CONTRIBUTOR"] },
  {
    schema: "CreateProjectPermissionV4",
    property: "roleBench",
    allowed: ["NONE", "CONTRIBUTOR", "ADMINISTRATOR"],
  },
  { schema: "EventLogV4", property: "eventTypeCategory", allowed: ["ERROR", "WARN", "INFO"] },
  { schema: "EventLogQueryParametersV4", property: "category", allowed: ["ERROR", "WARN", "INFO"] },
];

/** Custom Ajv keyword name injected into the schemas listed above. */
export const EXACT_KEYWORD = "x-ica-exact";

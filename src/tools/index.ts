import type { AnyTool } from "../mcp/adapter.js";
import { abortAnalysisTool } from "./abort-analysis.js";
import { callApiTool } from "./call-api.js";
import { createDownloadUrlTool } from "./create-download-url.js";
import { createSampleBatchTool } from "./create-sample-batch.js";
import { createStorageCredentialsTool } from "./create-storage-credentials.js";
import { diagnoseAnalysisTool } from "./diagnose-analysis.js";
import { getAnalysisTool } from "./get-analysis.js";
import { getAnalysisOutputsTool } from "./get-analysis-outputs.js";
import { getAnalysisStepsTool } from "./get-analysis-steps.js";
import { getDataTool } from "./get-data.js";
import { getJobTool } from "./get-job.js";
import { getPipelineTool } from "./get-pipeline.js";
import { getProjectTool } from "./get-project.js";
import { listAnalysesTool } from "./list-analyses.js";
import { listAnalysisStoragesTool } from "./list-analysis-storages.js";
import { listDataTool } from "./list-data.js";
import { listPipelinesTool } from "./list-pipelines.js";
import { listProjectsTool } from "./list-projects.js";
import { listStorageCredentialsTool } from "./list-storage-credentials.js";
import { rotateStorageCredentialsTool } from "./rotate-storage-credentials.js";
import { searchApiTool } from "./search-api.js";
import { startAnalysisTool } from "./start-analysis.js";
import { summarizeAnalysesTool } from "./summarize-analyses.js";
import { waitForAnalysisTool } from "./wait-for-analysis.js";

/** Every curated tool, in the order tools/list shows them. Add a tool: one file, one line here. */
export const ALL_TOOLS: AnyTool[] = [
  listProjectsTool,
  getProjectTool,
  listStorageCredentialsTool,
  createStorageCredentialsTool,
  rotateStorageCredentialsTool,
  listDataTool,
  getDataTool,
  createSampleBatchTool,
  getJobTool,
  createDownloadUrlTool,
  listAnalysesTool,
  summarizeAnalysesTool,
  getAnalysisTool,
  getAnalysisStepsTool,
  diagnoseAnalysisTool,
  getAnalysisOutputsTool,
  abortAnalysisTool,
  waitForAnalysisTool,
  listPipelinesTool,
  getPipelineTool,
  listAnalysisStoragesTool,
  startAnalysisTool,
  searchApiTool,
  callApiTool,
];

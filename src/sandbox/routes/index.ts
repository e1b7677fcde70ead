/** Every sandbox route, one file per API area. */
import type { RouteDef } from "../context.js";
import { activationCodeRoutes } from "./activation-codes.js";
import { analysisRoutes } from "./analyses.js";
import { analysisBatchRoutes } from "./analysis-batch.js";
import { analysisCreateRoutes } from "./analysis-create.js";
import { dataRoutes } from "./data.js";
import { downloadRoutes } from "./downloads.js";
import { jobRoutes } from "./jobs.js";
import { pipelineRoutes } from "./pipelines.js";
import { projectRoutes } from "./projects.js";
import { referenceSetRoutes } from "./reference-sets.js";
import { sampleRoutes } from "./samples.js";
import { storageCredentialRoutes } from "./storage-credentials.js";
import { storageRoutes } from "./storages.js";
import { systemRoutes } from "./system.js";
import { tokenRoutes } from "./tokens.js";

export const allRoutes: RouteDef[] = [
  ...tokenRoutes,
  ...systemRoutes,
  ...projectRoutes,
  ...dataRoutes,
  ...storageCredentialRoutes,
  ...sampleRoutes,
  ...jobRoutes,
  ...analysisRoutes,
  ...downloadRoutes,
  ...pipelineRoutes,
  ...storageRoutes,
  ...activationCodeRoutes,
  ...analysisCreateRoutes,
  ...analysisBatchRoutes,
  ...referenceSetRoutes,
];

/** GET /api/jobs/{jobId} (getJob): a job of the caller's tenant, brought up to the sandbox's current time. */
import type { RouteDef } from "../context.js";
import { ProblemError } from "../problem.js";
import { refreshAnalysisBatch } from "./analysis-batch.js";
import { jobView, refreshSampleBatch } from "./samples.js";

export const jobRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/api/jobs/{jobId}",
    operationId: "getJob",
    produces: ["v3"],
    handler(ctx) {
      const job = ctx.state.jobs.get(ctx.params.jobId!);
      if (!job) {
        throw new ProblemError(404, "Not Found", `No job with id '${ctx.params.jobId}' exists`, {
          jobId: ctx.params.jobId!,
        });
      }
      if (job.subjectType === "SampleCreationBatch") {
        const batch = ctx.state.sampleBatches.get(job.subjectId);
        if (batch) refreshSampleBatch(ctx.state, batch);
      }
      if (job.subjectType === "AnalysisCreationBatch") {
        const batch = ctx.state.analysisBatches.get(job.subjectId);
        if (batch) refreshAnalysisBatch(ctx, batch);
      }
      return ctx.json(200, jobView(ctx.state, job));
    },
  },
];

import { getAnalysis } from "../ica/api/analyses.js";
import {
  buildCreateRequest,
  type CreateRequest,
  type IcaCreatedAnalysis,
  refusesDeprecatedCwl,
  sendCreate,
} from "../ica/api/launch.js";
import { IcaApiError, UserInputError } from "../ica/errors.js";
import { defineTool, type ToolContext } from "../mcp/adapter.js";
import { confirmedText, confirmStep, issueConfirmationToken, notConfirmedText } from "./launch/confirm.js";
import { estimateLaunchCost } from "./launch/estimate.js";
import { launchFacts, planText, projectName } from "./launch/plan.js";
import { type ResolvedLaunch, resolveLaunch } from "./launch/resolve.js";
import { startAnalysisInput, startAnalysisOutput } from "./launch/schema.js";
import { startAnalysisBatch } from "./start-analyses.js";

const MAX_SHOWN_PATHS = 50;
/** Launches this server made, per client: Idempotency-Key -> analysis id (bounded). */
const launched = new WeakMap<object, Map<string, string>>();
const MAX_REMEMBERED = 1000;
/** Statuses a just-created analysis may already show; anything later means it existed before this call. */
const FRESH = new Set(["REQUESTED", "QUEUED"]);

function remember(ctx: ToolContext, key: string, analysisId: string): void {
  let map = launched.get(ctx.ica);
  if (!map) {
    map = new Map();
    launched.set(ctx.ica, map);
  }
  if (map.size >= MAX_REMEMBERED) map.delete(map.keys().next().value!);
  map.set(key, analysisId);
}

function conflict(err: IcaApiError, r: ResolvedLaunch, req: CreateRequest): UserInputError {
  if (err.status === 409) {
    return new UserInputError(
      `ICA is still processing an identical launch of ${r.pipeline.code} "${r.spec.userReference}" (Idempotency-Key ${req.idempotencyKey}); nothing new was started`,
      `wait a few seconds and call again with the same arguments: ICA then returns that analysis instead of starting another (ica_list_analyses with userReference "${r.spec.userReference}" shows it).`,
    );
  }
  return new UserInputError(
    `ICA refused the launch: its Idempotency-Key ${req.idempotencyKey} was already used with a different request body, so nothing was started`,
    "call again with rerun: true to launch anew on purpose (a new key), or check ica_list_analyses for the analysis the first request started.",
  );
}

/** Sends the create call; CWL falls back to analysis:cwlWithStructuredInput when ICA refuses analysis:cwl. */
async function launch(
  r: ResolvedLaunch,
  ctx: ToolContext,
): Promise<{ analysis: IcaCreatedAnalysis; req: CreateRequest; notes: string[] }> {
  let req = r.request;
  const notes: string[] = [];
  try {
    try {
      return { analysis: await sendCreate(ctx.ica, r.projectId, req, ctx.signal), req, notes };
    } catch (err) {
      if (req.endpoint !== "analysis:cwl" || !refusesDeprecatedCwl(err)) throw err;
      const status = (err as IcaApiError).status;
      req = buildCreateRequest(
        r.language,
        r.projectId,
        r.spec,
        undefined,
        r.nonce,
        "analysis:cwlWithStructuredInput",
      );
      notes.push(
        `ICA refused the deprecated analysis:cwl (${status}); launched with analysis:cwlWithStructuredInput, which takes no activation code: ICA applies its own best match (expected ${r.activationCode.id}).`,
      );
      return { analysis: await sendCreate(ctx.ica, r.projectId, req, ctx.signal), req, notes };
    }
  } catch (err) {
    if (err instanceof IcaApiError && (err.status === 409 || err.status === 422)) throw conflict(err, r, req);
    throw err;
  }
}

export const startAnalysisTool = defineTool({
  name: "ica_start_analysis",
  title: "Start a pipeline (analysis)",
  description:
    "Starts a CWL or Nextflow pipeline (inputs and settings from ica_get_pipeline, data ids or paths from ica_list_data); items starts a batch. Storage defaults to the pipeline's, the activation code to ICA's best match. All problems are reported before anything starts. dryRun shows request, plan and cost estimate. A repeat returns the existing analysis; rerun launches anew.",
  inputSchema: startAnalysisInput,
  outputSchema: startAnalysisOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    if (args.items) return startAnalysisBatch(args, ctx);
    const r = await resolveLaunch(args, ctx);
    const shownPaths = r.resolvedPaths.slice(0, MAX_SHOWN_PATHS);
    const common = {
      resolved: {
        pipeline: { id: r.pipeline.id, code: r.pipeline.code, language: r.language },
        storage: r.storage,
        activationCode: r.activationCode,
      },
      ...(shownPaths.length > 0 ? { resolvedPaths: shownPaths } : {}),
      ...(r.defaultsUsed.length > 0 ? { defaultsUsed: r.defaultsUsed.slice(0, 100) } : {}),
    };
    const notes = [...r.notes];
    if (r.resolvedPaths.length > MAX_SHOWN_PATHS) {
      notes.push(`resolvedPaths shows ${MAX_SHOWN_PATHS} of ${r.resolvedPaths.length} paths`);
    }
    const [name, estimate] = await Promise.all([
      projectName(ctx, r.projectId),
      estimateLaunchCost(ctx, r.projectId, r.pipeline.id),
    ]);
    const plan = planText(launchFacts(r, name, estimate));
    // The token binds exactly what would be sent: a changed best-match code or data id changes it.
    const binding = { endpoint: r.request.endpoint, projectId: r.projectId, body: r.request.body };
    const planned = { plan, estimate };
    const resolvedText = `storage ${r.storage.name ?? r.storage.id} (${r.storage.source}), activation code ${r.activationCode.id}${r.activationCode.bundle ? ` (${r.activationCode.bundle})` : ""} (${r.activationCode.source})`;

    if (args.dryRun) {
      const media = `application/vnd.illumina.${r.request.version}+json`;
      return {
        structured: {
          outcome: "dry_run" as const,
          dryRun: true,
          ...common,
          ...planned,
          confirmationToken: issueConfirmationToken(ctx.config, "launch", binding),
          endpoint: r.request.display,
          idempotencyKey: r.request.idempotencyKey,
          headers: { "Content-Type": media, Accept: media, "Idempotency-Key": r.request.idempotencyKey },
          body: r.request.body,
          ...(notes.length > 0 ? { notes } : {}),
        },
        summary: `Dry run: nothing was started. Would send ${r.request.display} for ${r.pipeline.code} with ${resolvedText}. Next: show the plan to the user; to launch call again without dryRun (with confirmationToken to launch only this exact plan).`,
      };
    }

    const confirmation = await confirmStep(ctx, {
      kind: "launch",
      plan,
      binding,
      ...(args.confirmationToken ? { token: args.confirmationToken } : {}),
    });
    if (!confirmation.go) {
      return {
        structured: {
          outcome: confirmation.outcome,
          dryRun: false,
          ...common,
          ...planned,
          endpoint: r.request.display,
          idempotencyKey: r.request.idempotencyKey,
          ...(notes.length > 0 ? { notes } : {}),
        },
        summary: notConfirmedText(confirmation, "no analysis was started"),
      };
    }

    const sent = await launch(r, ctx);
    notes.push(...sent.notes);
    await ctx.progress(4, 4, "analysis created");
    // A replayed create returns the response stored with the first call, status included: read the current one.
    let status = sent.analysis.status;
    try {
      status = (await getAnalysis(ctx.ica, r.projectId, sent.analysis.id, ctx.signal)).status;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      notes.push(
        "the current status could not be read; the status shown is the one ICA returned at creation",
      );
    }
    // This server launched exactly this request before (the key of the endpoint that answered, fallback included).
    const known = launched.get(ctx.ica)?.get(sent.req.idempotencyKey);
    const existing = known === sent.analysis.id || !FRESH.has(status);
    remember(ctx, sent.req.idempotencyKey, sent.analysis.id);
    const a = sent.analysis;
    const analysis = { id: a.id, reference: a.reference, userReference: a.userReference, status };
    const structured = {
      outcome: existing ? ("existing" as const) : ("started" as const),
      dryRun: false,
      analysis,
      ...common,
      ...planned,
      confirmation: confirmedText(confirmation),
      endpoint: sent.req.display,
      idempotencyKey: sent.req.idempotencyKey,
      ...(notes.length > 0 ? { notes } : {}),
    };
    const next = `Next: ica_wait_for_analysis or ica_get_analysis with analysisId="${a.id}".`;
    if (existing) {
      return {
        structured,
        summary: `ICA returned the analysis stored for this exact request (idempotency), nothing new was started: ${a.userReference} (${a.id}), status ${status}. To launch again on purpose pass rerun: true. ${next}`,
      };
    }
    return {
      structured,
      summary: `Started ${r.pipeline.code} as ${a.userReference} (${a.id}, reference ${a.reference}), status ${status}, via ${sent.req.display}; ${resolvedText}. ${next}`,
    };
  },
});

import { getAnalysis } from "../ica/api/analyses.js";
import {
  buildCreateRequest,
  type CreateRequest,
  type ExistingLaunch,
  findExistingLaunch,
  type IcaCreatedAnalysis,
  isIdempotencyMismatch,
  refusesDeprecatedCwl,
  sendCreate,
} from "../ica/api/launch.js";
import { IcaApiError, UserInputError } from "../ica/errors.js";
import { defineTool, type ToolContext } from "../mcp/adapter.js";
import { confirmedText, confirmStep, issueConfirmationToken, notConfirmedText } from "./launch/confirm.js";
import { estimateLaunchCost } from "./launch/estimate.js";
import { launchKey, launchTag, refuseLaunchTags, rerunKey } from "./launch/key.js";
import { launchFacts, planText, projectName } from "./launch/plan.js";
import { type ResolvedLaunch, resolveLaunch } from "./launch/resolve.js";
import { resolvedPathTable, startAnalysisInput, startAnalysisOutput } from "./launch/schema.js";
import { startAnalysisBatch } from "./start-analyses.js";

const MAX_SHOWN_PATHS = 50;
/** Statuses a just-created analysis may already show; anything later means it existed before this call. */
const FRESH = new Set(["REQUESTED", "QUEUED"]);

interface Identity {
  key: string;
  tag: string;
  /** The Idempotency-Key sent: the launch key, or a fresh one for rerun. */
  idempotencyKey: string;
}

/** The result for a launch found by its tag: nothing was sent. */
function existingResult(found: ExistingLaunch, id: Identity, dryRun: boolean, why: string) {
  const notes =
    found.matches > 1
      ? [`${found.matches} analyses carry this launch's tag (reruns); the newest is shown`]
      : undefined;
  return {
    structured: {
      outcome: "existing" as const,
      dryRun,
      analysis: {
        id: found.id,
        ...(found.reference !== undefined ? { reference: found.reference } : {}),
        ...(found.userReference !== undefined ? { userReference: found.userReference } : {}),
        status: found.status,
      },
      idempotencyKey: id.idempotencyKey,
      launchTag: id.tag,
      ...(notes ? { notes } : {}),
    },
    summary: `${why}: an analysis for exactly this request exists already, found by its launch tag ${id.tag}; nothing was sent. ${found.userReference ?? "(no userReference)"} (${found.id}), status ${found.status}. To launch again on purpose pass rerun: true. Next: ica_wait_for_analysis or ica_get_analysis with analysisId="${found.id}".`,
  };
}

function inProgress(r: ResolvedLaunch, req: CreateRequest): UserInputError {
  return new UserInputError(
    `ICA is still processing an identical launch of ${r.pipeline.code} "${r.spec.userReference}" (Idempotency-Key ${req.idempotencyKey}); nothing new was started`,
    `wait a few seconds and call again with the same arguments: the analysis is then found by its launch tag and returned (ica_list_analyses with userReference "${r.spec.userReference}" shows it).`,
  );
}

function keyUsedOtherwise(r: ResolvedLaunch, req: CreateRequest): UserInputError {
  return new UserInputError(
    `ICA refused the launch: its Idempotency-Key ${req.idempotencyKey} was already used with a different request body (values ICA chose, such as the best matching activation code, can change between calls), and no analysis with its launch tag ${r.identity.tag} was found, so nothing was started`,
    `the first launch may still be in progress: wait a few seconds and call again with the same arguments. Check ica_list_analyses for userReference "${r.spec.userReference}"; call with rerun: true only to launch anew on purpose.`,
  );
}

/** Sends the create call; CWL falls back to analysis:cwlWithStructuredInput when ICA refuses analysis:cwl. */
async function send(
  r: ResolvedLaunch,
  ctx: ToolContext,
  attempt: { req: CreateRequest; notes: string[] },
): Promise<IcaCreatedAnalysis> {
  try {
    return await sendCreate(ctx.ica, r.projectId, attempt.req, ctx.signal);
  } catch (err) {
    if (attempt.req.endpoint !== "analysis:cwl" || !refusesDeprecatedCwl(err)) throw err;
    const status = (err as IcaApiError).status;
    attempt.req = buildCreateRequest(
      r.language,
      r.projectId,
      r.spec,
      undefined,
      r.identity,
      "analysis:cwlWithStructuredInput",
    );
    attempt.notes.push(
      `ICA refused the deprecated analysis:cwl (${status}); launched with analysis:cwlWithStructuredInput, which takes no activation code: ICA applies its own best match (expected ${r.activationCode.id}).`,
    );
    return await sendCreate(ctx.ica, r.projectId, attempt.req, ctx.signal);
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
    const projectId = ctx.projectId(args.projectId);
    refuseLaunchTags(args);
    const key = launchKey(args, projectId);
    const id: Identity = { key, tag: launchTag(key), idempotencyKey: args.rerun ? rerunKey(key) : key };
    const dryRun = args.dryRun ?? false;
    // Before anything is resolved or sent: has this exact request been launched already (by any process)?
    // A rerun is meant to launch anew, and would find the launch it repeats.
    const lookAgain = () =>
      args.rerun ? Promise.resolve(undefined) : findExistingLaunch(ctx.ica, projectId, id.tag, ctx.signal);
    const before = await lookAgain();
    if (before) return existingResult(before, id, dryRun, "Found before anything was resolved");

    const r = await resolveLaunch(args, ctx, { idempotencyKey: id.idempotencyKey, tag: id.tag });
    const shownPaths = r.resolvedPaths.slice(0, MAX_SHOWN_PATHS);
    const common = {
      resolved: {
        pipeline: { id: r.pipeline.id, code: r.pipeline.code, language: r.language },
        storage: r.storage,
        activationCode: r.activationCode,
      },
      ...(shownPaths.length > 0 ? { resolvedPaths: resolvedPathTable.table(shownPaths) } : {}),
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

    if (dryRun) {
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
          launchTag: id.tag,
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
          launchTag: id.tag,
          ...(notes.length > 0 ? { notes } : {}),
        },
        summary: notConfirmedText(confirmation, "no analysis was started"),
      };
    }

    const attempt = { req: r.request, notes };
    let created: IcaCreatedAnalysis;
    try {
      created = await send(r, ctx, attempt);
    } catch (err) {
      const conflict = err instanceof IcaApiError && err.status === 409;
      // Only a 422 that says "same key, another body" is about idempotency; any other 422 is a validation error.
      if (!conflict && !isIdempotencyMismatch(err, attempt.req)) throw err;
      const after = await lookAgain();
      if (after) {
        return existingResult(
          after,
          id,
          false,
          `ICA answered ${(err as IcaApiError).status} to the create call`,
        );
      }
      throw conflict ? inProgress(r, attempt.req) : keyUsedOtherwise(r, attempt.req);
    }
    await ctx.progress(4, 4, "analysis created");
    // A replayed create returns the response stored with the first call, status included: read the current one.
    let status = created.status;
    try {
      status = (await getAnalysis(ctx.ica, r.projectId, created.id, ctx.signal)).status;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      notes.push(
        "the current status could not be read; the status shown is the one ICA returned at creation",
      );
    }
    // The tag search found nothing, so a 201 is normally a new analysis; a replay of an older one shows by its
    // status (an index that lags behind, say). The retry of a lost answer within this call is still "started".
    const existing = !FRESH.has(status);
    const a = created;
    const analysis = { id: a.id, reference: a.reference, userReference: a.userReference, status };
    const structured = {
      outcome: existing ? ("existing" as const) : ("started" as const),
      dryRun: false,
      analysis,
      ...common,
      ...planned,
      confirmation: confirmedText(confirmation),
      endpoint: attempt.req.display,
      idempotencyKey: attempt.req.idempotencyKey,
      launchTag: id.tag,
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
      summary: `Started ${r.pipeline.code} as ${a.userReference} (${a.id}, reference ${a.reference}), status ${status}, via ${attempt.req.display}; ${resolvedText}. ${next}`,
    };
  },
});

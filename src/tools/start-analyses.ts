/**
 * The batch form of ica_start_analysis (its `items`): one POST /api/projects/{projectId}/analysisCreationBatch
 * with one Idempotency-Key, one plan, one confirmation and one cost estimate for the whole batch. ICA creates
 * the analyses in a job; ica_get_job reports each item (status, analysis id, reason of a failure).
 */

import type { z } from "zod";
import { createAnalysisCreationBatch } from "../ica/api/analysis-batch.js";
import { IcaApiError, UserInputError } from "../ica/errors.js";
import type { ToolContext, ToolOutput } from "../mcp/adapter.js";
import { type BatchItem, type ResolvedBatch, resolveBatch } from "./launch/batch.js";
import { confirmedText, confirmStep, issueConfirmationToken, notConfirmedText } from "./launch/confirm.js";
import { estimateLaunchCost, scaleEstimate } from "./launch/estimate.js";
import { launchFacts, planText, projectName } from "./launch/plan.js";
import { batchItemTable, type StartAnalysisArgs, type startAnalysisOutput } from "./launch/schema.js";

type Output = z.input<z.ZodObject<typeof startAnalysisOutput>>;

function itemRow(it: BatchItem, sent: boolean) {
  if (it.existing) {
    return {
      userReference: it.userReference,
      outcome: "existing" as const,
      analysisId: it.existing.id,
      status: it.existing.status,
    };
  }
  return { userReference: it.userReference, outcome: sent ? ("sent" as const) : ("would_send" as const) };
}

/** The batch's items as a table, with the count per outcome the summary line states. */
function itemList(items: readonly BatchItem[], sent: boolean) {
  const rows = items.map((it) => itemRow(it, sent));
  const outcomes: Record<string, number> = {};
  for (const r of rows) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return { items: batchItemTable.table(rows), outcomes };
}

function common(rb: ResolvedBatch) {
  const first = rb.toSend[0]!.resolved;
  return {
    resolved: {
      pipeline: { id: first.pipeline.id, code: first.pipeline.code, language: first.language },
      storage: first.storage,
      activationCode: first.activationCode,
    },
    endpoint: `POST /api/projects/${rb.projectId}/analysisCreationBatch`,
    idempotencyKey: rb.idempotencyKey,
  };
}

export async function startAnalysisBatch(
  args: StartAnalysisArgs,
  ctx: ToolContext,
): Promise<ToolOutput<Output>> {
  const rb = await resolveBatch(args, ctx);
  const existing = rb.items.filter((it) => it.existing);
  if (rb.toSend.length === 0) {
    return {
      structured: {
        outcome: "existing",
        dryRun: args.dryRun ?? false,
        batch: itemList(rb.items, false),
        endpoint: `POST /api/projects/${rb.projectId}/analysisCreationBatch`,
        idempotencyKey: rb.idempotencyKey,
      } as Output,
      summary: `All ${rb.items.length} analyses of this batch exist already (found by their launch tags); nothing was sent. To launch again on purpose pass rerun: true. Next: ica_list_analyses or ica_get_analysis with the ids listed.`,
    };
  }
  const first = rb.toSend[0]!.resolved;
  const [name, single] = await Promise.all([
    projectName(ctx, rb.projectId),
    estimateLaunchCost(ctx, rb.projectId, first.pipeline.id),
  ]);
  const estimate = scaleEstimate(single, rb.toSend.length);
  const facts = launchFacts(first, name, estimate);
  facts.userReferences = rb.toSend.map((it) => it.userReference);
  facts.dataInputs = rb.toSend.reduce((n, it) => n + launchFacts(it.resolved).dataInputs, 0);
  facts.s3Inputs = rb.toSend.reduce((n, it) => n + launchFacts(it.resolved).s3Inputs, 0);
  if (existing.length > 0) facts.existing = existing.length;
  const plan = planText(facts);
  const binding = { endpoint: "analysisCreationBatch", projectId: rb.projectId, body: rb.body };
  const notes = [...rb.notes];
  if (existing.length > 0) {
    notes.push(
      `${existing.length} item(s) were launched before (found by their launch tags) and are left out`,
    );
  }
  const base = { ...common(rb), plan, estimate, ...(notes.length > 0 ? { notes } : {}) };

  if (args.dryRun) {
    return {
      structured: {
        outcome: "dry_run",
        dryRun: true,
        ...base,
        confirmationToken: issueConfirmationToken(ctx.config, "batch", binding),
        batch: itemList(rb.items, false),
      },
      summary: `Dry run: nothing was started. Would send one analysisCreationBatch with ${rb.toSend.length} analyses of ${first.pipeline.code}${existing.length ? ` (${existing.length} existing left out)` : ""}. Next: show the plan to the user; to launch call again without dryRun (with confirmationToken to launch only this exact batch).`,
    };
  }

  const confirmation = await confirmStep(ctx, {
    kind: "batch",
    plan,
    binding,
    ...(args.confirmationToken ? { token: args.confirmationToken } : {}),
  });
  if (!confirmation.go) {
    return {
      structured: {
        outcome: confirmation.outcome,
        dryRun: false,
        ...base,
        batch: itemList(rb.items, false),
      },
      summary: notConfirmedText(confirmation, "no analysis was started"),
    };
  }
  let created: Awaited<ReturnType<typeof createAnalysisCreationBatch>>;
  try {
    created = await createAnalysisCreationBatch(
      ctx.ica,
      rb.projectId,
      rb.body,
      rb.idempotencyKey,
      ctx.signal,
    );
  } catch (err) {
    if (err instanceof IcaApiError && err.status === 409) {
      throw new UserInputError(
        `ICA is still processing an identical batch (Idempotency-Key ${rb.idempotencyKey}); nothing new was sent`,
        "wait a few seconds and call again with the same arguments: the analyses it created are then found by their launch tags.",
      );
    }
    throw err;
  }
  await ctx.progress(4, 4, "batch sent");
  const jobId = created.job?.id ?? undefined;
  return {
    structured: {
      outcome: "started",
      dryRun: false,
      ...base,
      confirmation: confirmedText(confirmation),
      batch: {
        id: created.id,
        ...(jobId ? { jobId } : {}),
        ...itemList(rb.items, true),
      },
    },
    summary: `Sent one batch of ${rb.toSend.length} analyses of ${first.pipeline.code} (batch ${created.id}${jobId ? `, job ${jobId}` : ""})${existing.length ? `; ${existing.length} existing left out` : ""}; ${confirmedText(confirmation)}. Next: ${jobId ? `ica_get_job with jobId="${jobId}" shows each item's status and analysis id` : "ica_list_analyses shows the analyses as ICA creates them"}.`,
  };
}

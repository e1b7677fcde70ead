/**
 * Activation-code matching: a code is usable when its bundle lists the pipeline as active, covers the project's
 * region and has free slots (-1 = unlimited); best = unlimited first, then the most free slots, then the oldest.
 * Each launch books one slot, so the best match can change from one launch to the next.
 */
import type { ActivationCodeRecord, PipelineRecord, ProjectRecord, SandboxState } from "../../state.js";

function freeSlots(c: ActivationCodeRecord): number {
  return c.allowedSlots === -1 ? Number.POSITIVE_INFINITY : c.allowedSlots - c.usedSlots;
}

/** Why a code cannot run this pipeline in this project, or undefined when it can. */
export function activationCodeUnusable(
  c: ActivationCodeRecord,
  project: ProjectRecord,
  pipeline: PipelineRecord,
): string | undefined {
  if (!c.bundle.activePipelineIds.includes(pipeline.id)) {
    return `activation code ${c.id} (${c.bundle.name}) does not cover pipeline ${pipeline.code}`;
  }
  if (!c.bundle.regionIds.includes(project.regionId)) {
    return `activation code ${c.id} (${c.bundle.name}) is not valid in the project's region`;
  }
  if (freeSlots(c) <= 0) {
    return `activation code ${c.id} (${c.bundle.name}) has no free slots (${c.usedSlots} of ${c.allowedSlots} used)`;
  }
  return undefined;
}

/** Usable codes, best first: unlimited ones, then the most free slots, then the oldest. */
export function matchingActivationCodes(
  state: SandboxState,
  project: ProjectRecord,
  pipeline: PipelineRecord,
): ActivationCodeRecord[] {
  return state.activationCodes
    .where((c) => activationCodeUnusable(c, project, pipeline) === undefined)
    .sort((a, b) => freeSlots(b) - freeSlots(a) || a.seq - b.seq);
}

export function useSlot(c: ActivationCodeRecord, projectId: string, state: SandboxState): void {
  c.usedSlots += 1;
  const usage = c.usages.find((u) => u.projectId === projectId);
  if (usage) usage.usedSlots += 1;
  else c.usages.push({ id: state.newUuid(), projectId, usedSlots: 1, allowedSlots: -1 });
}

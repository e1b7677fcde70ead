/**
 * The plan of a launch in words: one function, so that the confirmation form, the dry-run result and the
 * launch result show the same text (the model and the user see one thing).
 */
import { getProject } from "../../ica/api/projects.js";
import type { ToolContext } from "../../mcp/adapter.js";
import type { CostEstimate } from "./estimate.js";
import type { ResolvedLaunch } from "./resolve.js";

export interface PlanFacts {
  pipeline: { code: string; language: string };
  project: { id: string; name?: string };
  /** One userReference, or the batch's (shown first/last). */
  userReferences: string[];
  dataInputs: number;
  s3Inputs: number;
  otherExternal: number;
  referenceData: number;
  storage: { id: string; name?: string; source: string };
  activationCode: { id: string; bundle?: string; source: string };
  outputs: { sourcePath: string; targetPath: string; actionOnExist: string }[];
  outputParent?: string;
  logs?: string;
  estimate?: CostEstimate;
  /** Batch only: items left out because they were launched before. */
  existing?: number;
}

/** The facts of one resolved launch. */
export function launchFacts(r: ResolvedLaunch, projectName?: string, estimate?: CostEstimate): PlanFacts {
  const inputs = r.spec.analysisInput.inputs;
  const external = inputs.flatMap((i) => i.externalData ?? []);
  return {
    pipeline: { code: r.pipeline.code, language: r.language },
    project: { id: r.projectId, ...(projectName ? { name: projectName } : {}) },
    userReferences: [r.spec.userReference],
    dataInputs: inputs.reduce((n, i) => n + (i.dataIds?.length ?? 0) + (i.mounts?.length ?? 0), 0),
    s3Inputs: external.filter((e) => e.type === "s3").length,
    otherExternal: external.filter((e) => e.type !== "s3").length,
    referenceData: r.spec.analysisInput.referenceDataParameters?.length ?? 0,
    storage: r.storage,
    activationCode: r.activationCode,
    outputs: (r.spec.analysisOutput ?? []).map((o) => ({
      sourcePath: o.sourcePath,
      targetPath: o.targetPath,
      actionOnExist: o.actionOnExist,
    })),
    ...(r.spec.outputParentFolderId ? { outputParent: r.spec.outputParentFolderId } : {}),
    ...(r.spec.logs ? { logs: r.spec.logs.logsFolderPath ?? r.spec.logs.logsFolderId } : {}),
    ...(estimate ? { estimate } : {}),
  };
}

/** The project's name for the plan; the id alone when ICA does not say. */
export async function projectName(ctx: ToolContext, projectId: string): Promise<string | undefined> {
  try {
    const name = (await getProject(ctx.ica, projectId, ctx.signal)).name;
    return typeof name === "string" ? name.slice(0, 255) : undefined;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return undefined;
  }
}

function refs(list: string[]): string {
  if (list.length === 1) return `"${list[0]}"`;
  const shown = list.length <= 4 ? list : [...list.slice(0, 2), "…", ...list.slice(-1)];
  return `${list.length} analyses (${shown.map((r) => (r === "…" ? r : `"${r}"`)).join(", ")})`;
}

/** The plan as a few short lines. */
export function planText(f: PlanFacts): string {
  const project = f.project.name ? `${f.project.name} (${f.project.id})` : f.project.id;
  const batch = f.userReferences.length > 1 ? " as one batch" : "";
  const lines = [
    `Launch ${f.pipeline.code} (${f.pipeline.language}) in project ${project}: ${refs(f.userReferences)}${batch}`,
  ];
  if (f.existing) lines.push(`- left out: ${f.existing} launched before (reported as existing)`);
  const extra = [
    f.otherExternal > 0 ? `${f.otherExternal} external URL(s)` : "",
    f.referenceData > 0 ? `${f.referenceData} reference data` : "",
  ].filter(Boolean);
  lines.push(
    `- inputs: ${f.dataInputs} data item(s), ${f.s3Inputs} S3 input(s)${extra.length ? `, ${extra.join(", ")}` : ""}`,
  );
  lines.push(`- storage: ${f.storage.name ?? f.storage.id} (${f.storage.source})`);
  lines.push(
    `- activation code: ${f.activationCode.id}${f.activationCode.bundle ? ` (${f.activationCode.bundle})` : ""} (${f.activationCode.source})`,
  );
  const outputs =
    f.outputs.length > 0
      ? f.outputs
          .slice(0, 5)
          .map((o) => `${o.sourcePath} -> ${o.targetPath} (${o.actionOnExist})`)
          .join("; ") + (f.outputs.length > 5 ? `; … ${f.outputs.length - 5} more` : "")
      : f.outputParent
        ? `a new folder under ${f.outputParent}`
        : "ICA's default output folder";
  lines.push(`- outputs: ${outputs}${f.logs ? `; logs in ${f.logs}` : ""}`);
  if (f.estimate) lines.push(`- cost: ${f.estimate.note}`);
  return lines.join("\n");
}

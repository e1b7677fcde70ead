/**
 * TEMPORARY until the launch-recognition work (src/tools/launch/key.ts, findExistingLaunch) is merged: the
 * key of one launch from the caller's arguments, its technical tag, and the search for that tag.
 */
import { createHash } from "node:crypto";
import { searchAnalyses } from "../../ica/api/analyses.js";
import { canonicalJson } from "../../ica/api/launch.js";
import type { IcaClient } from "../../ica/client.js";
import type { StartAnalysisArgs } from "./schema.js";

export const LAUNCH_TAG_PREFIX = "ica-mcp-launch:";

export function itemKey(args: StartAnalysisArgs, projectId: string): string {
  const { dryRun: _d, rerun: _r, confirmationToken: _c, items: _i, projectId: _p, ...rest } = args;
  return createHash("sha256")
    .update(canonicalJson({ projectId: projectId.toLowerCase(), ...rest }))
    .digest("hex");
}

export function itemTag(key: string): string {
  return `${LAUNCH_TAG_PREFIX}${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;
}

export async function findExisting(
  ica: IcaClient,
  projectId: string,
  tag: string,
  signal?: AbortSignal,
): Promise<{ id: string; reference: string; userReference: string; status: string } | undefined> {
  const res = await searchAnalyses(
    ica,
    projectId,
    { technicalTags: [tag] },
    { mode: "cursor", pageSize: 100 },
    signal,
  );
  const a = res.items.find((x) => x?.tags?.technicalTags?.includes(tag));
  return a
    ? { id: a.id, reference: a.reference, userReference: a.userReference, status: a.status }
    : undefined;
}

/**
 * What makes two launches the same launch: only what the caller asked for, normalised, never a value ICA
 * chooses (the best matching activation code, the default storage, the ids that paths resolve to). From it come
 * the Idempotency-Key of the create call and a technical tag carrying the key's hash, which every launch sets
 * and which the tool searches for before it resolves or sends anything (findExistingLaunch). ICA keeps a key's
 * answer 7 days and refuses the same key with another body (422), so the key alone cannot make a changed
 * best-match code harmless; the tag can, and it outlives the 7 days.
 *
 * Reusable by any launching tool (batch launches, confirmations): pass the launch's arguments; fields that are
 * not listed in LaunchRequest (dryRun, rerun, confirmation tokens, anything new) never reach the key.
 */
import { createHash, randomUUID } from "node:crypto";
import { canonicalJson } from "../../ica/api/launch.js";
import { UserInputError } from "../../ica/errors.js";

/** Prefix of the technical tag that marks a launch of this server; callers may not set such tags themselves. */
export const LAUNCH_TAG_PREFIX = "ica-mcp-launch:";
/** Hex digits of sha256(key) in the tag: 160 bits, far beyond any collision in one project. */
const TAG_HASH_HEX = 40;
/** Bumped when the normalisation changes (old keys then simply stop matching). */
const KEY_VERSION = 1;

/** The parts of a launch's arguments that define the launch (ica_start_analysis's, minus dryRun and rerun). */
export interface LaunchRequest {
  pipelineId?: string;
  pipelineCode?: string;
  userReference: string;
  inputs?: {
    parameterCode: string;
    dataIds?: string[];
    mounts?: { dataId: string; mountPath: string }[];
    externalData?: { url: string; type?: string; storageCredentialsId?: string; mountPath?: string }[];
  }[];
  parameters?: { code: string; value?: string; multiValue?: string[] }[];
  analysisStorageId?: string;
  analysisStorageName?: string;
  activationCodeDetailId?: string;
  tags?: { userTags?: string[]; technicalTags?: string[]; referenceTags?: string[] };
  outputParentFolderId?: string;
  analysisOutput?: {
    sourcePath: string;
    targetPath: string;
    targetProjectId?: string;
    type?: string;
    actionOnExist?: string;
  }[];
}

const lower = (v: string | undefined) => (v === undefined ? undefined : v.trim().toLowerCase());
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedBy = <T>(items: T[], key: (x: T) => string) => [...items].sort((a, b) => byText(key(a), key(b)));
const nonEmpty = <T>(items: T[] | undefined) => (items && items.length > 0 ? items : undefined);

function tagList(tags: string[] | undefined, dropLaunchTags = false): string[] | undefined {
  const kept = (tags ?? []).filter((t) => !(dropLaunchTags && isLaunchTag(t)));
  return nonEmpty([...new Set(kept)].sort(byText));
}

/**
 * The canonical form of a launch request in project `projectId`. Identifiers ICA compares without case
 * (pipeline code, storage name, UUIDs) are lower-cased; the order of inputs, of data within an input, of
 * parameters, output mappings and tags does not matter; a multiValue keeps its order; an output mapping
 * without targetProjectId or actionOnExist means this project and OVERWRITE, as it is sent.
 */
export function normalizeLaunchRequest(req: LaunchRequest, projectId: string): Record<string, unknown> {
  const inputs = sortedBy(req.inputs ?? [], (i) => i.parameterCode).map((i) => ({
    parameterCode: i.parameterCode,
    dataIds: nonEmpty([...(i.dataIds ?? [])].sort(byText)),
    mounts: nonEmpty(sortedBy(i.mounts ?? [], (m) => `${m.mountPath}\n${m.dataId}`)),
    externalData: nonEmpty(
      sortedBy(
        (i.externalData ?? []).map((e) => ({
          url: e.url,
          type: lower(e.type) ?? lower(/^([a-z][a-z0-9+.-]*):/i.exec(e.url)?.[1])?.replace(/^https$/, "http"),
          storageCredentialsId: lower(e.storageCredentialsId),
          mountPath: e.mountPath,
        })),
        (e) => `${e.url}\n${e.mountPath ?? ""}`,
      ),
    ),
  }));
  const parameters = sortedBy(req.parameters ?? [], (p) => p.code).map((p) => ({
    code: p.code,
    value: p.value,
    multiValue: p.multiValue,
  }));
  const outputs = (req.analysisOutput ?? []).map((m) => ({
    sourcePath: m.sourcePath,
    targetPath: m.targetPath,
    targetProjectId: lower(m.targetProjectId) ?? lower(projectId),
    type: m.type?.trim().toUpperCase(),
    actionOnExist: m.actionOnExist?.trim().toUpperCase() ?? "OVERWRITE",
  }));
  return {
    v: KEY_VERSION,
    projectId: lower(projectId),
    pipelineId: lower(req.pipelineId),
    pipelineCode: lower(req.pipelineCode),
    userReference: req.userReference,
    inputs: nonEmpty(inputs),
    parameters: nonEmpty(parameters),
    storage: req.analysisStorageId
      ? { id: lower(req.analysisStorageId) }
      : req.analysisStorageName
        ? { name: lower(req.analysisStorageName) }
        : undefined,
    activationCodeDetailId: lower(req.activationCodeDetailId),
    outputParentFolderId: req.outputParentFolderId,
    analysisOutput: nonEmpty(sortedBy(outputs, canonicalJson)),
    tags: {
      userTags: tagList(req.tags?.userTags),
      technicalTags: tagList(req.tags?.technicalTags, true),
      referenceTags: tagList(req.tags?.referenceTags),
    },
  };
}

/** The Idempotency-Key of a launch: sha256 (hex, 64 characters; ICA allows 255) of the normalised request. */
export function launchKey(req: LaunchRequest, projectId: string): string {
  return createHash("sha256")
    .update(canonicalJson(normalizeLaunchRequest(req, projectId)))
    .digest("hex");
}

/** The technical tag every launch with this key sets: the prefix and the hash of the key. */
export function launchTag(key: string): string {
  return `${LAUNCH_TAG_PREFIX}${createHash("sha256").update(key).digest("hex").slice(0, TAG_HASH_HEX)}`;
}

export function isLaunchTag(tag: string): boolean {
  return tag.trim().toLowerCase().startsWith(LAUNCH_TAG_PREFIX);
}

/**
 * A fresh Idempotency-Key for a deliberate new launch (rerun): ICA would otherwise replay the stored answer. The
 * launch keeps the tag of its normal key, so a later identical call finds it (the newest) instead of a third.
 */
export function rerunKey(key: string, nonce: string = randomUUID()): string {
  return createHash("sha256").update(`${key}\nrerun\n${nonce}`).digest("hex");
}

/** Launch tags mark launches of this server; one given by the caller could make another launch look existing. */
export function refuseLaunchTags(req: LaunchRequest): void {
  const given = (req.tags?.technicalTags ?? []).filter(isLaunchTag);
  if (given.length > 0) {
    throw new UserInputError(
      `technicalTags ${given.map((t) => `"${t.slice(0, 80)}"`).join(", ")}: tags starting with "${LAUNCH_TAG_PREFIX}" are set by this server to recognise a repeated launch and cannot be given`,
      "remove them and call again; the launch gets its own such tag.",
    );
  }
}

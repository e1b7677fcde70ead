/**
 * Resolves a batch launch (ica_start_analysis with items): one pipeline, shared settings given once, one
 * analysis per item. Every item is resolved and checked before anything is sent and all problems come back
 * together, per item. Items whose launch tag exists already are left out (reported as existing), so a repeated
 * batch, or one with a changed item, creates nothing twice. What is the same for every item (pipeline,
 * parameters, storages, credentials, the best matching activation code) is looked up once; the data of all
 * items in as few listings as possible.
 */
import { createHash, randomUUID } from "node:crypto";
import type { IcaData } from "../../ica/api/data.js";
import { canonicalJson, type ExistingLaunch, findExistingLaunch } from "../../ica/api/launch.js";
import { UserInputError } from "../../ica/errors.js";
import type { ToolContext } from "../../mcp/adapter.js";
import { launchKey, launchTag, refuseLaunchTags } from "./key.js";
import {
  type DataRef,
  type LaunchLookups,
  lookUpData,
  type ResolvedLaunch,
  resolveLaunch,
} from "./resolve.js";
import type { StartAnalysisArgs } from "./schema.js";

/** Tag searches in flight at once for one batch. */
const TAG_SEARCH_CONCURRENCY = 4;

/** Data references a whole batch may carry (each item keeps the single launch's own bound too). */
export const MAX_BATCH_REFS = 4000;
/** Problems listed at most. */
const MAX_PROBLEMS = 60;

type Item = NonNullable<StartAnalysisArgs["items"]>[number];

export interface BatchItem {
  index: number;
  userReference: string;
  key: string;
  tag: string;
  existing?: ExistingLaunch;
  resolved?: ResolvedLaunch;
}

export interface ResolvedBatch {
  projectId: string;
  items: BatchItem[];
  /** The items that will be sent, resolved. */
  toSend: (BatchItem & { resolved: ResolvedLaunch })[];
  /** CreateAnalysisCreationBatch. */
  body: { cwlItems?: Record<string, unknown>[]; nextflowItems?: Record<string, unknown>[] };
  idempotencyKey: string;
  notes: string[];
}

/** One item's launch arguments: the shared ones, the item's inputs and parameters replacing those of the same code. */
export function itemArgs(args: StartAnalysisArgs, item: Item): StartAnalysisArgs {
  const { items: _items, dryRun: _dryRun, confirmationToken: _token, ...shared } = args;
  const inputs = new Map((shared.inputs ?? []).map((i) => [i.parameterCode, i]));
  for (const [code, dataIds] of Object.entries(item.inputs ?? {})) {
    inputs.set(code, { parameterCode: code, dataIds });
  }
  const parameters = new Map((shared.parameters ?? []).map((p) => [p.code, p]));
  for (const [code, value] of Object.entries(item.parameters ?? {})) parameters.set(code, { code, value });
  return {
    ...shared,
    userReference: item.userReference,
    ...(inputs.size > 0 ? { inputs: [...inputs.values()] } : {}),
    ...(parameters.size > 0 ? { parameters: [...parameters.values()] } : {}),
  };
}

function refsOf(a: StartAnalysisArgs): DataRef[] {
  const refs: DataRef[] = [];
  for (const inp of a.inputs ?? []) {
    for (const raw of inp.dataIds ?? []) refs.push({ raw, where: `input "${inp.parameterCode}"` });
    for (const m of inp.mounts ?? []) refs.push({ raw: m.dataId, where: `input "${inp.parameterCode}"` });
  }
  if (a.outputParentFolderId)
    refs.push({ raw: a.outputParentFolderId, where: "outputParentFolderId", folderOnly: true });
  if (a.logsFolder && !a.logsFolder.startsWith("/"))
    refs.push({ raw: a.logsFolder, where: "logsFolder", folderOnly: true });
  return refs;
}

/** Shares each lookup between the items (a failed one fails every item alike, reported once). */
function sharedLookups(data: Map<string, IcaData | undefined>): LaunchLookups {
  const memo = new Map<string, Promise<unknown>>();
  return {
    data,
    once<T>(key: string, fetch: () => Promise<T>): Promise<T> {
      let p = memo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = fetch();
        memo.set(key, p);
      }
      return p;
    },
  };
}

function fail(perItem: Map<number, string[]>, items: BatchItem[], extra: string[]): never {
  const failed = [...perItem.entries()];
  // A problem every failed item shares (an unknown pipeline, a bad storage name) is said once.
  const common =
    failed.length > 1 ? failed[0]![1].filter((p) => failed.every(([, list]) => list.includes(p))) : [];
  const lines = [...extra, ...common.map((p) => `every item: ${p}`)];
  for (const [index, list] of failed) {
    const own = list.filter((p) => !common.includes(p));
    const label = `item ${index + 1} ("${items[index]!.userReference.slice(0, 80)}")`;
    for (const p of own) lines.push(`${label}: ${p}`);
  }
  const shown = lines.slice(0, MAX_PROBLEMS);
  if (lines.length > MAX_PROBLEMS) shown.push(`… and ${lines.length - MAX_PROBLEMS} more problems`);
  throw new UserInputError(
    [`${failed.length} of ${items.length} item(s) have problems; nothing was sent`, ...shown],
    "fix every problem listed, then call again with all items (dryRun: true checks without launching). ica_get_pipeline lists the parameter codes; ica_list_data the data ids and paths.",
  );
}

export async function resolveBatch(args: StartAnalysisArgs, ctx: ToolContext): Promise<ResolvedBatch> {
  const projectId = ctx.projectId(args.projectId);
  refuseLaunchTags(args);
  const given = args.items ?? [];
  const extra: string[] = [];
  if (args.userReference !== undefined) {
    extra.push("userReference: give it per item in a batch, not for the whole batch");
  }
  const items: BatchItem[] = given.map((item, index) => {
    // The same key and tag as a single launch with these arguments: a batch finds single launches and back.
    const key = launchKey(itemArgs(args, item), projectId);
    return { index, userReference: item.userReference, key, tag: launchTag(key) };
  });
  const seen = new Map<string, number>();
  for (const it of items) {
    const first = seen.get(it.key);
    if (first !== undefined) {
      extra.push(
        `item ${it.index + 1} ("${it.userReference.slice(0, 80)}") is identical to item ${first + 1}: give each item once`,
      );
    } else seen.set(it.key, it.index);
  }
  const totalRefs = given.reduce(
    (n, it) => n + Object.values(it.inputs ?? {}).reduce((m, ids) => m + ids.length, 0),
    0,
  );
  if (totalRefs > MAX_BATCH_REFS) {
    extra.push(
      `${totalRefs} data items in one batch; at most ${MAX_BATCH_REFS} (split it into several batches)`,
    );
  }
  if (extra.length > 0) fail(new Map(), items, extra);

  // Launched before (by a single launch or an earlier batch): found by the launch tag, left out.
  if (!args.rerun) {
    // A few at a time: the throttle paces them anyway, and 200 searches at once would hang 200 sets of abort
    // listeners on the call's one signal.
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const it = items[next++]!;
        const found = await findExistingLaunch(ctx.ica, projectId, it.tag, ctx.signal);
        if (found) it.existing = found;
      }
    };
    await Promise.all(Array.from({ length: Math.min(TAG_SEARCH_CONCURRENCY, items.length) }, worker));
  }
  const pending = items.filter((it) => !it.existing);
  const argsOf = new Map(pending.map((it) => [it.index, itemArgs(args, given[it.index]!)]));
  const allRefs = pending.flatMap((it) => refsOf(argsOf.get(it.index)!));
  const data = await lookUpData(ctx, projectId, allRefs);
  const lookups = sharedLookups(data);

  const perItem = new Map<number, string[]>();
  let code: ResolvedLaunch["activationCode"] | undefined;
  for (const it of pending) {
    const a = argsOf.get(it.index)!;
    const withTag: StartAnalysisArgs = {
      ...a,
      // ICA's best match for the first item stands for all: same pipeline, same project.
      ...(code && !args.activationCodeDetailId ? { activationCodeDetailId: code.id } : {}),
    };
    try {
      const r = await resolveLaunch(withTag, ctx, { idempotencyKey: it.key, tag: it.tag }, lookups);
      if (code && !args.activationCodeDetailId) r.activationCode = code;
      code ??= r.activationCode;
      it.resolved = r;
    } catch (err) {
      if (!(err instanceof UserInputError)) throw err;
      perItem.set(it.index, err.problems);
    }
  }
  if (perItem.size > 0) fail(perItem, items, []);

  const toSend = pending as ResolvedBatch["toSend"];
  const language = toSend[0]?.resolved.language;
  const bodies = toSend.map((it) => it.resolved.request.body);
  const body = language === "CWL" ? { cwlItems: bodies } : { nextflowItems: bodies };
  // One key per batch request, from the caller's items only (their keys), so a repeat replays ICA's answer.
  const idempotencyKey = createHash("sha256")
    .update(
      canonicalJson({
        batch: 1,
        projectId,
        items: toSend.map((it) => it.key).sort(),
        rerun: args.rerun ? randomUUID() : undefined,
      }),
    )
    .digest("hex");
  const notes = toSend[0]?.resolved.notes ?? [];
  return { projectId, items, toSend, body, idempotencyKey, notes };
}

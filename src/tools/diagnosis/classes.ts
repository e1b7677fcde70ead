/**
 * The failure classes of an analysis and the log patterns that decide them: the ONE table. Order matters:
 * the first class (in table order) with a matching line wins, so specific causes (memory, disk, time) come
 * before the generic "a tool exited non-zero".
 *
 * Logs are written by others and may be hostile: every pattern is matched against one line at a time, each
 * line cut to MAX_LINE_CHARS first, and no pattern nests quantifiers (test/diagnose-classes.test.ts checks
 * the sources), so matching is linear in the input.
 */

export type FailureClassId =
  | "aborted"
  | "out_of_memory"
  | "storage_exhausted"
  | "time_limit"
  | "missing_input"
  | "ica_error"
  | "tool_exit"
  | "unknown";

export interface AdviceContext {
  /** The first failed step, when there is one. */
  step?: string;
  /** The tool named by the evidence (Nextflow process, CWL step), else the step. */
  tool?: string;
  /** The analysis storage name, e.g. "Large". */
  storage?: string;
  exitCode?: number;
}

export interface FailureClass {
  id: FailureClassId;
  /** Matched per line (lines are cut to MAX_LINE_CHARS before matching). */
  patterns: readonly RegExp[];
  /** Step exit codes that decide this class on their own. */
  exitCodes?: readonly number[];
  /** A concrete next step, phrased as advice: the tools never act on it. */
  advice(c: AdviceContext): string;
}

/** Lines longer than this are cut before any pattern runs. */
export const MAX_LINE_CHARS = 1_000;

const stepName = (c: AdviceContext) => (c.step ? `step "${c.step}"` : "the failed step");

export const FAILURE_CLASSES: readonly FailureClass[] = [
  {
    id: "aborted",
    patterns: [/\baborted by (?:a )?user\b/i, /\babort(?:ed)? request\b/i, /received SIGTERM/i],
    advice: () => "It was aborted by a user: rerun unchanged if that was not intended.",
  },
  {
    id: "out_of_memory",
    exitCodes: [137],
    patterns: [
      /OutOfMemoryError/,
      /\bout of memory\b/i,
      /\bstd::bad_alloc\b/,
      /Cannot allocate memory/i,
      /\bKilled\b/,
      /exit (?:status|code) \(?137\b/i,
      /\bOOMKilled\b/,
      /memory limit/i,
    ],
    advice: (c) =>
      `Give ${stepName(c)} more memory: choose a larger compute type (or a high-memory preset in the pipeline's settings) or lower its parallelism, then rerun.`,
  },
  {
    id: "storage_exhausted",
    patterns: [/No space left on device/i, /Disk quota exceeded/i, /\bstorage \S{0,40} ?exhausted\b/i],
    advice: (c) =>
      `Relaunch with a larger analysis storage than ${c.storage ? `"${c.storage}"` : "this one"} (ica_list_analysis_storages lists the sizes; ica_start_analysis takes analysisStorageId).`,
  },
  {
    id: "time_limit",
    patterns: [
      /exceeded (?:the )?(?:maximum |max )?(?:run ?time|running time|time limit|wall ?time)/i,
      /\btime ?limit (?:exceeded|reached)\b/i,
      /DUE TO TIME LIMIT/,
      /\btimed out after\b/i,
    ],
    advice: (c) =>
      `${stepName(c)[0]!.toUpperCase()}${stepName(c).slice(1)} hit its time limit: rerun with a faster compute type, raise the pipeline's time limit if it has one, or split the input.`,
  },
  {
    id: "missing_input",
    patterns: [
      /No such file or directory/i,
      /FileNotFoundException/,
      /\bfile not found\b/i,
      /\bnot AVAILABLE\b/,
      /\bstatus (?:is )?(?:PARTIAL|ARCHIVED|ARCHIVING|UNARCHIVING|DELETING)\b/,
      /\b(?:missing|required) input\b/i,
      /Input object failed validation/i,
      /\btruncated\b/i,
      /unexpected end of (?:gzip stream|file)/i,
    ],
    advice: () =>
      "Fix the input named in the evidence (ica_get_data: it must exist and be AVAILABLE, not PARTIAL or archived; a truncated file must be uploaded again), then rerun.",
  },
  {
    id: "ica_error",
    patterns: [
      /\binternal (?:server )?error\b/i,
      /\bICA (?:platform )?error\b/i,
      /\b(?:node|instance|spot instance) (?:was )?(?:lost|terminated|preempted|reclaimed)\b/i,
      /\bfailed to (?:stage|provision|schedule|upload outputs)\b/i,
      /\bservice (?:temporarily )?unavailable\b/i,
    ],
    advice: () =>
      "An ICA-side error, usually transient: rerun unchanged; if it repeats, contact Illumina support with the analysis id.",
  },
  {
    id: "tool_exit",
    patterns: [
      /terminated with an error exit status/i,
      /completed permanentFail/,
      /\bexit (?:status|code):? ?\(?[1-9]\d{0,2}\b/i,
      /\bERROR\b/,
    ],
    advice: (c) =>
      `${c.tool ?? stepName(c)} exited${c.exitCode !== undefined ? ` with code ${c.exitCode}` : " non-zero"}: read the evidence (the full log through its stdErrDataId via ica_get_analysis_steps), fix the input or parameter it names (compare with the succeeded twin), then rerun.`,
  },
];

export const UNKNOWN_ADVICE =
  "No known failure pattern matched: read the log tail shown (the full log through ica_get_analysis_steps) before rerunning.";

/** The tool a log names: a Nextflow process, a CWL job or step; undefined when none is named. */
export function namedTool(line: string): string | undefined {
  const cut = line.slice(0, MAX_LINE_CHARS);
  const nf = /Process `([^`]{1,200})`/.exec(cut);
  if (nf) return nf[1];
  const cwl = /\[(?:job|step) ([^\]]{1,200})\]/.exec(cut);
  if (cwl) return cwl[1];
  return undefined;
}

/**
 * ICA's duplicate-file rule for sample creation batches (ICA API guide, "Duplicate Files on
 * SampleCreationBatch"): "the input is checked to see if there are any duplicate files. The file in the
 * lowest-level folder will be considered as the original file and duplicates in higher-level folders or the
 * root folder will be ignored as input."
 *
 * Reading applied (DUPLICATE_RULE_READING): the check is per input, i.e. within each sample's own files.
 * Copies of a file name within one sample: the copy in the deepest folder is used, copies in higher-level
 * folders or the root are ignored; copies tied at the deepest level are all used, and the tie is reported.
 * Another sample never makes a file be dropped: a name linked from different folders by different samples
 * is reported as a clash (a warning) and nothing more.
 *
 * Example (the guide's): main/file1, main/file2, main/folder1/file1 in one sample -> main/file2 and
 * main/folder1/file1 are used; main/file1 is ignored.
 */

export const DUPLICATE_RULE_READING =
  "per sample: within each sample's files, the copy of a file name in the deepest folder is used and copies higher up are ignored; other samples never remove a file (a name shared across samples is only a warning)";

export interface CandidateFile {
  id: string;
  /** Full path, e.g. "/main/folder1/file1". */
  path: string;
  name: string;
}

export interface IgnoredFile extends CandidateFile {
  /** The used copy it duplicates. */
  duplicateOf: string;
}

export interface DuplicateOutcome {
  /** Per sample, the files to link, in the given order, each once. */
  used: CandidateFile[][];
  /** Per sample, the files left out. */
  ignored: IgnoredFile[][];
  /** Names whose deepest copies tie within one sample: all of them are used. */
  ties: { sample: number; name: string; paths: string[] }[];
  /** Names linked as different files by different samples (used paths); a warning, never a removal. */
  clashes: { name: string; samples: number[]; paths: string[] }[];
}

/** Folders above a file: "/file1" -> 0, "/main/file1" -> 1, "/main/folder1/file1" -> 2. */
export function folderDepth(path: string): number {
  return path.split("/").filter(Boolean).length - 1;
}

function applyWithinSample(files: CandidateFile[], sample: number, ties: DuplicateOutcome["ties"]) {
  // The deepest copies of every name in this sample (distinct files only).
  const deepest = new Map<string, { depth: number; copies: Map<string, string> }>();
  for (const f of files) {
    const depth = folderDepth(f.path);
    const entry = deepest.get(f.name);
    if (!entry || depth > entry.depth) deepest.set(f.name, { depth, copies: new Map([[f.id, f.path]]) });
    else if (depth === entry.depth) entry.copies.set(f.id, f.path);
  }
  const keep: CandidateFile[] = [];
  const drop: IgnoredFile[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.id)) continue;
    seen.add(f.id);
    const best = deepest.get(f.name)!;
    if (best.copies.has(f.id)) keep.push(f);
    else drop.push({ ...f, duplicateOf: [...best.copies.values()][0]! });
  }
  for (const [name, e] of deepest) {
    if (e.copies.size > 1) ties.push({ sample, name, paths: [...e.copies.values()] });
  }
  return { keep, drop };
}

export function applyDuplicateRule(perSample: CandidateFile[][]): DuplicateOutcome {
  const ties: DuplicateOutcome["ties"] = [];
  const used: CandidateFile[][] = [];
  const ignored: IgnoredFile[][] = [];
  perSample.forEach((files, i) => {
    const { keep, drop } = applyWithinSample(files, i, ties);
    used.push(keep);
    ignored.push(drop);
  });
  // Per name: which samples use it, and as which files.
  const byName = new Map<string, { samples: Set<number>; files: Map<string, string> }>();
  used.forEach((files, i) => {
    for (const f of files) {
      const entry = byName.get(f.name) ?? { samples: new Set<number>(), files: new Map<string, string>() };
      entry.samples.add(i);
      entry.files.set(f.id, f.path);
      byName.set(f.name, entry);
    }
  });
  const clashes = [...byName]
    .filter(([, e]) => e.samples.size > 1 && e.files.size > 1)
    .map(([name, e]) => ({ name, samples: [...e.samples], paths: [...e.files.values()] }));
  return { used, ignored, ties, clashes };
}

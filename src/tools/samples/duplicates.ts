/**
 * ICA's duplicate-file rule for sample creation batches (ICA API guide, "Duplicate Files on
 * SampleCreationBatch"): copies of a file name are judged across the whole batch; the copy in the
 * lowest-level (deepest) folder is used, copies in higher-level folders or the root are ignored. Copies tied
 * at the deepest level are all used, and the tie is reported.
 *
 * Example (the guide's): main/file1, main/file2, main/folder1/file1 -> main/file2 and main/folder1/file1 are
 * used; main/file1 is ignored.
 */

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
  /** Names whose deepest copies tie: all of them are used. */
  ties: { name: string; paths: string[] }[];
}

/** Folders above a file: "/file1" -> 0, "/main/file1" -> 1, "/main/folder1/file1" -> 2. */
export function folderDepth(path: string): number {
  return path.split("/").filter(Boolean).length - 1;
}

export function applyDuplicateRule(perSample: CandidateFile[][]): DuplicateOutcome {
  // The deepest copies of every name, over the whole batch (distinct files only).
  const deepest = new Map<string, { depth: number; copies: Map<string, string> }>();
  for (const files of perSample) {
    for (const f of files) {
      const depth = folderDepth(f.path);
      const entry = deepest.get(f.name);
      if (!entry || depth > entry.depth) deepest.set(f.name, { depth, copies: new Map([[f.id, f.path]]) });
      else if (depth === entry.depth) entry.copies.set(f.id, f.path);
    }
  }
  const used: CandidateFile[][] = [];
  const ignored: IgnoredFile[][] = [];
  for (const files of perSample) {
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
    used.push(keep);
    ignored.push(drop);
  }
  const ties = [...deepest.entries()]
    .filter(([, e]) => e.copies.size > 1)
    .map(([name, e]) => ({ name, paths: [...e.copies.values()] }));
  return { used, ignored, ties };
}

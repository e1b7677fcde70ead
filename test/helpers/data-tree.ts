import type { DataRecord, SandboxState } from "../../src/sandbox/index.js";

/**
 * Adds files (and their missing folders) to a project of a test's own sandbox, e.g.
 * addTree(state, projectId, ["/t/main/file1", "/t/main/folder1/file1"]). Returns the records by full path
 * (folders end with "/").
 */
export function addTree(
  state: SandboxState,
  projectId: string,
  paths: string[],
  opts: { status?: DataRecord["status"] } = {},
): Map<string, DataRecord> {
  const byPath = new Map<string, DataRecord>();
  for (const d of state.data.where((x) => x.projectId === projectId)) byPath.set(state.fullPath(d), d);
  const now = state.now();
  const insert = (parentPath: string, name: string, dataType: "FILE" | "FOLDER"): DataRecord => {
    const full = `${parentPath}${name}${dataType === "FOLDER" ? "/" : ""}`;
    const existing = byPath.get(full);
    if (existing) return existing;
    const parent = parentPath === "/" ? undefined : byPath.get(parentPath);
    const record = state.data.insert({
      id: state.newDataId(dataType),
      projectId,
      name,
      path: parentPath,
      dataType,
      status: dataType === "FILE" ? (opts.status ?? "AVAILABLE") : "AVAILABLE",
      fileSizeInBytes: dataType === "FILE" ? 1024 : null,
      formatCode: dataType === "FILE" ? "TXT" : null,
      tags: {
        technicalTags: [],
        userTags: [],
        connectorTags: [],
        runInTags: [],
        runOutTags: [],
        referenceTags: [],
      },
      creatorId: state.defaultUserId,
      timeCreated: now,
      timeModified: now,
      parentId: parent?.id ?? null,
      objectETag: dataType === "FILE" ? "0".repeat(32) : null,
      willBeArchivedAt: null,
      willBeDeletedAt: null,
      nonIndexed: false,
    });
    byPath.set(full, record);
    return record;
  };
  for (const path of paths) {
    const parts = path.split("/").filter(Boolean);
    let parent = "/";
    parts.forEach((part, i) => {
      const last = i === parts.length - 1 && !path.endsWith("/");
      insert(parent, part, last ? "FILE" : "FOLDER");
      if (!last) parent = `${parent}${part}/`;
    });
  }
  return byPath;
}

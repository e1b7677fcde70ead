/** The output folder a launch with `outputParentFolderId` gets (named after the analysis reference). */
import type { DataRecord, SandboxState } from "../../state.js";

export function insertFolder(
  state: SandboxState,
  parent: DataRecord,
  name: string,
  ownerId: string,
): DataRecord {
  const now = state.now();
  return state.data.insert({
    id: state.newDataId("FOLDER"),
    projectId: parent.projectId,
    name,
    path: state.fullPath(parent),
    dataType: "FOLDER",
    status: "AVAILABLE",
    fileSizeInBytes: null,
    formatCode: null,
    tags: {
      technicalTags: [],
      userTags: [],
      connectorTags: [],
      runInTags: [],
      runOutTags: [],
      referenceTags: [],
    },
    creatorId: ownerId,
    timeCreated: now,
    timeModified: now,
    parentId: parent.id,
    objectETag: null,
    willBeArchivedAt: null,
    willBeDeletedAt: null,
    nonIndexed: false,
  });
}

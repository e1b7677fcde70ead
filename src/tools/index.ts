import type { AnyTool } from "../mcp/adapter.js";
import { getProjectTool } from "./get-project.js";
import { listProjectsTool } from "./list-projects.js";

/** Every curated tool, in the order tools/list shows them. Add a tool: one file, one line here. */
export const ALL_TOOLS: AnyTool[] = [listProjectsTool, getProjectTool];

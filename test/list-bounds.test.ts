/**
 * The largest result of every list tool stays under the adapter's MAX_TEXT_CHARS, so JSON is never cut:
 * lists are bounded by item count, and rows ICA made huge (here: 2,000-character names) by columnar.ts's
 * size bound, with an exact way on. The sandbox holds deliberately off-contract data, so it runs without
 * the OpenAPI contract check of test/helpers/sandbox.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_TEXT_CHARS } from "../src/mcp/adapter.js";
import { type Sandbox, SEED_PROJECTS, startSandbox } from "../src/sandbox/index.js";
import { MAX_COLLECTED_ANALYSES } from "../src/tools/list-analyses.js";
import { rowsOf } from "./helpers/columnar.js";
import { type Connected, connectTools } from "./helpers/mcp.js";
import { TEST_API_KEY } from "./helpers/sandbox.js";

const HUGE = 2_000;
const huge = (tag: string, i: number) => `${tag}-${i}-${"x".repeat(HUGE)}`;
let sb: Sandbox;
let c: Connected;
let projectId: string;

beforeAll(async () => {
  sb = await startSandbox({ apiKeys: [TEST_API_KEY] });
  const wgs = sb.state.projectByName(SEED_PROJECTS.wgs)!;
  projectId = wgs.id;
  let i = 0;
  for (const a of sb.state.analyses.where((x) => x.projectId === wgs.id)) {
    a.userReference = huge("u", i);
    a.reference = huge("r", i++);
  }
  for (const p of sb.state.projects.values()) p.name = huge("p", i++);
  for (const d of sb.state.data.where((x) => x.projectId === wgs.id)) d.name = huge("d", i++);
  for (const p of sb.state.pipelines.values()) p.code = huge("c", i++);
  for (const s of sb.state.storageCredentials.all()) s.name = huge("s", i++);
  c = await connectTools(sb, { env: { ICA_MAX_REQUESTS_PER_SECOND: "1000" } });
});
afterAll(async () => {
  await c?.close();
  await sb?.close();
});

type Result = { isError?: boolean; content: { type: string; text: string }[]; structuredContent: any };

async function largest(name: string, args: Record<string, unknown>): Promise<Result> {
  const res = (await c.client.callTool({ name, arguments: args })) as Result;
  expect(res.isError, res.content[0]?.text).toBeFalsy();
  expect(res.content).toHaveLength(2);
  const json = res.content[1]!.text;
  expect(json.length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
  expect(JSON.parse(json)).toEqual(res.structuredContent);
  return res;
}

describe("the largest result of each list tool stays under MAX_TEXT_CHARS, whole", () => {
  it("ica_list_analyses: one page, and maxItems in both paging modes", async () => {
    const page = await largest("ica_list_analyses", { projectId, pageSize: MAX_COLLECTED_ANALYSES });
    const shown = rowsOf<{ id: string }>(page);
    expect(page.structuredContent.rowsCut).toBeGreaterThan(0);
    expect(page.structuredContent.nextPageToken).toBeUndefined();
    // The way on is exact: the same position with pageSize = rows shown gives those rows and a cursor.
    const again = await largest("ica_list_analyses", { projectId, pageSize: shown.length });
    expect(rowsOf<{ id: string }>(again).map((r) => r.id)).toEqual(shown.map((r) => r.id));
    expect(again.structuredContent.rowsCut).toBeUndefined();
    expect(again.structuredContent.nextPageToken).toBeTruthy();
    await largest("ica_list_analyses", { projectId, maxItems: MAX_COLLECTED_ANALYSES });
    const sorted = await largest("ica_list_analyses", {
      projectId,
      maxItems: MAX_COLLECTED_ANALYSES,
      sort: "reference",
    });
    expect(sorted.structuredContent.nextPageOffset).toBe(rowsOf(sorted).length);
  });

  it("ica_list_projects, ica_list_data, ica_list_pipelines, ica_list_storage_credentials, ica_list_analysis_storages", async () => {
    await largest("ica_list_projects", { pageSize: 200 });
    await largest("ica_list_data", { projectId, pageSize: 200 });
    await largest("ica_list_data", { projectId, filename: "d-", pageSize: 200 });
    await largest("ica_list_pipelines", { projectId, pageSize: 200 });
    await largest("ica_list_storage_credentials", {});
    await largest("ica_list_analysis_storages", { projectId });
  });
});

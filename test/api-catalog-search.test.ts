/** ica_search_api over MCP: search quality on realistic questions, the shape of a match, and "no document". */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { untable } from "./helpers/columnar.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const SPEC_YAML = fileURLToPath(new URL("../../shared/ica-openapi/openapi_public.yaml", import.meta.url));
const HAVE_SPEC = existsSync(SPEC_YAML);
if (!HAVE_SPEC)
  console.warn("API catalogue tests skipped: ../shared/ica-openapi/openapi_public.yaml not found");

interface Match {
  operationId: string;
  method: string;
  path: string;
  summary: string;
  tag?: string;
  changesData: boolean;
  deprecated?: boolean;
  replacedBy?: string[];
  replacementNote?: string;
  versions?: string[];
  paging?: string;
  sortable?: string[];
  parameters: { name: string; in: string; required: boolean; type: string; description?: string }[];
  body?: {
    required: boolean;
    schema?: string;
    properties: { name: string; type: string; required: boolean; description?: string }[];
  };
  idempotencyKey?: boolean;
  notCallable?: string;
}
interface SearchResult {
  query: string;
  matches: Match[];
  operations: number;
  icaVersion?: string;
}

describe.skipIf(!HAVE_SPEC)("ica_search_api", () => {
  const sandbox = useSandbox({ openapiPath: SPEC_YAML });
  let c: Connected;
  beforeAll(async () => {
    c = await connectTools(sandbox());
  });
  afterAll(async () => {
    await c?.close();
  });

  async function search(query: string, limit?: number): Promise<SearchResult> {
    const res = await c.client.callTool({
      name: "ica_search_api",
      arguments: { query, ...(limit ? { limit } : {}) },
    });
    expect(res.isError, textOf(res)).toBeFalsy();
    return untable<SearchResult>(res);
  }

  // Realistic questions and an operation that must rank in the top 3.
  const QUESTIONS: [string, string][] = [
    ["workflow sessions", "searchWorkflowSessions"],
    ["download url", "createDownloadUrlForData"],
    ["archive data", "archiveData"],
    ["unarchive data", "unarchiveData"],
    ["abort analysis", "abortAnalysis"],
    ["failed analyses", "searchAnalyses"],
    ["storage credentials", "getStorageCredentials"],
    ["project permissions", "getProjectPermissions"],
    ["add a user to a project", "createProjectPermission"],
    ["create folder", "createFolder"],
    ["copy data", "createProjectDataCopyBatch"],
    ["move data to another folder", "createProjectDataMoveBatch"],
    ["activation code for nextflow", "findBestMatchingActivationCodesForNextflow"],
    ["launch nextflow pipeline", "createNextflowAnalysis"],
    ["event logs", "searchEventLogs"],
    ["analysis outputs", "getAnalysisOutputs"],
    ["analysis steps", "getAnalysisSteps"],
    ["input parameters of a pipeline", "getPipelineInputParameters"],
    ["list project pipelines", "getProjectPipelines"],
    ["docker images", "getDockerImages"],
    ["rename project", "updateProject"],
    ["delete data", "deleteData"],
    ["upload a file", "createFileWithUploadUrl"],
    ["sample metadata", "updateSampleMetadataFields"],
  ];

  it("ranks the expected operation in the top 3 for realistic questions", async () => {
    const misses: string[] = [];
    for (const [question, expected] of QUESTIONS) {
      const top = (await search(question, 3)).matches.map((m) => m.operationId);
      if (!top.includes(expected)) misses.push(`"${question}": expected ${expected}, got ${top.join(", ")}`);
    }
    expect(misses).toEqual([]);
  });

  it("puts an exact operationId first and describes it: parameters, paging, sortable fields, body, read-only", async () => {
    const res = await c.client.callTool({
      name: "ica_search_api",
      arguments: { query: "searchAnalyses", limit: 2 },
    });
    const s = untable<SearchResult>(res);
    // Columnar: the match keys once, and inside each match its parameters and body fields as tables too.
    const raw = res.structuredContent as { matches: { columns: string[]; rows: unknown[][] } };
    expect(raw.matches.columns.slice(0, 3)).toEqual(["operationId", "method", "path"]);
    expect(raw.matches.rows[0]![raw.matches.columns.indexOf("parameters")]).toMatchObject({
      columns: ["name", "in", "required", "type", "description"],
    });
    expect(s.operations).toBe(307);
    expect(s.icaVersion).toBe("3");
    expect(s.matches).toHaveLength(2);
    const m = s.matches[0]!;
    expect(m).toMatchObject({
      operationId: "searchAnalyses",
      method: "POST",
      path: "/api/projects/{projectId}/analysis:search",
      summary: "Search analyses.",
      tag: "Project Analysis",
      changesData: false,
      versions: ["v3"],
      paging: "cursor (pageToken from nextPageToken); offset (sort or pageOffset); pageSize",
      sortable: ["reference", "userReference", "pipeline", "status", "startDate", "endDate", "summary"],
    });
    expect(m.parameters.map((p) => `${p.name}:${p.in}:${p.required}:${p.type}`)).toEqual([
      "pageOffset:query:false:string",
      "pageToken:query:false:string",
      "pageSize:query:false:string",
      "sort:query:false:string",
      "projectId:path:true:string",
    ]);
    expect(m.body?.schema).toBe("AnalysisQueryParameters");
    expect(m.body?.required).toBe(false);
    expect(m.body?.properties.map((p) => p.name)).toEqual([
      "reference",
      "userReference",
      "status",
      "userTags",
      "technicalTags",
      "referenceTags",
    ]);
    const status = m.body?.properties.find((p) => p.name === "status");
    expect(status?.type).toBe(
      "REQUESTED|QUEUED|INITIALIZING|PREPARING_INPUTS|IN_PROGRESS|GENERATING_OUTPUTS|AWAITING_INPUT|ABORTING|SUCCEEDED|FAILED|FAILED_FINAL|ABORTED[]",
    );
    expect(m.deprecated).toBeUndefined();
    expect(textOf(res)).toContain("Next: ica_call_api");
  });

  it("marks writes, required body fields, Idempotency-Key and v4-only operations", async () => {
    const folder = (await search("createFolder", 1)).matches[0]!;
    expect(folder.operationId).toBe("createFolder");
    expect(folder.changesData).toBe(true);
    expect(folder.idempotencyKey).toBe(true);
    expect(folder.body?.required).toBe(true);
    const cwlJson = (await search("createCwlJsonAnalysis", 1)).matches[0]!;
    expect(cwlJson.versions).toEqual(["v4"]);
    const required = cwlJson.body?.properties.filter((p) => p.required).map((p) => p.name);
    expect(required).toEqual(expect.arrayContaining(["userReference", "pipelineId"]));
  });

  it("says what replaces a deprecated operation", async () => {
    const s = await search("getWorkflowSessions", 1);
    expect(s.matches[0]).toMatchObject({
      operationId: "getWorkflowSessions",
      deprecated: true,
      replacedBy: ["searchWorkflowSessions"],
      replacementNote: "Use the search endpoint to get V4 items.",
    });
    const storage = (await search("getAnalysisStorageOptions", 1)).matches[0]!;
    expect(storage.replacedBy).toEqual(["getProjectAnalysisStorageOptions"]);
    const cwl = (await search("createCwlAnalysis", 1)).matches[0]!;
    expect(cwl.deprecated).toBe(true);
    expect(cwl.replacedBy).toEqual([
      "createCwlJsonAnalysis",
      "createCwlAnalysisWithJsonInput",
      "createCwlAnalysisWithStructuredInput",
    ]);
    const data = (await search("createDataInProject", 1)).matches[0]!;
    expect(data.replacedBy).toContain("createFile");
    expect(data.replacedBy).toContain("createFolder");
  });

  it("says which operations cannot be sent (file uploads, token endpoints)", async () => {
    const upload = (await search("createNextflowPipeline", 1)).matches[0]!;
    expect(upload.notCallable).toBe(
      "it takes multipart/form-data (a file upload); use the ICA portal or the icav2 CLI",
    );
    const token = (await search("createJwtToken", 1)).matches[0]!;
    expect(token.notCallable).toContain("the server mints and refreshes its own tokens");
  });

  it("stays small: 10 full matches of the largest operations are far below the token limit", async () => {
    const res = await c.client.callTool({
      name: "ica_search_api",
      arguments: { query: "project data list analyses pipelines", limit: 10 },
    });
    const s = untable<SearchResult>(res);
    expect(s.matches).toHaveLength(10);
    expect(textOf(res).length).toBeLessThan(40_000);
  });

  it("answers no match with a next step, and rejects a limit over 10", async () => {
    const res = await c.client.callTool({ name: "ica_search_api", arguments: { query: "zzzz qqqq" } });
    expect(res.isError).toBeFalsy();
    expect(untable<SearchResult>(res).matches).toEqual([]);
    expect(textOf(res)).toContain('No ICA operation matches "zzzz qqqq". Next: try other words');
    const bad = await c.client.callTool({ name: "ica_search_api", arguments: { query: "data", limit: 11 } });
    expect(bad.isError).toBe(true);
  });
});

describe("without a published document", () => {
  const sandbox = useSandbox();

  it("both tools answer a clear isError, and the curated tools still work", async () => {
    const c = await connectTools(sandbox());
    try {
      const search = await c.client.callTool({
        name: "ica_search_api",
        arguments: { query: "workflow sessions" },
      });
      expect(search.isError).toBe(true);
      expect(textOf(search)).toBe(
        `the ICA API catalogue is unavailable: ${sandbox().origin} has no OpenAPI document at /ica/api/swagger/openapi_public.yaml (404: This sandbox publishes no OpenAPI document (start it with the openapiPath or describeRoutes option)).\nNext step: the curated ica_* tools still work; it is fetched again on a call after 60 s. The catalogue is ICA's own OpenAPI document at ${sandbox().origin}/ica/api/swagger/openapi_public.yaml.`,
      );
      const call = await c.client.callTool({
        name: "ica_call_api",
        arguments: { operationId: "getProjects" },
      });
      expect(call.isError).toBe(true);
      expect(textOf(call)).toContain("the ICA API catalogue is unavailable");
      expect(textOf(call)).toMatch(/fetched again on a call after (59|60) s/);
      // Remembered: the second tool did not fetch again.
      const fetches = sandbox().requestLog.filter((r) => r.path === "/ica/api/swagger/openapi_public.yaml");
      expect(fetches).toHaveLength(1);
      const projects = await c.client.callTool({ name: "ica_list_projects", arguments: {} });
      expect(projects.isError).toBeFalsy();
    } finally {
      await c.close();
    }
  });
});

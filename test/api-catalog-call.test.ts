/**
 * ica_call_api over MCP against the sandbox: validation before sending (every problem listed), GET and POST
 * round trips with exact requests, read-only mode, allowed projects, Idempotency-Key, secrets, the size bound.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { boundValue } from "../src/ica/openapi/bound.js";
import { selectTools } from "../src/mcp/server.js";
import { MAX_RESULT_CHARS } from "../src/tools/call-api.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const SPEC_YAML = fileURLToPath(new URL("../../shared/ica-openapi/openapi_public.yaml", import.meta.url));
const HAVE_SPEC = existsSync(SPEC_YAML);
if (!HAVE_SPEC)
  console.warn("API catalogue tests skipped: ../shared/ica-openapi/openapi_public.yaml not found");

interface CallResult {
  operationId: string;
  method: string;
  path: string;
  status: number;
  result?: unknown;
  truncated: boolean;
  notice?: string;
  nextPageToken?: string;
  deprecated?: { replacedBy?: string[]; note?: string };
}

describe.skipIf(!HAVE_SPEC)("ica_call_api", () => {
  const sandbox = useSandbox({ openapiPath: SPEC_YAML });
  let c: Connected;
  beforeAll(async () => {
    c = await connectTools(sandbox());
  });
  afterAll(async () => {
    await c?.close();
  });

  const wgs = () => sandbox().seed.projects.wgs;
  const apiExchanges = () => sandbox().exchanges.filter((e) => e.path !== "/api/tokens");

  async function call(client: Connected, args: Record<string, unknown>) {
    const res = await client.client.callTool({ name: "ica_call_api", arguments: args });
    return { res, s: res.structuredContent as unknown as CallResult, text: textOf(res) };
  }

  it("GET round trip: getProject by path parameter, exactly one request in v3", async () => {
    const before = apiExchanges().length;
    const { res, s } = await call(c, { operationId: "getProject", path: { projectId: wgs() } });
    expect(res.isError, textOf(res)).toBeFalsy();
    expect(s).toMatchObject({
      operationId: "getProject",
      method: "GET",
      path: `/api/projects/${wgs()}`,
      status: 200,
      truncated: false,
    });
    const sent = apiExchanges().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: "GET", path: `/api/projects/${wgs()}`, query: [], status: 200 });
    expect(sent[0]!.requestHeaders.accept).toBe("application/vnd.illumina.v3+json");
    expect(s.result).toEqual(sent[0]!.responseBody);
  });

  it("GET with query: values are coerced to the declared types and a next page is offered", async () => {
    const before = apiExchanges().length;
    const { res, s, text } = await call(c, { operationId: "getProjects", query: { pageSize: 2 } });
    expect(res.isError, text).toBeFalsy();
    const sent = apiExchanges().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.query).toEqual([["pageSize", "2"]]);
    expect((s.result as { items: unknown[] }).items).toHaveLength(2);
    expect(s.nextPageToken).toBeTruthy();
    expect(text.split("\n")[0]).toBe(
      `getProjects: GET /api/projects -> 200, 2 item(s). more: call again with query.pageToken="${s.nextPageToken}".`,
    );
    const next = await call(c, {
      operationId: "getProjects",
      query: { pageSize: 2, pageToken: s.nextPageToken },
    });
    expect(next.res.isError).toBeFalsy();
    expect(apiExchanges().at(-1)!.query).toEqual([
      ["pageToken", s.nextPageToken],
      ["pageSize", "2"],
    ]);
  });

  it("POST round trip: searchAnalyses sends the validated body as v3 and filters exactly", async () => {
    const before = apiExchanges().length;
    const { res, s } = await call(c, {
      operationId: "searchAnalyses",
      path: { projectId: wgs() },
      query: { pageSize: 5 },
      body: { status: ["FAILED"] },
    });
    expect(res.isError, textOf(res)).toBeFalsy();
    const sent = apiExchanges().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: "POST",
      path: `/api/projects/${wgs()}/analysis:search`,
      query: [["pageSize", "5"]],
      requestBody: { status: ["FAILED"] },
      status: 200,
    });
    expect(sent[0]!.requestHeaders["content-type"]).toBe("application/vnd.illumina.v3+json");
    expect(sent[0]!.requestHeaders["idempotency-key"]).toBeUndefined();
    const items = (s.result as { items: { status: string }[] }).items;
    expect(items.length).toBe(5);
    expect(new Set(items.map((a) => a.status))).toEqual(new Set(["FAILED"]));
  });

  it("lists every problem at once and sends nothing", async () => {
    const before = apiExchanges().length;
    const { res, text } = await call(c, {
      operationId: "getProjectDataList",
      path: { projectId: "", dataId: "x" },
      query: { bogus: 1, type: "FILES", filenameMatchMode: "fuzzy", creationDateAfter: "yesterday" },
    });
    expect(res.isError).toBe(true);
    const lines = text.split("\n");
    expect(lines[0]).toBe("Invalid arguments for ica_call_api:");
    expect(lines.slice(1, -1)).toEqual([
      "- path.dataId: unknown path parameter; getProjectDataList takes: projectId",
      "- path.projectId: missing (required by /api/projects/{projectId}/data)",
      expect.stringMatching(
        /^- query\.bogus: unknown query parameter; getProjectDataList takes: fullText, id, filename, /,
      ),
      '- query.filenameMatchMode: "fuzzy" must be one of EXACT, EXCLUDE, FUZZY',
      '- query.type: "FILES" must be one of FILE, FOLDER',
      '- query.creationDateAfter: must match format "date-time" (got "yesterday")',
    ]);
    expect(lines.at(-1)).toBe(
      'Next step: fix every problem above and call again; ica_search_api with query "getProjectDataList" lists its parameters and body fields.',
    );
    expect(apiExchanges().length).toBe(before);
  });

  it("checks bodies against the schema: exact enum values, unknown and missing fields, wrong types", async () => {
    const before = apiExchanges().length;
    const search = await call(c, {
      operationId: "searchAnalyses",
      path: { projectId: wgs() },
      body: { status: ["FAILEDFINAL", "FAILED_FINAL"], bogus: true, userTags: { a: 1 } },
    });
    expect(search.res.isError).toBe(true);
    expect(search.text).toContain(
      '- body.status[0]: "FAILEDFINAL" must be exactly one of REQUESTED, QUEUED, INITIALIZING, PREPARING_INPUTS, IN_PROGRESS, GENERATING_OUTPUTS, AWAITING_INPUT, ABORTING, SUCCEEDED, FAILED, FAILED_FINAL, ABORTED',
    );
    expect(search.text).toContain(
      '- body: unknown property "bogus" (known: reference, userReference, status, userTags, technicalTags, referenceTags)',
    );
    expect(search.text).toContain('- body.userTags: must be array (got object {"a":1})');
    expect(search.text).not.toContain('"FAILED_FINAL" must');

    const folder = await call(c, { operationId: "createFolder", path: { projectId: wgs() } });
    expect(folder.text).toContain(
      "- body: required (a CreateFolder object; ica_search_api shows its fields)",
    );
    const noName = await call(c, {
      operationId: "createFolder",
      path: { projectId: wgs() },
      body: { folderPath: "/no-slash" },
    });
    expect(noName.text).toContain('- body: missing required property "name"');
    expect(noName.text).toContain('- body.folderPath: must match pattern ".*/$" (got "/no-slash")');
    const extra = await call(c, { operationId: "getProjects", body: { a: 1 } });
    expect(extra.text).toContain("- body: getProjects takes no request body; remove it");
    const v4 = await call(c, { operationId: "getProjects", version: "v4" });
    expect(v4.text).toContain("- version: getProjects offers only v3, not v4");
    expect(apiExchanges().length).toBe(before);
  });

  it("names unknown operations and refuses uploads and token endpoints", async () => {
    const unknown = await call(c, { operationId: "listEverything" });
    expect(unknown.res.isError).toBe(true);
    expect(unknown.text).toContain(
      "- operationId: listEverything is not an operation of this ICA instance (307 operations); find operations with ica_search_api",
    );
    const near = await call(c, { operationId: "getprojects" });
    expect(near.text).toContain("did you mean getProjects");
    const upload = await call(c, { operationId: "createCwlPipeline", path: { projectId: wgs() } });
    expect(upload.text).toContain(
      "createCwlPipeline cannot be called through ica_call_api: it takes multipart/form-data (a file upload)",
    );
    const token = await call(c, { operationId: "createJwtToken" });
    expect(token.text).toContain("the server mints and refreshes its own tokens");
  });

  it("maps ICA errors like every tool does", async () => {
    const { res, text } = await call(c, {
      operationId: "getProject",
      path: { projectId: "00000000-0000-0000-0000-000000000000" },
    });
    expect(res.isError).toBe(true);
    expect(text).toMatch(/^ICA answered 404 Not Found to GET \/api\/projects\/\{projectId\}/);
  });

  it("says what replaces a deprecated operation it calls", async () => {
    const { res, s, text } = await call(c, { operationId: "getAnalysisStorageOptions" });
    expect(res.isError, text).toBeFalsy();
    expect(s.deprecated).toEqual({
      replacedBy: ["getProjectAnalysisStorageOptions"],
      note: "Use the search project analysis storage endpoint to get V4 items.",
    });
    expect(text.split("\n")[0]).toContain("deprecated: use getProjectAnalysisStorageOptions instead.");
  });

  it("derives an Idempotency-Key from the arguments, so an identical repeat creates nothing new", async () => {
    const args = {
      operationId: "createSampleCreationBatch",
      path: { projectId: wgs() },
      body: { items: [{ sampleToCreate: { name: "CALL-API-1" }, completeSample: false }] },
    };
    const batches = () => sandbox().state.sampleBatches.where((b) => b.projectId === wgs()).length;
    const before = batches();
    const first = await call(c, args);
    const second = await call(c, args);
    expect(first.res.isError, first.text).toBeFalsy();
    expect(second.s.result).toEqual(first.s.result);
    const sent = sandbox().exchanges.filter((e) => e.path.endsWith("/sampleCreationBatch"));
    const keys = sent.slice(-2).map((e) => e.requestHeaders["idempotency-key"]);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(batches()).toBe(before + 1);
    const again = await call(c, { ...args, idempotencyKey: "deliberate-repeat-1" });
    expect(again.res.isError).toBeFalsy();
    expect(sandbox().exchanges.at(-1)!.requestHeaders["idempotency-key"]).toBe("deliberate-repeat-1");
    expect(batches()).toBe(before + 2);
    const wrong = await call(c, { operationId: "getProjects", idempotencyKey: "x" });
    expect(wrong.text).toContain("- idempotencyKey: getProjects takes no Idempotency-Key; remove it");
  });

  it("never shows a secret it was given, even when ICA echoes it in an error", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCALLAPI01";
    const body = {
      name: "lab-s3-readonly",
      type: "AWS_USER",
      awsCredentials: { accessKeyId: "AKIACALLAPI000000001", secretAccessKey: secret },
    };
    const { res, text } = await call(c, { operationId: "createStorageCredential", body });
    expect(res.isError).toBe(true);
    expect(text).toContain("ICA answered 409 Conflict to POST /api/storageCredentials");
    expect(text).not.toContain(secret);
    const sent = sandbox().exchanges.at(-1)!;
    expect((sent.requestBody as typeof body).awsCredentials.secretAccessKey).toBe(secret);
  });

  it("bounds a large listing: keeps the leading items that fit and says how to ask for less", async () => {
    const { res, s, text } = await call(c, {
      operationId: "searchAnalyses",
      path: { projectId: wgs() },
      query: { pageSize: 400 },
    });
    expect(res.isError, text).toBeFalsy();
    const full = sandbox().exchanges.at(-1)!.responseBody as { items: { id: string }[] };
    expect(full.items).toHaveLength(400);
    const kept = (s.result as { items: { id: string }[] }).items;
    expect(s.truncated).toBe(true);
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.length).toBeLessThan(400);
    expect(kept.map((a) => a.id)).toEqual(full.items.slice(0, kept.length).map((a) => a.id));
    expect(JSON.stringify(s.result).length).toBeLessThanOrEqual(MAX_RESULT_CHARS);
    expect(s.notice).toBe(
      `kept ${kept.length} of 400 items entries; ask for fewer (query.pageSize=${kept.length}) and page on, or add filters`,
    );
    expect(text.split("\n")[0]).toContain(`cut: kept ${kept.length} of 400 items entries`);
    expect(text.length).toBeLessThan(2 * MAX_RESULT_CHARS + 2_000);
  });

  it("uses ICA_PROJECT_ID when the projectId path parameter is omitted", async () => {
    const d = await connectTools(sandbox(), { env: { ICA_PROJECT_ID: wgs() } });
    try {
      const { res, s } = await call(d, { operationId: "getProject" });
      expect(res.isError, textOf(res)).toBeFalsy();
      expect(s.path).toBe(`/api/projects/${wgs()}`);
    } finally {
      await d.close();
    }
  });
});

describe.skipIf(!HAVE_SPEC)("ica_call_api: read-only mode and allowed projects", () => {
  const sandbox = useSandbox({ openapiPath: SPEC_YAML });
  const wgs = () => sandbox().seed.projects.wgs;
  const oncology = () => sandbox().seed.projects.oncology;

  it("read-only mode keeps both generic tools registered (and drops the write tools)", () => {
    const parsed = parseConfig([], { ICA_READ_ONLY: "true", ICA_API_KEY: "k" });
    if (!parsed.ok) throw new Error(parsed.message);
    const names = selectTools(parsed.config).map((t) => t.name);
    expect(names).toContain("ica_call_api");
    expect(names).toContain("ica_search_api");
    expect(names).not.toContain("ica_abort_analysis");
  });

  it("read-only mode refuses writes before sending and allows GETs and searches", async () => {
    const c = await connectTools(sandbox(), { env: { ICA_READ_ONLY: "true" } });
    try {
      const { tools } = await c.client.listTools();
      expect(tools.map((t) => t.name)).toContain("ica_call_api");
      const before = sandbox().exchanges.length;
      for (const [operationId, extra] of [
        ["createProject", { body: { name: "x" } }],
        ["deleteUploadRule", { path: { connectorId: "c", uploadRuleId: "x" } }],
        ["abortAnalysis", { path: { projectId: wgs(), analysisId: "x" } }],
        ["updateProject", { path: { projectId: wgs() }, body: {} }],
      ] as const) {
        const res = await c.client.callTool({ name: "ica_call_api", arguments: { operationId, ...extra } });
        expect(res.isError, operationId).toBe(true);
        expect(textOf(res)).toContain(`- ${operationId} (`);
        expect(textOf(res)).toContain("changes data in ICA, and this server is read-only (ICA_READ_ONLY)");
      }
      expect(sandbox().exchanges.length).toBe(before);
      const search = await c.client.callTool({
        name: "ica_call_api",
        arguments: { operationId: "searchAnalyses", path: { projectId: wgs() }, query: { pageSize: 1 } },
      });
      expect(search.isError, textOf(search)).toBeFalsy();
      const get = await c.client.callTool({
        name: "ica_call_api",
        arguments: { operationId: "getProjects" },
      });
      expect(get.isError).toBeFalsy();
    } finally {
      await c.close();
    }
  });

  it("applies ICA_ALLOWED_PROJECTS to projectId arguments in the path, the query and the body", async () => {
    const c = await connectTools(sandbox(), { allowedProjects: new Set([wgs()]) });
    try {
      const before = sandbox().exchanges.length;
      const denied = await c.client.callTool({
        name: "ica_call_api",
        arguments: { operationId: "getProject", path: { projectId: oncology() } },
      });
      expect(denied.isError).toBe(true);
      expect(textOf(denied)).toContain(`project ${oncology()} is not in ICA_ALLOWED_PROJECTS`);
      const inQuery = await c.client.callTool({
        name: "ica_call_api",
        arguments: {
          operationId: "getProjectDataList",
          path: { projectId: wgs() },
          query: { owningProjectId: [oncology()] },
        },
      });
      expect(inQuery.isError).toBe(true);
      expect(textOf(inQuery)).toContain(`project ${oncology()} is not in ICA_ALLOWED_PROJECTS`);
      const inBody = await c.client.callTool({
        name: "ica_call_api",
        arguments: {
          operationId: "findBestMatchingActivationCodesForNextflow",
          body: { projectId: oncology(), pipelineId: "p", analysisInput: { inputs: [] } },
        },
      });
      expect(inBody.isError).toBe(true);
      // No project in its path: refused under an allow-list whatever the body says.
      expect(textOf(inBody)).toContain("names no project in its path");
      expect(sandbox().exchanges.length).toBe(before);
      const allowed = await c.client.callTool({
        name: "ica_call_api",
        arguments: { operationId: "getProject", path: { projectId: wgs() } },
      });
      expect(allowed.isError, textOf(allowed)).toBeFalsy();
      // Listings outside a project keep only the allowed projects' entries, and say so.
      const list = await c.client.callTool({
        name: "ica_call_api",
        arguments: { operationId: "getProjects", query: { pageSize: 1000 } },
      });
      const s = list.structuredContent as unknown as CallResult & { hiddenByAllowedProjects?: number };
      const all = (sandbox().exchanges.at(-1)!.responseBody as { items: unknown[] }).items.length;
      expect((s.result as { items: { id: string }[] }).items.map((p) => p.id)).toEqual([wgs()]);
      expect(s.hiddenByAllowedProjects).toBe(all - 1);
      expect(textOf(list).split("\n")[0]).toContain(
        `1 item(s). ${all - 1} entries of projects outside ICA_ALLOWED_PROJECTS hidden.`,
      );
    } finally {
      await c.close();
    }
  });
});

describe("boundValue (the size bound of ica_call_api)", () => {
  it("leaves small values alone", () => {
    expect(boundValue({ a: 1 }, 100)).toEqual({ value: { a: 1 }, truncated: false });
  });

  it("keeps the leading entries of a top-level list that fit", () => {
    const list = Array.from({ length: 50 }, (_, i) => ({ i, name: `item-${i}` }));
    const b = boundValue(list, 200);
    expect(b.truncated).toBe(true);
    expect(JSON.stringify(b.value).length).toBeLessThanOrEqual(200);
    const kept = b.value as typeof list;
    expect(kept).toEqual(list.slice(0, kept.length));
    expect(b.notice).toBe(
      `kept ${kept.length} of 50 entries; ask for fewer (query.pageSize=${kept.length}) and page on, or add filters`,
    );
  });

  it("shortens long texts of a single object, and falls back to a cut JSON text", () => {
    const one = boundValue({ id: "x", log: "y".repeat(5_000) }, 1_000);
    expect(one.truncated).toBe(true);
    expect(one.notice).toBe("long texts were shortened");
    expect((one.value as { log: string }).log).toBe(`${"y".repeat(500)}… [4500 more characters]`);
    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    const cut = boundValue(wide, 300);
    expect(typeof cut.value).toBe("string");
    expect((cut.value as string).length).toBe(300);
    expect(cut.notice).toContain("showing the first 300 characters of its JSON text");
  });
});

/**
 * The faults the generated level found, each pinned with the exact answer that showed it (every answer here
 * is valid against ICA's OpenAPI document, or differs only by an enum value a later ICA may add).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rowsOf } from "../helpers/columnar.js";
import { textOf } from "../helpers/mcp.js";
import { loadContractSpec } from "../helpers/openapi/load.js";
import { connectToSpecIca } from "../helpers/spec-connect.js";
import { type SpecIca, startSpecIca } from "../helpers/spec-ica.js";

const spec = loadContractSpec();
const PROJECT = "11111111-1111-4111-8111-111111111111";
const ANALYSIS = "22222222-2222-4222-8222-222222222222";
const JOB = "33333333-3333-4333-8333-333333333333";
const TS = "2026-01-02T03:04:05Z";

let ica: SpecIca;
let client: Client;
let close: () => Promise<void>;

function details(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timeCreated: TS,
    timeModified: TS,
    tenantId: PROJECT,
    owningProjectId: PROJECT,
    name: "file1.txt",
    path: "/runs/file1.txt",
    status: "AVAILABLE",
    tags: { technicalTags: [], userTags: [] },
    dataType: "FILE",
    ...over,
  };
}

async function call(name: string, args: Record<string, unknown>) {
  const res = await client.callTool({ name, arguments: args });
  return { res, text: textOf(res), structured: res.structuredContent as Record<string, any> | undefined };
}

describe.skipIf(!spec)("spec-valid answers that used to crash or garble tools", () => {
  beforeAll(async () => {
    ica = await startSpecIca({ document: spec!.document });
    const connected = await connectToSpecIca(ica);
    client = connected.client;
    close = async () => {
      await connected.close();
      await ica.close();
    };
  });
  afterAll(async () => close?.());
  beforeEach(() => ica.reset(1));

  it("ica_get_job on a null job is an error naming the operation, not an internal error", async () => {
    ica.answer("getJob", null);
    const { res, text } = await call("ica_get_job", { jobId: JOB });
    expect(res.isError).toBe(true);
    expect(text).toMatch(/getJob \(GET \/api\/jobs\/\{jobId\}\) cannot be used: it is null/);
    expect(text).not.toMatch(/Internal error/);
  });

  it("ica_get_job on a job whose project is null shows the job without a project", async () => {
    ica.answer("getJob", {
      id: JOB,
      owner: { id: PROJECT },
      status: "RUNNING",
      subjectId: JOB,
      subjectType: "SampleCreationBatch",
      timeCreated: TS,
      project: null,
      timeStarted: null,
      additionalStatusInformation: null,
    });
    const { res, structured } = await call("ica_get_job", { jobId: JOB });
    expect(res.isError).toBeFalsy();
    expect(structured).toMatchObject({ id: JOB, status: "RUNNING", done: false });
    expect(structured).not.toHaveProperty("projectId");
    expect(structured).not.toHaveProperty("timeStarted");
  });

  it("ica_get_analysis with inputs skips null externalData entries and keeps the rest", async () => {
    ica.answer("getAnalysisInputs", {
      items: [
        {
          code: "reads",
          analysisData: [null, { dataId: "fil.a", name: "a.fq", dataType: "FILE", format: null }],
          externalData: [null, { url: "https://example.org/x.fq?sig=secret", type: "http" }],
        },
      ],
    });
    const { res, structured } = await call("ica_get_analysis", {
      projectId: PROJECT,
      analysisId: ANALYSIS,
      include: ["inputs"],
    });
    expect(res.isError).toBeFalsy();
    expect(structured?.inputs).toEqual([
      {
        code: "reads",
        data: [{ dataId: "fil.a", name: "a.fq", type: "FILE" }],
        external: [{ type: "http", url: "https://example.org/x.fq" }],
      },
    ]);
  });

  it("ica_get_data keeps a result whose tag lists hold nulls", async () => {
    ica.answer("getProjectData", {
      projectId: PROJECT,
      data: { id: "fil.1", details: details({ tags: { userTags: ["keep", null], technicalTags: [null] } }) },
    });
    const { res, structured } = await call("ica_get_data", { projectId: PROJECT, dataId: "fil.1" });
    expect(res.isError).toBeFalsy();
    expect(structured).toMatchObject({ id: "fil.1", userTags: ["keep"], technicalTags: [], type: "FILE" });
  });

  it("a data item without details is not shown as a FILE at /", async () => {
    ica.answer("getProjectData", { projectId: PROJECT, data: { id: "fil.2" } });
    const { res, structured, text } = await call("ica_get_data", { projectId: PROJECT, dataId: "fil.2" });
    expect(res.isError).toBeFalsy();
    expect(structured).not.toHaveProperty("type");
    expect(structured).not.toHaveProperty("path");
    expect(text).toMatch(/did not say whether it is a file or a folder/);
    ica.answer("getProjectDataList", { items: [{ projectId: PROJECT, data: { id: "fil.2" } }] });
    const listed = await call("ica_list_data", { projectId: PROJECT });
    expect(listed.res.isError).toBeFalsy();
    const [row] = rowsOf(listed.res);
    expect(row).toEqual({ id: "fil.2" });
  });

  it("ica_create_download_url refuses a 'URL' that is not an http(s) URL, without echoing it", async () => {
    ica.answer("getProjectData", { projectId: PROJECT, data: { id: "fil.3", details: details() } });
    for (const url of ["javascript:alert(1)", "not a url", ""]) {
      ica.answer("createDownloadUrlForData", { url });
      const { res, text } = await call("ica_create_download_url", { projectId: PROJECT, dataId: "fil.3" });
      expect(res.isError).toBe(true);
      expect(text).toMatch(/createDownloadUrlForData holds no (http\(s\) )?URL/);
      if (url) expect(text).not.toContain(url);
      expect(text).not.toMatch(/Internal error/);
    }
  });
});

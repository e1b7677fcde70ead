/**
 * ICA_ALLOWED_PROJECTS through ica_call_api, against a hostile fake ICA: project ids are found at any depth
 * and in any spelling of the key, operations without a project in their path are refused unless ownership is
 * verified first, and entries without a project id are not taken as allowed.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectIdsIn } from "../../src/ica/openapi/scope.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { rowsOf } from "../helpers/columnar.js";
import { type Connected, connectTools, textOf } from "../helpers/mcp.js";
import { type HostileIca, SPEC_YAML, startHostileIca } from "./hostile-ica.js";

const HAVE_SPEC = existsSync(SPEC_YAML);
const A = "0a0a0a0a-1111-4111-8111-aaaaaaaaaaaa";
const B = "0b0b0b0b-2222-4222-8222-bbbbbbbbbbbb";
const DATA_A = "fil.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const DATA_B = "fil.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const DATA_ORPHAN = "fil.cccccccccccccccccccccccccccccccc";

describe("the project-id walk", () => {
  it("finds project ids in any spelling of the key, at any depth, in lists and project objects", () => {
    const found = projectIdsIn(
      { projectId: "p1" },
      { OWNINGPROJECTID: ["p2", "p3"] },
      {
        a: [{ b: { c: [{ targetprojectid: "p4" }] } }],
        destinationProject: { id: "p5" },
        sourceProjectIds: ["p6"],
        weird: { projectId: 42 },
      },
    );
    expect(found.sort()).toEqual(["42", "p1", "p2", "p3", "p4", "p5", "p6"]);
  });

  it("fails closed on nesting it will not walk", () => {
    let deep: unknown = { projectId: "hidden" };
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => projectIdsIn(deep)).toThrow(/nested too deeply/);
  });
});

describe.skipIf(!HAVE_SPEC)("ICA_ALLOWED_PROJECTS in ica_call_api (hostile fake ICA)", () => {
  let ica: HostileIca;
  let c: Connected;
  beforeAll(async () => {
    ica = await startHostileIca();
    const data = (id: string, owner: string | null) => ({
      id,
      urn: `urn:ilmn:ica:region:r:data:${id}#/x.txt`,
      details: { name: "x.txt", owningProjectId: owner },
    });
    ica.route(`GET /api/data/${DATA_A}`, { body: data(DATA_A, A) });
    ica.route(`GET /api/data/${DATA_B}`, { body: data(DATA_B, B) });
    ica.route(`GET /api/data/${DATA_ORPHAN}`, { body: data(DATA_ORPHAN, null) });
    ica.route(`POST /api/data/${DATA_A}:createDownloadUrl`, {
      body: { url: "https://bucket.example/x?X-Amz-Signature=abc" },
    });
    ica.route(`POST /api/data/${DATA_B}:createDownloadUrl`, { body: { url: "https://bucket.example/leak" } });
    ica.route("GET /api/projects", {
      body: { items: [{ id: A, name: "a" }, { id: B, name: "b" }, { name: "no id" }], totalItemCount: 3 },
    });
    ica.route(`POST /api/projects/${A}/analysis:nextflow`, { status: 201, body: { id: "created" } });
    c = await connectTools({ url: ica.url } as Sandbox, { env: { ICA_ALLOWED_PROJECTS: A } });
  });
  afterAll(async () => {
    await c?.close();
    await ica?.close();
  });

  const call = (args: Record<string, unknown>) =>
    c.client.callTool({ name: "ica_call_api", arguments: args });
  const sent = (from: number) =>
    ica
      .apiRequests()
      .slice(from)
      .map((r) => `${r.method} ${r.path}`);

  it("refuses createNextflowAnalysis on allowed A writing its output into B (it used to be sent)", async () => {
    const n = ica.apiRequests().length;
    const res = await call({
      operationId: "createNextflowAnalysis",
      path: { projectId: A },
      body: {
        userReference: "run",
        pipelineId: "p",
        analysisInput: { inputs: [] },
        analysisOutput: [{ sourcePath: "out/", targetPath: "/", targetProjectId: B }],
      },
    });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain(`project ${B} is not in ICA_ALLOWED_PROJECTS`);
    expect(sent(n)).toEqual([]);
  });

  it("refuses operations without a project in their path before anything is sent", async () => {
    const n = ica.apiRequests().length;
    for (const operationId of ["getSamples", "getEventLogs", "getBundles", "getJobs"]) {
      const res = await call({ operationId });
      expect(res.isError, operationId).toBe(true);
      expect(textOf(res)).toContain(`${operationId} (GET `);
      expect(textOf(res)).toContain("names no project in its path");
    }
    expect(sent(n)).toEqual([]);
  });

  it("reads data by URN only after getData shows an allowed owning project (one request)", async () => {
    let n = ica.apiRequests().length;
    const ok = await call({ operationId: "getData", path: { dataUrn: DATA_A } });
    expect(ok.isError, textOf(ok)).toBeFalsy();
    expect(sent(n)).toEqual([`GET /api/data/${DATA_A}`]);

    n = ica.apiRequests().length;
    const other = await call({ operationId: "getData", path: { dataUrn: DATA_B } });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain(`project ${B} is not in ICA_ALLOWED_PROJECTS`);
    expect(textOf(other)).not.toContain("x.txt");

    const orphan = await call({ operationId: "getData", path: { dataUrn: DATA_ORPHAN } });
    expect(orphan.isError).toBe(true);
    expect(textOf(orphan)).toContain("names no owning project");
    expect(sent(n)).toEqual([`GET /api/data/${DATA_B}`, `GET /api/data/${DATA_ORPHAN}`]);
  });

  it("creates a download URL by URN only for data of an allowed project", async () => {
    let n = ica.apiRequests().length;
    const denied = await call({
      operationId: "createDownloadUrlForDataWithoutProjectContext",
      path: { dataUrn: DATA_B },
    });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).not.toContain("bucket.example/leak");
    expect(sent(n)).toEqual([`GET /api/data/${DATA_B}`]);

    n = ica.apiRequests().length;
    const ok = await call({
      operationId: "createDownloadUrlForDataWithoutProjectContext",
      path: { dataUrn: DATA_A },
    });
    expect(ok.isError, textOf(ok)).toBeFalsy();
    expect(sent(n)).toEqual([`GET /api/data/${DATA_A}`, `POST /api/data/${DATA_A}:createDownloadUrl`]);
  });

  it("checks a job's project before showing it", async () => {
    const jobA = "3c3c3c3c-3333-4333-8333-cccccccccccc";
    const jobB = "4d4d4d4d-4444-4444-8444-dddddddddddd";
    const job = (id: string, project: unknown) => ({
      id,
      status: "SUCCEEDED",
      subjectType: "SampleCreationBatch",
      subjectId: id,
      timeCreated: "2026-01-01T00:00:00Z",
      owner: { id: "u" },
      project,
    });
    ica.route(`GET /api/jobs/${jobA}`, { body: job(jobA, { id: A }) });
    ica.route(`GET /api/jobs/${jobB}`, { body: job(jobB, { id: B, name: "secret project" }) });
    const ok = await call({ operationId: "getJob", path: { jobId: jobA } });
    expect(ok.isError, textOf(ok)).toBeFalsy();
    const denied = await call({ operationId: "getJob", path: { jobId: jobB } });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).not.toContain("secret project");
  });

  it("lists only allowed projects; an entry without an id is not taken as allowed", async () => {
    const res = await call({ operationId: "getProjects" });
    const s = res.structuredContent as {
      result: { items: { id?: string }[] };
      hiddenByAllowedProjects: number;
    };
    expect(s.result.items.map((p) => p.id)).toEqual([A]);
    expect(s.hiddenByAllowedProjects).toBe(2);
  });

  it("ica_search_api says which operations the allow-list lets through", async () => {
    const res = await c.client.callTool({
      name: "ica_search_api",
      arguments: { query: "getSamples", limit: 1 },
    });
    type Match = { operationId: string; allowedProjects?: string };
    expect(rowsOf<Match>(res, "matches")[0]).toMatchObject({
      operationId: "getSamples",
      allowedProjects: expect.stringMatching(/^refused/),
    });
    const data = await c.client.callTool({
      name: "ica_search_api",
      arguments: { query: "getData", limit: 1 },
    });
    expect(rowsOf<Match>(data, "matches")[0]!.allowedProjects).toMatch(/after a getData/);
    expect(textOf(res)).toContain("operations without a project in their path are refused");
  });
});

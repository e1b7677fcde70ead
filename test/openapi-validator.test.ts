import { beforeAll, describe, expect, it } from "vitest";
import type { Exchange } from "../src/sandbox/exchange.js";
import {
  assertExchangesConform,
  type ContractProblem,
  type ContractSpec,
  compileAllSchemas,
  findOperation,
  loadContractSpec,
  validateExchange,
  validateRequest,
  validateResponse,
} from "./helpers/openapi/index.js";
import { schemaValidator } from "./helpers/openapi/load.js";

const V3 = "application/vnd.illumina.v3+json";
const V4 = "application/vnd.illumina.v4+json";
const PROBLEM = "application/problem+json";
const UUID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const TS = "2024-05-01T10:00:00Z";

const startedAt = performance.now();
const spec = loadContractSpec();
const loadMs = performance.now() - startedAt;

function exchange(over: Partial<Exchange>): Exchange {
  return {
    method: "GET",
    path: "/api/projects",
    query: [],
    requestHeaders: { accept: V3, authorization: "Bearer header.payload.sig" },
    status: 200,
    responseHeaders: { "content-type": V3 },
    ...over,
  };
}

function project(): Record<string, unknown> {
  return {
    id: UUID(1),
    timeCreated: TS,
    timeModified: TS,
    ownerId: UUID(2),
    tenantId: UUID(3),
    tenantName: null,
    name: "demo",
    active: true,
    region: {
      id: UUID(4),
      timeCreated: TS,
      timeModified: TS,
      ownerId: UUID(2),
      tenantId: UUID(3),
      code: "EU",
      cityName: "Frankfurt",
      country: {
        id: UUID(5),
        timeCreated: TS,
        timeModified: TS,
        ownerId: UUID(2),
        tenantId: UUID(3),
        code: "DE",
        name: "Germany",
        region: "EU",
      },
    },
    billingMode: "PROJECT",
    tags: { technicalTags: [], userTags: ["a"] },
    analysisPriority: null, // nullable enum
  };
}

function analysisV4(status = "SUCCEEDED"): Record<string, unknown> {
  return {
    id: UUID(10),
    timeCreated: TS,
    timeModified: TS,
    owner: { id: UUID(2) },
    tenant: { id: UUID(3), name: "t" },
    reference: "ref-1",
    userReference: "run-1",
    pipeline: {
      id: UUID(11),
      timeCreated: TS,
      timeModified: TS,
      owner: { id: UUID(2) },
      tenant: { id: UUID(3) },
      code: "nf-demo",
      description: "demo pipeline",
      language: "NEXTFLOW",
      pipelineTags: { technicalTags: [] },
      analysisStorage: { id: UUID(12), name: "Small" },
    },
    status,
    startDate: null,
    analysisPriority: "MEDIUM",
    tags: { technicalTags: [], userTags: [], referenceTags: [] },
  };
}

function problemBody(status: number): Record<string, unknown> {
  return {
    type: "https://ica.illumina.com/problems/not-found",
    title: "Not Found",
    status,
    detail: "no such project",
    parameters: {},
    timestamp: TS,
  };
}

function nextflowBody(actionOnExist: string): Record<string, unknown> {
  return {
    userReference: "run-1",
    pipelineId: UUID(11),
    analysisStorageId: UUID(12),
    tags: { technicalTags: [], userTags: [], referenceTags: [] },
    analysisOutput: [
      { sourcePath: "out/", targetProjectId: UUID(1), targetPath: "/results/", actionOnExist },
    ],
    analysisInput: {
      inputs: [{ parameterCode: "reads", dataIds: ["fil.abc"] }],
      parameters: [{ code: "genome", value: "GRCh38" }],
    },
  };
}

function nextflowExchange(body: unknown, contentType = V4, accept = V4): Exchange {
  return exchange({
    method: "POST",
    path: `/api/projects/${UUID(1)}/analysis:nextflow`,
    requestHeaders: {
      accept,
      "content-type": `${contentType}; charset=utf-8`,
      authorization: "Bearer x",
      "idempotency-key": "k-1",
    },
    requestBody: body,
    status: 201,
    responseHeaders: { "content-type": accept },
    responseBody: accept === V4 ? analysisV4("REQUESTED") : undefined,
  });
}

const messages = (problems: ContractProblem[]) => problems.map((p) => `${p.where}: ${p.message}`);

describe.skipIf(!spec)("OpenAPI contract validator", () => {
  const s = spec as ContractSpec;

  beforeAll(() => {
    const t = performance.now();
    const n = compileAllSchemas(s);
    console.log(
      `OpenAPI spec: load+preprocess ${loadMs.toFixed(0)} ms (loader-internal ${s.loadMs.toFixed(0)} ms); ` +
        `compiling all ${n} component validators (open + closed) ${(performance.now() - t).toFixed(0)} ms`,
    );
  });

  it("accepts a valid getProjects exchange (array + boolean query params, nullable fields)", () => {
    const ex = exchange({
      query: [
        ["search", "demo"],
        ["userTags", "a"],
        ["userTags", "b"],
        ["includeHiddenProjects", "true"],
        ["pageSize", "10"],
      ],
      responseBody: { items: [project()], nextPageToken: null, totalItemCount: 1 },
    });
    expect(messages(validateExchange(s, ex))).toEqual([]);
  });

  it("reports an unknown query parameter", () => {
    const problems = validateRequest(s, exchange({ query: [["pageLimit", "10"]] }));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.where).toBe("GET /api/projects query");
    expect(problems[0]!.message).toMatch(/unknown query parameter "pageLimit" \(declared: search, userTags/);
  });

  it("coerces and validates query values by their schema", () => {
    const problems = validateRequest(s, exchange({ query: [["includeHiddenProjects", "yes"]] }));
    expect(messages(problems)).toEqual([
      'GET /api/projects query parameter includeHiddenProjects: (root) must be boolean; got "yes"',
    ]);
    const repeated = validateRequest(
      s,
      exchange({
        query: [
          ["search", "a"],
          ["search", "b"],
        ],
      }),
    );
    expect(messages(repeated)).toEqual([
      "GET /api/projects query parameter search: repeated 2 times but is not an array parameter",
    ]);
  });

  it("reports wrong media types (response content-type and accept)", () => {
    const wrongResponse = validateResponse(
      s,
      exchange({ responseHeaders: { "content-type": "application/json" }, responseBody: { items: [] } }),
    );
    expect(messages(wrongResponse)).toEqual([
      `GET /api/projects response 200: content-type application/json is not declared (declared: ${V3})`,
    ]);
    const wrongAccept = validateRequest(
      s,
      exchange({ requestHeaders: { accept: V4, authorization: "Bearer x" } }),
    );
    expect(messages(wrongAccept)).toEqual([
      `GET /api/projects request headers: accept names ${V4}, which the operation does not return (offers: ${V3})`,
    ]);
  });

  it("reports a missing required field in a Project response", () => {
    const p = project();
    delete p["name"];
    const problems = validateResponse(s, exchange({ path: `/api/projects/${UUID(1)}`, responseBody: p }));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.where).toBe("GET /api/projects/{projectId} response 200");
    expect(problems[0]!.message).toMatch(
      /^\(root\) must have required property 'name'; present: .*id, timeCreated/,
    );
  });

  it("reports a problem+json body without `parameters`, and a non-problem error media type", () => {
    const body = problemBody(404);
    delete body["parameters"];
    const problems = validateResponse(
      s,
      exchange({
        path: `/api/projects/${UUID(1)}`,
        status: 404,
        responseHeaders: { "content-type": PROBLEM },
        responseBody: body,
      }),
    );
    expect(messages(problems)).toEqual([
      expect.stringMatching(
        /^GET \/api\/projects\/\{projectId\} response 404: \(root\) must have required property 'parameters'/,
      ),
    ]);
    const ok = exchange({
      status: 404,
      responseHeaders: { "content-type": PROBLEM },
      responseBody: problemBody(404),
    });
    expect(validateResponse(s, ok)).toEqual([]);
    const plain = validateResponse(s, { ...ok, responseHeaders: { "content-type": "application/json" } });
    expect(messages(plain)).toEqual([
      "GET /api/projects response 404: content-type must be application/problem+json; got application/json",
    ]);
  });

  it("reports a 204 with a body, and accepts a bodiless 204", () => {
    const abort = exchange({
      method: "POST",
      path: `/api/projects/${UUID(1)}/analyses/${UUID(10)}:abort`,
      status: 204,
      responseHeaders: {},
    });
    expect(validateExchange(s, abort)).toEqual([]);
    const problems = validateExchange(s, { ...abort, responseBody: { ok: true } });
    expect(messages(problems)).toEqual([
      'POST /api/projects/{projectId}/analyses/{analysisId}:abort response 204: 204 must not have a body; got {"ok":true}',
    ]);
  });

  it("checks actionOnExist exactly: 'Overwrite' fails, 'OVERWRITE' passes", () => {
    expect(messages(validateExchange(s, nextflowExchange(nextflowBody("OVERWRITE"))))).toEqual([]);
    const problems = validateRequest(s, nextflowExchange(nextflowBody("Overwrite")));
    expect(messages(problems)).toEqual([
      'POST /api/projects/{projectId}/analysis:nextflow request body: /analysisOutput/0/actionOnExist must be exactly one of OVERWRITE|RENAME|SKIP (the spec\'s pattern is unanchored); got "Overwrite"',
    ]);
  });

  it("checks AnalysisV4 status exactly although the spec's pattern accepts FAILEDFINAL", () => {
    const pattern = s.document["components"].schemas.AnalysisV4.properties.status.pattern as string;
    expect(new RegExp(pattern, "u").test("FAILEDFINAL")).toBe(true); // the quirk this guards against
    const ex = exchange({
      path: `/api/projects/${UUID(1)}/analyses/${UUID(10)}`,
      requestHeaders: { accept: V4, authorization: "Bearer x" },
      responseHeaders: { "content-type": V4 },
      responseBody: analysisV4("FAILEDFINAL"),
    });
    expect(messages(validateExchange(s, ex))).toEqual([
      'GET /api/projects/{projectId}/analyses/{analysisId} response 200: /status must be exactly one of REQUESTED|QUEUED|INITIALIZING|PREPARING_INPUTS|IN_PROGRESS|GENERATING_OUTPUTS|AWAITING_INPUT|ABORTING|SUCCEEDED|FAILED|FAILED_FINAL|ABORTED (the spec\'s pattern is unanchored); got "FAILEDFINAL"',
    ]);
    expect(validateExchange(s, { ...ex, responseBody: analysisV4("FAILED_FINAL") })).toEqual([]);
    const priority = { ...analysisV4(), analysisPriority: "URGENT_HIGH" };
    expect(messages(validateResponse(s, { ...ex, responseBody: priority }))).toEqual([
      expect.stringContaining("/analysisPriority must be exactly one of LOW|MEDIUM|HIGH"),
    ]);
  });

  it("checks search status filters exactly", () => {
    const search = exchange({
      method: "POST",
      path: `/api/projects/${UUID(1)}/analysis:search`,
      requestHeaders: { accept: V3, "content-type": V3, authorization: "Bearer x" },
      requestBody: { status: ["IN_PROGRESS", "INPROGRESS"] },
      responseBody: { items: [] },
    });
    expect(messages(validateRequest(s, search))).toEqual([
      expect.stringMatching(
        /request body: \/status\/1 must be exactly one of REQUESTED\|.*; got "INPROGRESS"$/,
      ),
    ]);
  });

  it("requires matching v3/v4 versions in content-type and accept on a both-version operation", () => {
    const problems = validateRequest(s, nextflowExchange(nextflowBody("SKIP"), V4, V3));
    expect(messages(problems)).toEqual([
      "POST /api/projects/{projectId}/analysis:nextflow request headers: content-type is v4 but accept asks for v3; this operation requires matching versions",
    ]);
    expect(validateRequest(s, nextflowExchange(nextflowBody("SKIP"), V3, V3))).toEqual([]);
    const plainJson = validateRequest(s, nextflowExchange(nextflowBody("SKIP"), "application/json", V4));
    expect(messages(plainJson)).toEqual([
      `POST /api/projects/{projectId}/analysis:nextflow request body: content-type application/json is not accepted (accepted: ${V4}, ${V3})`,
    ]);
  });

  it("matches analysis:search to searchAnalyses and validates its v3-labelled AnalysisPagedListV4", () => {
    const m = findOperation(s, "POST", "/api/projects/p1/analysis:search");
    expect(m).toMatchObject({
      operationId: "searchAnalyses",
      template: "/api/projects/{projectId}/analysis:search",
      pathParams: { projectId: "p1" },
    });
    const ex = exchange({
      method: "POST",
      path: "/api/projects/p1/analysis:search",
      query: [["pageSize", "50"]],
      requestHeaders: { accept: V3, "content-type": "application/json", authorization: "Bearer x" },
      requestBody: { status: ["FAILED_FINAL"], userTags: ["a"] },
      responseBody: { items: [analysisV4("IN_PROGRESS")], nextPageToken: "abc", remainingRecords: 0 },
    });
    expect(validateExchange(s, ex)).toEqual([]);
  });

  it("matches colon-action paths to their own operation, not the generic resource", () => {
    expect(findOperation(s, "POST", "/api/projects/p/analyses/a:abort")).toMatchObject({
      operationId: "abortAnalysis",
      template: "/api/projects/{projectId}/analyses/{analysisId}:abort",
      pathParams: { projectId: "p", analysisId: "a" },
    });
    expect(findOperation(s, "GET", "/api/projects/p/analyses/a")?.operationId).toBe("getAnalysis");
    expect(findOperation(s, "POST", "/api/projects/p/data:createFolder")?.operationId).toBeDefined();
    expect(findOperation(s, "GET", "/api/projects/p/analyses/a:abort")).toBeNull();
    const problems = validateRequest(s, exchange({ path: "/api/projects/p/analyses/a:abort" }));
    expect(messages(problems)).toEqual([
      "GET /api/projects/p/analyses/a:abort: no operation: path matches /api/projects/{projectId}/analyses/{analysisId}:abort, which has no GET (only POST)",
    ]);
    expect(messages(validateRequest(s, exchange({ path: "/api/nothing/here" })))).toEqual([
      "GET /api/nothing/here: no operation: no path template of the spec matches",
    ]);
  });

  it("validates header parameters and credentials", () => {
    const ex = nextflowExchange(nextflowBody("RENAME"));
    const long = { ...ex, requestHeaders: { ...ex.requestHeaders, "idempotency-key": "k".repeat(256) } };
    expect(messages(validateRequest(s, long))).toEqual([
      expect.stringMatching(
        /^POST \/api\/projects\/\{projectId\}\/analysis:nextflow header Idempotency-Key: \(root\) must NOT have more than 255 characters; got "kkk/,
      ),
    ]);
    const anonymous = exchange({ requestHeaders: { accept: V3 }, responseBody: { items: [] } });
    expect(messages(validateRequest(s, anonymous))).toEqual([
      "GET /api/projects request headers: no credentials for any of: JwtAuth or ApiKeyAuth",
    ]);
    const apiKey = exchange({
      requestHeaders: { accept: V3, "x-api-key": "k" },
      responseBody: { items: [] },
    });
    expect(validateExchange(s, apiKey)).toEqual([]);
  });

  it("reports undeclared body properties unless allowUndeclaredProperties is set", () => {
    const body = { ...nextflowBody("SKIP"), analysisStorageID: UUID(12) };
    expect(messages(validateRequest(s, nextflowExchange(body)))).toEqual([
      `POST /api/projects/{projectId}/analysis:nextflow request body: /analysisStorageID is not declared by the spec (unknown property); got "${UUID(12)}"`,
    ]);
    expect(validateRequest(s, nextflowExchange(body), { allowUndeclaredProperties: true })).toEqual([]);
    const missing = nextflowExchange(undefined);
    expect(messages(validateRequest(s, missing))).toEqual([
      `POST /api/projects/{projectId}/analysis:nextflow request body: required request body is missing (${V4}, ${V3})`,
    ]);
  });

  it("dispatches CwlAnalysisInput on objectType (the discriminator Ajv cannot map)", () => {
    const cwl = (analysisInput: unknown) =>
      exchange({
        method: "POST",
        path: "/api/projects/p/analysis:cwl",
        requestHeaders: { accept: V4, "content-type": V4, authorization: "Bearer x" },
        requestBody: { userReference: "r", pipelineId: UUID(11), analysisInput },
        status: 0,
      });
    expect(validateExchange(s, cwl({ objectType: "JSON", inputJson: "{}" }))).toEqual([]);
    expect(validateExchange(s, cwl({ objectType: "STRUCTURED", inputs: [] }))).toEqual([]);
    expect(messages(validateExchange(s, cwl({ objectType: "JSON", inputs: [] })))).toEqual([
      "POST /api/projects/{projectId}/analysis:cwl request body: /analysisInput must have required property 'inputJson'; present: \"objectType, inputs\"",
      "POST /api/projects/{projectId}/analysis:cwl request body: /analysisInput/inputs is not declared by the spec (unknown property); got []",
    ]);
    expect(messages(validateExchange(s, cwl({ objectType: "XML" })))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /\/analysisInput\/objectType must be equal to one of the allowed values \(STRUCTURED\|JSON\)/,
        ),
      ]),
    );
  });

  it("compiles the boolean exclusiveMinimum of Connector.maxBandwidth", () => {
    const v = schemaValidator(s, { $ref: "#/components/schemas/CreateConnector" }, false);
    const base = { active: true, code: "c", mode: "BOTH", os: "LINUX" };
    expect(v({ ...base, maxBandwidth: 0.01 })).toBe(true);
    expect(v({ ...base, maxBandwidth: 0.001 })).toBe(false);
    expect(v.errors?.[0]?.instancePath).toBe("/maxBandwidth");
    expect(v({ ...base, maxBandwidth: null })).toBe(true);
  });

  it("only checks the request of a dropped exchange (status 0)", () => {
    const dropped = exchange({ status: 0, responseHeaders: {}, query: [["bogus", "1"]] });
    expect(messages(validateExchange(s, dropped))).toEqual([
      expect.stringContaining('unknown query parameter "bogus"'),
    ]);
  });

  it("assertExchangesConform throws one error listing every problem, grouped by exchange", () => {
    const good = exchange({ responseBody: { items: [] } });
    const bad1 = exchange({ query: [["pageLimit", "1"]], responseBody: { items: [] } });
    const bad2 = exchange({ responseHeaders: { "content-type": "application/json" }, responseBody: {} });
    expect(() => assertExchangesConform([good])).not.toThrow();
    let error: Error | undefined;
    try {
      assertExchangesConform([good, bad1, bad2]);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message.split("\n")).toEqual([
      "OpenAPI contract: 2 problem(s) in 2 of 3 exchange(s)",
      "[#1] GET /api/projects?pageLimit=1 -> 200",
      expect.stringContaining('unknown query parameter "pageLimit"'),
      "[#2] GET /api/projects -> 200",
      expect.stringContaining("content-type application/json is not declared"),
    ]);
  });
});

describe.runIf(!spec)("OpenAPI contract validator (spec absent)", () => {
  it("skips with a notice", () => {
    expect(() => assertExchangesConform([])).not.toThrow();
  });
});

/**
 * ica_start_analysis for a Nextflow pipeline end to end against the sandbox: the exact requests (validated
 * against the OpenAPI document after the file), path resolution, storage and activation-code resolution and
 * override, S3 and http external data, output mappings, the output folder, dry runs, and the new analysis in
 * the listings as it progresses.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { rowsOf } from "./helpers/columnar.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
let c: Connected;
beforeAll(async () => {
  c = await connectTools(sandbox());
});
afterAll(async () => {
  await c.close();
});

const training = () => sandbox().state.projectByName(SEED_PROJECTS.training)!;
const idAt = (path: string) => {
  const sb = sandbox();
  const d = sb.state.data.find((x) => x.projectId === training().id && sb.state.fullPath(x) === path);
  if (!d) throw new Error(`no data at ${path}`);
  return d.id;
};
const rnaseq = () => sandbox().state.pipelines.find((p) => p.code === "nf-core-rnaseq-3-14-0")!;
const storageId = (name: string) => sandbox().state.analysisStorages.find((s) => s.name === name)!.id;
const codeId = (bundle: string) => sandbox().state.activationCodes.find((a) => a.bundle.name === bundle)!.id;
const since = (n: number) => sandbox().exchanges.slice(n);
const creates = (n: number) =>
  since(n).filter((e) => e.method === "POST" && /\/analysis:(?!search$)/.test(e.path));

const SHEET = "/tutorial/samplesheet.csv";
const R1 = "/tutorial/NA12878-chr20/NA12878_S1_L001_R1_001.fastq.gz";
const R2 = "/tutorial/NA12878-chr20/NA12878_S1_L001_R2_001.fastq.gz";

function args(userReference: string, extra: Record<string, unknown> = {}) {
  return {
    projectId: training().id,
    pipelineCode: "nf-core-rnaseq-3-14-0",
    userReference,
    inputs: [
      { parameterCode: "input", dataIds: [SHEET] },
      { parameterCode: "fastqs", dataIds: [R1, idAt(R2)] },
      { parameterCode: "fasta", dataIds: ["/reference/chr20.fa"] },
      { parameterCode: "gtf", dataIds: ["/reference/chr20.gtf"] },
    ],
    parameters: [
      { code: "skip_trimming", value: "TRUE" },
      { code: "min_trimmed_reads", value: "5000" },
      { code: "aligner", value: "HISAT2" },
    ],
    ...extra,
  };
}

function expectedInputs() {
  return [
    { parameterCode: "input", dataIds: [idAt(SHEET)] },
    { parameterCode: "fastqs", dataIds: [idAt(R1), idAt(R2)] },
    { parameterCode: "fasta", dataIds: [idAt("/reference/chr20.fa")] },
    { parameterCode: "gtf", dataIds: [idAt("/reference/chr20.gtf")] },
  ];
}

const PARAMETERS = [
  { code: "skip_trimming", value: "true" },
  { code: "min_trimmed_reads", value: "5000" },
  { code: "aligner", value: "hisat2" },
];

type Result = {
  outcome: string;
  dryRun: boolean;
  analysis?: { id: string; reference: string; userReference: string; status: string };
  resolved: {
    pipeline: { id: string; code: string; language: string };
    storage: { id: string; name?: string; source: string };
    activationCode: { id: string; bundle?: string; source: string };
  };
  endpoint: string;
  idempotencyKey: string;
  launchTag: string;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
  /** Columnar: read with rowsOf(s, "resolvedPaths"). */
  resolvedPaths?: { columns: string[]; rows: unknown[][] };
  defaultsUsed?: string[];
  notes?: string[];
};

describe("ica_start_analysis: Nextflow", () => {
  it("resolves paths, the default storage and the best activation code, and sends exactly one analysis:nextflow", async () => {
    const n = sandbox().exchanges.length;
    const before = sandbox().state.analyses.size;
    const res = await c.client.callTool({ name: "ica_start_analysis", arguments: args("NA12878 rnaseq") });
    expect(res.isError).toBeFalsy();
    const s = res.structuredContent as Result;
    const project = training().id;

    // The activation-code search carries the same analysisInput the launch sends.
    const search = since(n).filter((e) => e.path === "/api/activationCodes:findBestMatchingForNextflow");
    expect(search).toHaveLength(1);
    expect(search[0]!.requestBody).toEqual({
      projectId: project,
      pipelineId: rnaseq().id,
      analysisInput: { inputs: expectedInputs(), parameters: PARAMETERS },
    });
    const posts = creates(n);
    expect(posts.map((e) => e.path)).toEqual([`/api/projects/${project}/analysis:nextflow`]);
    const post = posts[0]!;
    expect(post.status).toBe(201);
    expect(post.requestHeaders["content-type"]).toBe("application/vnd.illumina.v4+json");
    expect(post.requestHeaders.accept).toBe("application/vnd.illumina.v4+json");
    expect(post.requestHeaders["idempotency-key"]).toMatch(/^[0-9a-f]{64}$/);
    expect(post.requestHeaders["idempotency-key"]).toBe(s.idempotencyKey);
    expect(post.requestBody).toEqual({
      userReference: "NA12878 rnaseq",
      pipelineId: rnaseq().id,
      tags: { technicalTags: [s.launchTag] },
      analysisStorageId: storageId("Medium"),
      analysisInput: { inputs: expectedInputs(), parameters: PARAMETERS },
      activationCodeDetailId: codeId("nf-core Community Pipelines"),
    });

    expect(sandbox().state.analyses.size).toBe(before + 1);
    const stored = sandbox().state.analyses.get(s.analysis!.id)!;
    expect(stored.status).toBe("REQUESTED");
    expect(stored.simulation).toMatchObject({ outcome: "SUCCEEDED", stepMs: 2000 });
    expect(stored.activationCodeDetailId).toBe(codeId("nf-core Community Pipelines"));
    expect(s).toMatchObject({
      outcome: "started",
      dryRun: false,
      analysis: {
        id: stored.id,
        reference: stored.reference,
        userReference: "NA12878 rnaseq",
        status: "REQUESTED",
      },
      resolved: {
        pipeline: { id: rnaseq().id, code: "nf-core-rnaseq-3-14-0", language: "NEXTFLOW" },
        storage: { id: storageId("Medium"), name: "Medium", source: "pipeline default" },
        activationCode: {
          id: codeId("nf-core Community Pipelines"),
          bundle: "nf-core Community Pipelines",
          source: "best match",
        },
      },
      endpoint: `POST /api/projects/${project}/analysis:nextflow`,
    });
    // Every parameter with a default was given.
    expect(s.defaultsUsed).toBeUndefined();
    expect(rowsOf(s, "resolvedPaths")).toEqual([
      { path: SHEET, dataId: idAt(SHEET) },
      { path: R1, dataId: idAt(R1) },
      { path: "/reference/chr20.fa", dataId: idAt("/reference/chr20.fa") },
      { path: "/reference/chr20.gtf", dataId: idAt("/reference/chr20.gtf") },
    ]);
    expect(textOf(res)).toContain("Started nf-core-rnaseq-3-14-0 as NA12878 rnaseq");
    expect(textOf(res)).toContain("storage Medium (pipeline default)");
    expect(textOf(res)).toContain("ica_wait_for_analysis");
  });

  it("reports the defaults it leaves to ICA", async () => {
    const a = args("defaults check", { dryRun: true, parameters: [] });
    const res = await c.client.callTool({ name: "ica_start_analysis", arguments: a });
    expect((res.structuredContent as Result).defaultsUsed).toEqual([
      "aligner=star_salmon",
      "skip_trimming=false",
      "min_trimmed_reads=10000",
    ]);
  });

  it("the new analysis is listed and progresses to SUCCEEDED with the sandbox clock", async () => {
    const res = await c.client.callTool({ name: "ica_start_analysis", arguments: args("progress run") });
    const id = (res.structuredContent as Result).analysis!.id;
    const listed = await c.client.callTool({
      name: "ica_list_analyses",
      arguments: { projectId: training().id, userReference: "progress run" },
    });
    const items = rowsOf<{ id: string; status: string }>(listed);
    expect(items.map((i) => i.id)).toEqual([id]);
    sandbox().state.clock.advance(2_000 * 3 + 10);
    const mid = await c.client.callTool({
      name: "ica_get_analysis",
      arguments: { projectId: training().id, analysisId: id },
    });
    expect((mid.structuredContent as { status: string }).status).toBe("PREPARING_INPUTS");
    sandbox().state.clock.advance(2_000 * 4);
    const end = await c.client.callTool({
      name: "ica_get_analysis",
      arguments: { projectId: training().id, analysisId: id },
    });
    expect((end.structuredContent as { status: string }).status).toBe("SUCCEEDED");
  });

  it("a dry run resolves everything, sends no create request and returns the exact request a launch sends", async () => {
    const n = sandbox().exchanges.length;
    const dry = await c.client.callTool({
      name: "ica_start_analysis",
      arguments: args("dry then real", { dryRun: true }),
    });
    expect(dry.isError).toBeFalsy();
    const d = dry.structuredContent as Result;
    expect(creates(n)).toEqual([]);
    // The read-only lookups did happen.
    expect(since(n).some((e) => e.path === "/api/activationCodes:findBestMatchingForNextflow")).toBe(true);
    expect(d.outcome).toBe("dry_run");
    expect(d.dryRun).toBe(true);
    expect(d.analysis).toBeUndefined();
    expect(d.headers).toEqual({
      "Content-Type": "application/vnd.illumina.v4+json",
      Accept: "application/vnd.illumina.v4+json",
      "Idempotency-Key": d.idempotencyKey,
    });
    expect(JSON.stringify(d)).not.toMatch(/sandbox-api-key|Bearer|X-API-Key/i);
    expect(textOf(dry)).toContain("Dry run: nothing was started");

    const m = sandbox().exchanges.length;
    const real = await c.client.callTool({ name: "ica_start_analysis", arguments: args("dry then real") });
    const post = creates(m)[0]!;
    expect(`POST ${post.path}`).toBe(d.endpoint);
    expect(post.requestBody).toEqual(d.body);
    expect(post.requestHeaders["idempotency-key"]).toBe(d.idempotencyKey);
    expect((real.structuredContent as Result).outcome).toBe("started");
  });

  it("overrides storage by name (any case) or id, and the activation code, without a best-match search", async () => {
    const n = sandbox().exchanges.length;
    const byName = await c.client.callTool({
      name: "ica_start_analysis",
      arguments: args("storage by name", { analysisStorageName: "small", dryRun: true }),
    });
    const s1 = byName.structuredContent as Result;
    expect(s1.resolved.storage).toEqual({ id: storageId("Small"), name: "Small", source: "given name" });
    expect(s1.body!.analysisStorageId).toBe(storageId("Small"));
    const listing = since(n).filter((e) => e.path === `/api/projects/${training().id}/analysisStorages`);
    expect(listing).toHaveLength(1);
    expect(listing[0]!.requestHeaders.accept).toBe("application/vnd.illumina.v4+json");

    const code = codeId("nf-core Community Pipelines");
    const m = sandbox().exchanges.length;
    const byId = await c.client.callTool({
      name: "ica_start_analysis",
      arguments: args("storage by id", {
        analysisStorageId: storageId("XLarge"),
        activationCodeDetailId: code,
      }),
    });
    const s2 = byId.structuredContent as Result;
    expect(s2.resolved.storage).toEqual({ id: storageId("XLarge"), name: "XLarge", source: "given id" });
    expect(s2.resolved.activationCode).toEqual({ id: code, source: "given" });
    expect(since(m).some((e) => e.path.startsWith("/api/activationCodes"))).toBe(false);
    const post = creates(m)[0]!;
    expect(post.requestBody).toMatchObject({
      analysisStorageId: storageId("XLarge"),
      activationCodeDetailId: code,
    });
    expect(sandbox().state.analyses.get(s2.analysis!.id)!.analysisStorageId).toBe(storageId("XLarge"));
  });

  it("sends S3 data with its credentials and mountPath, and http data with a defaulted mountPath", async () => {
    const cred = sandbox().state.storageCredentials.find((x) => x.name === "lab-s3-readonly")!;
    const a = args("external data", {
      inputs: [
        {
          parameterCode: "input",
          externalData: [{ url: "https://example.org/sheets/rnaseq.csv" }],
        },
        {
          parameterCode: "fastqs",
          externalData: [
            {
              url: "s3://lab-bucket/run42/S1_R1.fastq.gz",
              storageCredentialsId: cred.id,
              mountPath: "fastq/S1_R1.fastq.gz",
            },
            {
              url: "s3://lab-bucket/run42/S1_R2.fastq.gz",
              type: "S3",
              storageCredentialsId: cred.id,
              mountPath: "fastq/S1_R2.fastq.gz",
            },
          ],
        },
        { parameterCode: "fasta", mounts: [{ dataId: "/reference/chr20.fa", mountPath: "ref/genome.fa" }] },
        { parameterCode: "gtf", dataIds: ["/reference/chr20.gtf"] },
      ],
    });
    const n = sandbox().exchanges.length;
    const res = await c.client.callTool({ name: "ica_start_analysis", arguments: a });
    expect(res.isError).toBeFalsy();
    const s = res.structuredContent as Result;
    expect(since(n).filter((e) => e.path === "/api/storageCredentials")).toHaveLength(1);
    expect((creates(n)[0]!.requestBody as { analysisInput: unknown }).analysisInput).toEqual({
      inputs: [
        {
          parameterCode: "input",
          externalData: [
            { url: "https://example.org/sheets/rnaseq.csv", type: "http", mountPath: "rnaseq.csv" },
          ],
        },
        {
          parameterCode: "fastqs",
          externalData: [
            {
              url: "s3://lab-bucket/run42/S1_R1.fastq.gz",
              type: "s3",
              mountPath: "fastq/S1_R1.fastq.gz",
              s3Details: { storageCredentialsId: cred.id },
            },
            {
              url: "s3://lab-bucket/run42/S1_R2.fastq.gz",
              type: "s3",
              mountPath: "fastq/S1_R2.fastq.gz",
              s3Details: { storageCredentialsId: cred.id },
            },
          ],
        },
        {
          parameterCode: "fasta",
          mounts: [{ dataId: idAt("/reference/chr20.fa"), mountPath: "ref/genome.fa" }],
        },
        { parameterCode: "gtf", dataIds: [idAt("/reference/chr20.gtf")] },
      ],
      parameters: PARAMETERS,
    });
    expect(s.notes).toEqual([
      'input "input", externalData https://example.org/sheets/rnaseq.csv: mountPath defaults to "rnaseq.csv"',
    ]);
    expect(creates(n)[0]!.status).toBe(201);
  });

  it("sends a presigned URL to ICA as given but never shows its signature", async () => {
    const signature = "5d1f0c5e8a9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d";
    const url = `https://lab-bucket.s3.amazonaws.com/sheets/rnaseq.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLEKEY01%2F20261101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=${signature}`;
    const a = args("presigned", {
      inputs: [
        { parameterCode: "input", externalData: [{ url }] },
        { parameterCode: "fastqs", dataIds: [R1, R2] },
        { parameterCode: "fasta", dataIds: ["/reference/chr20.fa"] },
        { parameterCode: "gtf", dataIds: ["/reference/chr20.gtf"] },
      ],
    });
    const n = sandbox().exchanges.length;
    const res = await c.client.callTool({ name: "ica_start_analysis", arguments: a });
    expect(res.isError).toBeFalsy();
    const sent = creates(n)[0]!.requestBody as {
      analysisInput: { inputs: { externalData?: { url: string }[] }[] };
    };
    expect(sent.analysisInput.inputs[0]!.externalData![0]!.url).toBe(url);
    const text = JSON.stringify(res);
    expect(text).not.toContain(signature);
    expect(text).not.toContain("AKIAEXAMPLEKEY01%2F20261101");
    expect(text).toContain("X-Amz-Signature=[REDACTED]");
  });

  it("sends output mappings with ICA's upper-case actionOnExist (Overwrite by default) and an output parent folder", async () => {
    const other = sandbox().state.projectByName(SEED_PROJECTS.rna)!.id;
    const a = args("mapped outputs", {
      outputParentFolderId: "/reference/",
      analysisOutput: [
        { sourcePath: "out/multiqc/", targetPath: "/qc/", type: "folder" },
        { sourcePath: "out/counts.tsv", targetPath: "/results/counts.tsv", actionOnExist: "overwrite" },
        { sourcePath: "out/report.html", targetPath: "/results/", actionOnExist: "Rename", type: "FILE" },
        {
          sourcePath: "out/genes.tsv",
          targetPath: "/shared/",
          targetProjectId: other,
          actionOnExist: "SKIP",
        },
      ],
    });
    const n = sandbox().exchanges.length;
    const res = await c.client.callTool({ name: "ica_start_analysis", arguments: a });
    expect(res.isError).toBeFalsy();
    const body = creates(n)[0]!.requestBody as Record<string, unknown>;
    const project = training().id;
    expect(body.outputParentFolderId).toBe(idAt("/reference/"));
    expect(body.analysisOutput).toEqual([
      {
        sourcePath: "out/multiqc/",
        targetPath: "/qc/",
        targetProjectId: project,
        type: "FOLDER",
        actionOnExist: "OVERWRITE",
      },
      {
        sourcePath: "out/counts.tsv",
        targetPath: "/results/counts.tsv",
        targetProjectId: project,
        actionOnExist: "OVERWRITE",
      },
      {
        sourcePath: "out/report.html",
        targetPath: "/results/",
        targetProjectId: project,
        type: "FILE",
        actionOnExist: "RENAME",
      },
      { sourcePath: "out/genes.tsv", targetPath: "/shared/", targetProjectId: other, actionOnExist: "SKIP" },
    ]);
    // The sandbox creates the output folder inside the given parent.
    const stored = sandbox().state.analyses.get((res.structuredContent as Result).analysis!.id)!;
    const folder = sandbox().state.data.get(stored.outputFolderId!)!;
    expect(folder.parentId).toBe(idAt("/reference/"));
    expect(folder.name).toBe(stored.reference);
  });
});

/**
 * The sandbox's launch endpoints at the HTTP level: full body validation (one 400 problem whose `parameters`
 * name every offending field), languages and media types, activation-code matching, Idempotency-Key replay and
 * 422, and v3/v4 answers. Deliberately malformed bodies go to a second, unrecorded sandbox, since the
 * recording one checks every request against the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IcaClient, IcaRequest } from "../src/ica/client.js";
import { IcaApiError } from "../src/ica/errors.js";
import { type Sandbox, SEED_PROJECTS, startSandbox } from "../src/sandbox/index.js";
import { sandboxClient } from "./helpers/client.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
let ica: IcaClient;
let loose: Sandbox;
let looseIca: IcaClient;
beforeAll(async () => {
  ica = sandboxClient(sandbox());
  loose = await startSandbox({});
  looseIca = sandboxClient(loose);
});
afterAll(async () => {
  await ica.close();
  await looseIca.close();
  await loose.close();
});

const projectOf = (sb: Sandbox, key: keyof typeof SEED_PROJECTS) =>
  sb.state.projectByName(SEED_PROJECTS[key])!;
const idIn = (sb: Sandbox, key: keyof typeof SEED_PROJECTS, path: string) =>
  sb.state.data.find((d) => d.projectId === projectOf(sb, key).id && sb.state.fullPath(d) === path)!.id;
const pipelineOf = (sb: Sandbox, code: string) => sb.state.pipelines.find((p) => p.code === code)!;
const codeOf = (sb: Sandbox, bundle: string) =>
  sb.state.activationCodes.find((a) => a.bundle.name === bundle)!;

async function fails(client: IcaClient, req: IcaRequest): Promise<IcaApiError> {
  const err = await client.request(req).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IcaApiError);
  return err as IcaApiError;
}

function create(sb: Sandbox, endpoint: string, body: unknown, opts: Partial<IcaRequest> = {}): IcaRequest {
  return {
    method: "POST",
    path: `/api/projects/{projectId}/${endpoint}`,
    pathParams: { projectId: projectOf(sb, "training").id },
    body,
    version: "v4",
    ...opts,
  };
}

/** A valid Nextflow body for lab-fastqc-multiqc-draft in the training project. */
function qcBody(sb: Sandbox, userReference: string) {
  return {
    userReference,
    pipelineId: pipelineOf(sb, "lab-fastqc-multiqc-draft").id,
    analysisInput: {
      inputs: [
        {
          parameterCode: "reads",
          dataIds: [idIn(sb, "training", "/tutorial/NA12878-chr20/NA12878_S1_L001_R1_001.fastq.gz")],
        },
      ],
    },
  };
}

describe("sandbox analysis creation: validation", () => {
  it("reports every semantic problem of a body in one 400 with parameters", async () => {
    const sb = sandbox();
    const t = (path: string) => idIn(sb, "training", path);
    const err = await fails(
      ica,
      create(sb, "analysis:nextflow", {
        userReference: "bad launch",
        pipelineId: pipelineOf(sb, "nf-core-rnaseq-3-14-0").id,
        analysisStorageId: "00000000-0000-4000-8000-00000000abcd",
        outputParentFolderId: "fol.doesnotexist",
        analysisOutput: [{ sourcePath: "out/", targetPath: "/x/", targetProjectId: "no-such-project" }],
        analysisInput: {
          inputs: [
            { parameterCode: "reads", dataIds: [t("/reference/chr20.fa")] },
            { parameterCode: "input", dataIds: ["fil.nope"] },
            { parameterCode: "fasta", dataIds: [t("/reference/chr20.fa"), t("/reference/chr20.gtf")] },
            {
              parameterCode: "fastqs",
              dataIds: [t("/tutorial/")],
              mounts: [{ dataId: t("/reference/chr20.gtf"), mountPath: "ref/" }],
            },
            {
              parameterCode: "gtf",
              externalData: [
                { url: "s3://bucket/a.gtf", type: "s3" },
                { url: "s3://bucket/b.gtf", type: "http" },
              ],
            },
          ],
          parameters: [
            { code: "threads", value: "4" },
            { code: "min_trimmed_reads", value: "many" },
            { code: "aligner", value: "bowtie" },
            { code: "skip_trimming", value: "yes" },
          ],
        },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.parameters).toEqual({
      analysisStorageId: "no analysis storage with id '00000000-0000-4000-8000-00000000abcd'",
      outputParentFolderId: `no folder with id or urn 'fol.doesnotexist' in project ${projectOf(sb, "training").id}`,
      "analysisOutput[0].targetProjectId": "no project with id 'no-such-project' exists",
      "analysisInput.inputs[0].parameterCode":
        "unknown input parameter 'reads'; this pipeline's inputs are input, fastqs, fasta, gtf",
      "analysisInput.inputs[1].dataIds[0]": `no data with id 'fil.nope' exists in project ${projectOf(sb, "training").id}`,
      "analysisInput.inputs[2]": "input parameter 'fasta' takes a single value, got 2",
      "analysisInput.inputs[3].dataIds[0]": `data '${t("/tutorial/")}' (/tutorial/) is a FOLDER; this input takes a FILE`,
      "analysisInput.inputs[3].mounts[0].mountPath": "must end with a file name",
      "analysisInput.inputs[4]": "input parameter 'gtf' takes a single value, got 2",
      "analysisInput.inputs[4].externalData[0].s3Details.storageCredentialsId":
        "is required for s3 data: public S3 buckets without credentials are not supported",
      "analysisInput.inputs[4].externalData[1].url": "an http input needs an http:// or https:// URL",
      "analysisInput.parameters[0].code":
        "unknown configuration parameter 'threads'; this pipeline's are aligner, pseudo_aligner, skip_trimming, min_trimmed_reads, extra_star_align_args",
      "analysisInput.parameters[1]": "'min_trimmed_reads' is an INTEGER; 'many' is not a whole number",
      "analysisInput.parameters[2]":
        "'bowtie' is not an option of 'aligner'; options: star_salmon, star_rsem, hisat2",
      "analysisInput.parameters[3]": "'skip_trimming' is a BOOLEAN; use \"true\" or \"false\", not 'yes'",
    });
    expect(err.detail).toMatch(/^The analysis request is invalid: 15 problem\(s\), e\.g\. /);
  });

  it("refuses a pipeline of the other language, an unknown pipeline, missing required settings and unusable activation codes", async () => {
    const sb = sandbox();
    const germline = pipelineOf(sb, "DRAGEN_Germline_4-3-6");
    const wrong = await fails(
      ica,
      create(sb, "analysis:cwl", {
        ...qcBody(sb, "wrong"),
        analysisInput: { objectType: "STRUCTURED", inputs: [] },
      }),
    );
    expect(wrong.parameters).toEqual({
      pipelineId: "pipeline lab-fastqc-multiqc-draft is a NEXTFLOW pipeline; start it with analysis:nextflow",
      "analysisInput.inputs": "required input parameter 'reads' is missing",
    });
    const unknown = await fails(
      ica,
      create(sb, "analysis:nextflow", { ...qcBody(sb, "x"), pipelineId: "nope" }),
    );
    expect(unknown.status).toBe(404);
    const exhausted = codeOf(sb, "DRAGEN RNA Trial");
    const missing = await fails(
      ica,
      create(sb, "analysis:cwl", {
        userReference: "no sample name",
        pipelineId: germline.id,
        activationCodeDetailId: exhausted.id,
        analysisInput: {
          objectType: "STRUCTURED",
          inputs: [
            {
              parameterCode: "fastqs",
              dataIds: [idIn(sb, "training", "/tutorial/NA12878-chr20/NA12878_S1_L001_R1_001.fastq.gz")],
            },
            {
              parameterCode: "reference_tar",
              dataIds: [idIn(sb, "training", "/reference/dragen-hg38-chr20-v4-3.tar")],
            },
          ],
        },
      }),
    );
    expect(missing.parameters).toEqual({
      "analysisInput.parameters":
        "required configuration parameter 'sample_name' is missing (it has no default)",
      activationCodeDetailId: `activation code ${exhausted.id} (DRAGEN RNA Trial) does not cover pipeline DRAGEN_Germline_4-3-6`,
    });
  });

  it("accepts analysis:cwl as application/json and answers v3 when asked, with v3 statuses", async () => {
    const sb = sandbox();
    const germline = pipelineOf(sb, "DRAGEN_Germline_4-3-6");
    const body = {
      userReference: "json body",
      pipelineId: germline.id,
      analysisInput: {
        objectType: "STRUCTURED",
        inputs: [
          {
            parameterCode: "fastqs",
            dataIds: [idIn(sb, "training", "/tutorial/NA12878-chr20/NA12878_S1_L001_R1_001.fastq.gz")],
          },
          {
            parameterCode: "reference_tar",
            dataIds: [idIn(sb, "training", "/reference/dragen-hg38-chr20-v4-3.tar")],
          },
        ],
        parameters: [{ code: "sample_name", value: "NA12878" }],
      },
    };
    const res = await ica.request<Record<string, unknown>>(
      create(sb, "analysis:cwl", body, { version: "v3", contentType: "json" }),
    );
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("REQUESTED");
    expect(res.body.ownerId).toBe(sb.state.defaultUserId);
    expect(res.body.owner).toBeUndefined();
    const stored = sb.state.analyses.get(res.body.id as string)!;
    expect(stored.activationCodeDetailId).toBe(codeOf(sb, "DRAGEN Germline & Somatic Enterprise").id);
    expect(stored.configurations).toEqual([
      { name: "sample_name", multiValue: false, values: ["NA12878"] },
      { name: "enable_cnv", multiValue: false, values: ["true"] },
      { name: "enable_sv", multiValue: false, values: ["true"] },
      { name: "output_format", multiValue: false, values: ["CRAM"] },
      { name: "min_base_quality", multiValue: false, values: ["10"] },
    ]);
    // The new analysis is in the current listing.
    const listed = await ica.request<{ items: { id: string; status: string }[] }>({
      method: "POST",
      path: "/api/projects/{projectId}/analysis:search",
      pathParams: { projectId: projectOf(sb, "training").id },
      body: { userReference: "json body" },
      version: "v3",
    });
    expect(listed.body.items.map((i) => [i.id, i.status])).toEqual([[res.body.id, "REQUESTED"]]);
  });
});

describe("sandbox analysis creation: Idempotency-Key", () => {
  it("replays the stored 201 for the same body, refuses another body with 422, and does not store errors", async () => {
    const sb = sandbox();
    const before = sb.state.analyses.size;
    const body = qcBody(sb, "idempotent");
    const a = await ica.request<{ id: string }>(
      create(sb, "analysis:nextflow", body, { idempotencyKey: "key-1" }),
    );
    const b = await ica.request<{ id: string }>(
      create(sb, "analysis:nextflow", body, { idempotencyKey: "key-1" }),
    );
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect(sb.state.analyses.size).toBe(before + 1);
    const other = await fails(
      ica,
      create(sb, "analysis:nextflow", qcBody(sb, "other body"), { idempotencyKey: "key-1" }),
    );
    expect(other.status).toBe(422);
    expect(other.parameters).toEqual({ "Idempotency-Key": "key-1" });

    const bad = { ...qcBody(sb, "fixed later"), analysisStorageId: "00000000-0000-4000-8000-00000000abcd" };
    expect((await fails(ica, create(sb, "analysis:nextflow", bad, { idempotencyKey: "key-2" }))).status).toBe(
      400,
    );
    // Errors are not stored: the same key with a corrected body creates the analysis (no 422, no replay).
    const fixed = await ica.request<{ id: string }>(
      create(sb, "analysis:nextflow", qcBody(sb, "fixed later"), { idempotencyKey: "key-2" }),
    );
    expect(fixed.status).toBe(201);
    expect(sb.state.analyses.size).toBe(before + 2);
  });
});

describe("sandbox activation codes", () => {
  it("finds the best matching code per language and refuses the wrong language or no match", async () => {
    const sb = sandbox();
    const training = projectOf(sb, "training").id;
    const qc = pipelineOf(sb, "lab-fastqc-multiqc-draft");
    const best = await ica.request<{ id: string; pipelineBundle: { name: string } }>({
      method: "POST",
      path: "/api/activationCodes:findBestMatchingForNextflow",
      body: { projectId: training, pipelineId: qc.id, analysisInput: { inputs: [] } },
      version: "v3",
    });
    expect(best.body.id).toBe(codeOf(sb, "nf-core Community Pipelines").id);
    const all = await ica.request<{ items: { id: string }[] }>({
      method: "POST",
      path: "/api/activationCodes:findAllMatchingForNextflow",
      body: { projectId: training, pipelineId: qc.id, analysisInput: { inputs: [] } },
      version: "v3",
      contentType: "json",
    });
    expect(all.body.items.map((i) => i.id)).toEqual([codeOf(sb, "nf-core Community Pipelines").id]);
    const wrong = await fails(ica, {
      method: "POST",
      path: "/api/activationCodes:findBestMatchingForCwl",
      body: {
        projectId: training,
        pipelineId: qc.id,
        analysisInput: { objectType: "STRUCTURED", inputs: [] },
      },
      version: "v3",
    });
    expect(wrong.status).toBe(400);
    expect(wrong.parameters).toEqual({ pipelineId: "a NEXTFLOW pipeline; use the Nextflow endpoint" });
    const rna = projectOf(sb, "rna");
    const none = await fails(ica, {
      method: "POST",
      path: "/api/activationCodes:findBestMatchingForCwl",
      body: {
        projectId: rna.id,
        pipelineId: pipelineOf(sb, "DRAGEN_RNA_4-3-6").id,
        analysisInput: { objectType: "STRUCTURED", inputs: [] },
      },
      version: "v3",
    });
    expect(none.status).toBe(404);
    expect(none.detail).toBe(
      "No activation code with free slots covers pipeline DRAGEN_RNA_4-3-6 in project RNA-Seq-Core-Facility",
    );
  });
});

describe("sandbox analysis creation: malformed bodies (unrecorded sandbox)", () => {
  it("names unknown properties, missing fields, wrong types and bad patterns", async () => {
    const sb = loose;
    const germline = pipelineOf(sb, "DRAGEN_Germline_4-3-6");
    const structured = await fails(
      looseIca,
      create(sb, "analysis:cwlWithStructuredInput", {
        userReference: "no #1",
        pipelineId: germline.id,
        activationCodeDetailId: codeOf(sb, "DRAGEN Germline & Somatic Enterprise").id,
        foo: 1,
        tags: { userTags: "a" },
        analysisOutput: [
          {
            sourcePath: "a",
            targetPath: "",
            targetProjectId: projectOf(sb, "training").id,
            actionOnExist: "Overwrite",
          },
        ],
        analysisInput: {
          objectType: "STRUCTURED",
          inputs: [{ parameterCode: "fastqs", dataIds: "x" }, { dataIds: [] }],
          parameters: [{ code: "sample_name", value: "a", multiValue: ["b"] }, { code: "enable_cnv" }],
        },
      }),
    );
    expect(structured.status).toBe(400);
    expect(structured.parameters).toEqual({
      activationCodeDetailId:
        "unknown property; allowed here: userReference, pipelineId, tags, analysisStorageId, outputParentFolderId, logs, analysisOutput, analysisInput",
      foo: "unknown property; allowed here: userReference, pipelineId, tags, analysisStorageId, outputParentFolderId, logs, analysisOutput, analysisInput",
      userReference:
        "may contain letters, digits, spaces, '_' and '-', in '/'-separated parts (pattern ^[a-zA-Z0-9 _-]*(/[a-zA-Z0-9 _-]+)*$)",
      "tags.userTags": "must be an array",
      "analysisInput.inputs": "required input parameter 'reference_tar' is missing",
      "analysisInput.objectType":
        "unknown property; allowed here: inputs, parameters, referenceDataParameters",
      "analysisInput.inputs[0].dataIds": "must be an array",
      "analysisInput.inputs[1].parameterCode": "is required",
      "analysisInput.parameters[0]": "provide only one of 'value' or 'multiValue'",
      "analysisInput.parameters[1]": "provide 'value' or 'multiValue'",
      "analysisOutput[0].targetPath": "must not be empty",
      "analysisOutput[0].actionOnExist": "must be one of OVERWRITE, RENAME, SKIP",
    });
    const noType = await fails(
      looseIca,
      create(sb, "analysis:cwl", {
        userReference: "x",
        pipelineId: germline.id,
        analysisInput: { inputs: [] },
      }),
    );
    expect(noType.parameters).toEqual({ "analysisInput.objectType": "is required (STRUCTURED or JSON)" });
    const noBody = await fails(looseIca, create(sb, "analysis:nextflow", { analysisInput: {} }));
    expect(noBody.parameters).toEqual({
      userReference: "is required",
      pipelineId: "is required",
      "analysisInput.inputs": "is required",
    });
  });

  it("takes analysis:nextflow bodies only as v3/v4 and cwlWithStructuredInput only as v4", async () => {
    const sb = loose;
    const json = await fails(
      looseIca,
      create(sb, "analysis:nextflow", qcBody(sb, "json"), { contentType: "json" }),
    );
    expect(json.status).toBe(415);
    const plain = await fails(
      looseIca,
      create(sb, "analysis:cwlWithStructuredInput", qcBody(sb, "json"), { contentType: "json" }),
    );
    expect(plain.status).toBe(415);
    const v3 = await fails(
      looseIca,
      create(sb, "analysis:cwlWithStructuredInput", qcBody(sb, "v3"), { version: "v3" }),
    );
    expect(v3.status).toBe(406);
  });
});

/**
 * ica_start_analysis refuses bad launches before anything starts: every problem in one isError result, each
 * saying what to fix, and no create request (nor activation-code search) sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
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

const project = (key: keyof typeof SEED_PROJECTS) => sandbox().state.projectByName(SEED_PROJECTS[key])!;
const wgs = () => project("wgs");
const dataAt = (path: string) => {
  const sb = sandbox();
  const d = sb.state.data.find((x) => x.projectId === wgs().id && sb.state.fullPath(x) === path);
  if (!d) throw new Error(`no data at ${path}`);
  return d;
};
const since = (n: number) => sandbox().exchanges.slice(n);
const launchesOrSearches = (n: number) =>
  since(n).filter(
    (e) =>
      e.method === "POST" &&
      (/\/analysis:(?!search$)/.test(e.path) || e.path.startsWith("/api/activationCodes")),
  );

/** The "- " lines of an isError result. */
const problemsOf = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("- "))
    .map((l) => l.slice(2));

async function refused(args: Record<string, unknown>, client: Connected = c) {
  const n = sandbox().exchanges.length;
  const res = await client.client.callTool({ name: "ica_start_analysis", arguments: args });
  expect(res.isError).toBe(true);
  expect(launchesOrSearches(n)).toEqual([]);
  const text = textOf(res);
  expect(text.startsWith("Invalid arguments for ica_start_analysis:")).toBe(true);
  expect(text).toContain("Next step: fix every problem listed");
  return problemsOf(text);
}

describe("ica_start_analysis validation", () => {
  it("lists every problem of a bad launch at once", async () => {
    const sb = sandbox();
    const run3 = "/fastq/20261030_LH00123_0044_A22OPQRSTU/";
    const partial = dataAt(`${run3}CHT-0030_S8_L001_R2_001.fastq.gz`);
    const archived = dataAt("/results-2025/PRJ25-001.bam");
    const r1 = dataAt(`${run3}CHT-0023_S1_L001_R1_001.fastq.gz`);
    const unknownCred = "0b7e8a56-1c1d-4f7e-9a55-2f7d7c3c0a11";
    const cred = sb.state.storageCredentials.all()[0]!;
    const problems = await refused({
      projectId: wgs().id,
      pipelineCode: "DRAGEN_Germline_4-3-6",
      userReference: "run #1",
      activationCodeDetailId: "abc",
      analysisStorageName: "Tiny",
      inputs: [
        {
          parameterCode: "fastqs",
          dataIds: [r1.id, "fil.doesnotexist", partial.id, `${run3}nope.fastq.gz`],
          mounts: [{ dataId: archived.id, mountPath: "data/" }],
          externalData: [
            { url: "s3://lab-bucket/a.fastq.gz" },
            { url: "https://example.org/b.fastq.gz", type: "s3", storageCredentialsId: cred.id },
            { url: "s3://lab-bucket/c.fastq.gz", storageCredentialsId: unknownCred, mountPath: "c.fastq.gz" },
            { url: "ftp://example.org/d.fastq.gz" },
          ],
        },
        { parameterCode: "reads", dataIds: [r1.id] },
        { parameterCode: "target_bed", dataIds: ["/reference/wgs_calling_regions.hg38.bed", "/README.txt"] },
      ],
      parameters: [
        { code: "threads", value: "4" },
        { code: "enable_cnv", value: "yes" },
        { code: "enable_sv", multiValue: ["true", "false"] },
        { code: "min_base_quality", value: "ten" },
        { code: "output_format", value: "SAM" },
      ],
      analysisOutput: [{ sourcePath: "out/", targetPath: "/x/", actionOnExist: "Replace", type: "DIR" }],
    });
    const p = wgs().id;
    expect(problems).toEqual([
      'userReference "run #1" is not allowed: use 1-255 characters: letters, digits, spaces, "_" and "-", with "/" only between parts (ICA\'s pattern ^[a-zA-Z0-9 _-]*(/[a-zA-Z0-9 _-]+)*$), e.g. "run _1"',
      'activationCodeDetailId "abc" must be a UUID',
      'input "fastqs": mountPath "data/" must end with a file name',
      'input "fastqs", externalData s3://lab-bucket/a.fastq.gz: ICA cannot read s3:// inputs without storage credentials, not even from public buckets: pass storageCredentialsId (find it with ica_list_storage_credentials, or register the bucket\'s AWS key pair with ica_create_storage_credentials)',
      'input "fastqs", externalData https://example.org/b.fastq.gz: type s3 needs an s3://bucket/key URL',
      'input "fastqs", externalData ftp://example.org/d.fastq.gz: cannot tell the type from the URL; use an s3:// or https:// URL, or pass type (s3, http or basespace)',
      'analysisOutput[0] (out/): actionOnExist "Replace" must be Overwrite, Rename or Skip',
      'analysisOutput[0] (out/): type "DIR" must be FILE or FOLDER',
      'unknown input parameterCode "reads"; this pipeline\'s inputs: fastqs, reference_tar, target_bed',
      'input "target_bed" takes a single item, got 2: pass one (or start one analysis per item)',
      'required input "reference_tar" is missing: add {parameterCode: "reference_tar", dataIds: [...]} (ids or paths from ica_list_data)',
      'unknown parameter code "threads"; this pipeline\'s parameters: sample_name, enable_cnv, enable_sv, output_format, min_base_quality',
      'parameter "enable_cnv" is a BOOLEAN; use true or false, not "yes"',
      'parameter "enable_sv" takes a single value, got 2: pass value',
      'parameter "min_base_quality" is an INTEGER; "ten" is not a whole number',
      'parameter "output_format": "SAM" is not an option; options: BAM, CRAM',
      'required parameter "sample_name" (STRING) is missing and has no default: add {code: "sample_name", value: …}',
      `input "fastqs": data "fil.doesnotexist" does not exist in project ${p}; take ids from ica_list_data`,
      `input "fastqs": "${run3}CHT-0030_S8_L001_R2_001.fastq.gz" (${partial.id}) is PARTIAL, not AVAILABLE: its upload has not finished`,
      `input "fastqs": nothing at path "${run3}nope.fastq.gz" in project ${p}; check it with ica_list_data`,
      `input "fastqs": "/results-2025/PRJ25-001.bam" (${archived.id}) is ARCHIVED, not AVAILABLE: unarchive it first (ICA portal), then launch`,
      `input "fastqs", externalData s3://lab-bucket/c.fastq.gz: storageCredentialsId ${unknownCred} is not known to ICA; ica_list_storage_credentials lists the ids (or register the bucket's keys with ica_create_storage_credentials)`,
      'analysisStorageName "Tiny" is not an analysis storage of this project; choose one of: Small, Medium, Large, XLarge (ica_list_analysis_storages)',
    ]);
  });

  it("refuses a missing, unknown or unlinked pipeline", async () => {
    expect(await refused({ projectId: wgs().id, userReference: "x" })).toEqual([
      "pass pipelineId or pipelineCode (from ica_list_pipelines)",
    ]);
    expect(
      await refused({ projectId: wgs().id, userReference: "x", pipelineCode: "DRAGEN_Germline_9" }),
    ).toEqual([
      `pipelineCode "DRAGEN_Germline_9" is not a pipeline of project ${wgs().id}; similar codes: DRAGEN_Germline_4-3-6; ica_list_pipelines lists the project's pipelines`,
    ]);
    const somatic = sandbox().state.pipelines.find((x) => x.code === "DRAGEN_Somatic_4-3-6")!;
    expect(await refused({ projectId: wgs().id, userReference: "x/y", pipelineId: somatic.id })).toEqual([
      `pipelineId ${somatic.id} is not a pipeline of project ${wgs().id}; ica_list_pipelines lists the project's pipelines`,
    ]);
  });

  it("refuses storage given twice, duplicate and empty inputs, and single items on multi-value forms", async () => {
    const sheet = "/fastq/20261014_LH00123_0042_A22ABCDEFG/SampleSheet.csv";
    const problems = await refused({
      projectId: wgs().id,
      pipelineCode: "nf-core-sarek-3-4-2",
      userReference: "sarek",
      analysisStorageId: sandbox().state.analysisStorages.all()[0]!.id,
      analysisStorageName: "Small",
      inputs: [
        { parameterCode: "input", dataIds: [sheet] },
        { parameterCode: "input", dataIds: [sheet] },
        { parameterCode: "fastqs", dataIds: [] },
      ],
      parameters: [
        { code: "genome", value: "GATK.GRCh38", multiValue: ["GATK.GRCh38"] },
        { code: "wes" },
        { code: "wes", value: "true" },
      ],
    });
    expect(problems).toEqual([
      "pass analysisStorageId or analysisStorageName, not both",
      'input "input" is given twice; put all its data in one entry',
      'input "fastqs" has no data: give dataIds, mounts or externalData',
      'parameter "genome": give value or multiValue, not both',
      'parameter "wes" has no value: give value (or multiValue for a multi-value parameter)',
      'parameter "wes" is given twice',
    ]);
  });

  it("refuses more data items than one launch may carry, before looking any up", async () => {
    const ids = Array.from({ length: 201 }, (_, i) => `fil.${String(i).padStart(32, "0")}`);
    const n = sandbox().exchanges.length;
    const problems = await refused({
      projectId: wgs().id,
      pipelineCode: "nf-core-sarek-3-4-2",
      userReference: "too many",
      inputs: [
        { parameterCode: "input", dataIds: ids },
        { parameterCode: "fastqs", dataIds: ids },
      ],
    });
    expect(problems).toEqual([
      "402 data items in one launch; at most 400 (use folders, or several analyses)",
    ]);
    // Only the search for this launch's tag went out (it precedes everything); no data was looked up.
    expect(since(n).map((e) => e.path)).toEqual([`/api/projects/${wgs().id}/analysis:search`]);
  });

  it("shows at most 40 problems", async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `fil.${String(i).padStart(32, "0")}`);
    const problems = await refused({
      projectId: wgs().id,
      pipelineCode: "nf-core-sarek-3-4-2",
      userReference: "bad ids",
      inputs: [
        { parameterCode: "input", dataIds: ["/fastq/20261014_LH00123_0042_A22ABCDEFG/SampleSheet.csv"] },
        { parameterCode: "fastqs", dataIds: ids },
      ],
    });
    expect(problems).toHaveLength(41);
    expect(problems.at(-1)).toBe("… and 20 more problems");
  });

  it("keeps output mappings and launches inside ICA_ALLOWED_PROJECTS", async () => {
    const training = project("training");
    const limited = await connectTools(sandbox(), { allowedProjects: new Set([training.id]) });
    try {
      const problems = await refused(
        {
          projectId: training.id,
          pipelineCode: "lab-fastqc-multiqc-draft",
          userReference: "qc",
          inputs: [
            { parameterCode: "reads", dataIds: ["/tutorial/NA12878-chr20/NA12878_S1_L001_R1_001.fastq.gz"] },
          ],
          analysisOutput: [{ sourcePath: "out/", targetPath: "/qc/", targetProjectId: wgs().id }],
        },
        limited,
      );
      expect(problems).toEqual([
        `analysisOutput[0] (out/): targetProjectId: project ${wgs().id} is not in ICA_ALLOWED_PROJECTS; this server may only use: ${training.id}`,
      ]);
      const n = sandbox().exchanges.length;
      const res = await limited.client.callTool({
        name: "ica_start_analysis",
        arguments: { projectId: wgs().id, pipelineCode: "lab-fastqc-multiqc-draft", userReference: "qc" },
      });
      expect(res.isError).toBe(true);
      expect(textOf(res)).toContain(`project ${wgs().id} is not in ICA_ALLOWED_PROJECTS`);
      expect(since(n)).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it("refuses a mountPath and an external URL that name no file", async () => {
    const problems = await refused({
      projectId: wgs().id,
      pipelineCode: "lab-fastqc-multiqc-draft",
      userReference: "qc",
      inputs: [
        {
          parameterCode: "reads",
          externalData: [
            { url: "https://example.org/reads/" },
            { url: "https://example.org/r.fastq.gz", mountPath: "reads/.." },
            {
              url: "https://example.org/r2.fastq.gz",
              storageCredentialsId: sandbox().state.storageCredentials.all()[0]!.id,
            },
          ],
        },
      ],
    });
    expect(problems).toEqual([
      'input "reads", externalData https://example.org/reads/: the URL names no file; pass mountPath ending with the file name',
      'input "reads", externalData https://example.org/r.fastq.gz: mountPath "reads/.." must end with a file name (e.g. "data/r.fastq.gz")',
      'input "reads", externalData https://example.org/r2.fastq.gz: storageCredentialsId applies to s3 data only; drop it',
    ]);
  });
});

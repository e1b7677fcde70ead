/**
 * ica_start_analysis for CWL pipelines: the structured analysis:cwl body with the activation code, the
 * fallback to analysis:cwlWithStructuredInput when ICA refuses the deprecated endpoint, and a pipeline for
 * which no activation code has free slots.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultRule, SEED_PROJECTS } from "../src/sandbox/index.js";
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
const idAt = (key: keyof typeof SEED_PROJECTS, path: string) => {
  const sb = sandbox();
  const d = sb.state.data.find((x) => x.projectId === project(key).id && sb.state.fullPath(x) === path);
  if (!d) throw new Error(`no data at ${path}`);
  return d.id;
};
const pipeline = (code: string) => sandbox().state.pipelines.find((p) => p.code === code)!;
const storageId = (name: string) => sandbox().state.analysisStorages.find((s) => s.name === name)!.id;
const codeOf = (bundle: string) => sandbox().state.activationCodes.find((a) => a.bundle.name === bundle)!;
const since = (n: number) => sandbox().exchanges.slice(n);
const creates = (n: number) =>
  since(n).filter((e) => e.method === "POST" && /\/analysis:(?!search$)/.test(e.path));

const R1 = "/tutorial/NA12878-chr20/NA12878_S1_L001_R1_001.fastq.gz";
const R2 = "/tutorial/NA12878-chr20/NA12878_S1_L001_R2_001.fastq.gz";
const TAR = "/reference/dragen-hg38-chr20-v4-3.tar";

function germline(userReference: string, extra: Record<string, unknown> = {}) {
  return {
    projectId: project("training").id,
    pipelineId: pipeline("DRAGEN_Germline_4-3-6").id,
    userReference,
    inputs: [
      { parameterCode: "fastqs", dataIds: [R1, R2] },
      { parameterCode: "reference_tar", dataIds: [TAR] },
    ],
    parameters: [
      { code: "sample_name", value: "NA12878" },
      { code: "output_format", value: "bam" },
      { code: "enable_sv", value: "False" },
    ],
    tags: { userTags: ["training"], technicalTags: ["chr20"], referenceTags: [] },
    ...extra,
  };
}

function expectedInput() {
  return {
    objectType: "STRUCTURED",
    inputs: [
      { parameterCode: "fastqs", dataIds: [idAt("training", R1), idAt("training", R2)] },
      { parameterCode: "reference_tar", dataIds: [idAt("training", TAR)] },
    ],
    parameters: [
      { code: "sample_name", value: "NA12878" },
      { code: "output_format", value: "BAM" },
      { code: "enable_sv", value: "false" },
    ],
  };
}

type Result = {
  outcome: string;
  analysis?: { id: string; status: string };
  resolved: { activationCode: { id: string; bundle?: string; source: string } };
  endpoint: string;
  idempotencyKey: string;
  launchTag: string;
  notes?: string[];
};

describe("ica_start_analysis: CWL", () => {
  it("sends a structured analysis:cwl with the best matching activation code", async () => {
    const n = sandbox().exchanges.length;
    const code = codeOf("DRAGEN Germline & Somatic Enterprise");
    const used = code.usedSlots;
    const res = await c.client.callTool({
      name: "ica_start_analysis",
      arguments: germline("NA12878 germline"),
    });
    expect(res.isError).toBeFalsy();
    const s = res.structuredContent as Result;
    const search = since(n).filter((e) => e.path === "/api/activationCodes:findBestMatchingForCwl");
    expect(search.map((e) => e.requestBody)).toEqual([
      {
        projectId: project("training").id,
        pipelineId: pipeline("DRAGEN_Germline_4-3-6").id,
        analysisInput: expectedInput(),
      },
    ]);
    const posts = creates(n);
    expect(posts.map((e) => e.path)).toEqual([`/api/projects/${project("training").id}/analysis:cwl`]);
    // The caller's tags, plus the launch tag that lets a repeated call find this analysis.
    expect(s.launchTag).toMatch(/^ica-mcp-launch:[0-9a-f]{40}$/);
    expect(posts[0]!.requestBody).toEqual({
      userReference: "NA12878 germline",
      pipelineId: pipeline("DRAGEN_Germline_4-3-6").id,
      tags: { userTags: ["training"], technicalTags: ["chr20", s.launchTag], referenceTags: [] },
      analysisStorageId: storageId("Large"),
      analysisInput: expectedInput(),
      activationCodeDetailId: code.id,
    });
    expect(s.resolved.activationCode).toEqual({
      id: code.id,
      bundle: "DRAGEN Germline & Somatic Enterprise",
      source: "best match",
    });
    const stored = sandbox().state.analyses.get(s.analysis!.id)!;
    expect(stored.tags).toEqual({
      userTags: ["training"],
      technicalTags: ["chr20", s.launchTag],
      referenceTags: [],
    });
    expect(stored.configurations.find((x) => x.name === "output_format")!.values).toEqual(["BAM"]);
    expect(stored.inputs).toEqual([
      { code: "fastqs", dataIds: [idAt("training", R1), idAt("training", R2)] },
      { code: "reference_tar", dataIds: [idAt("training", TAR)] },
    ]);
    // The sandbox books a slot on the code.
    expect(code.usedSlots).toBe(used + 1);
  });

  it("falls back to analysis:cwlWithStructuredInput (no activation code, no objectType) when ICA refuses analysis:cwl", async () => {
    const sb = sandbox();
    const projectId = project("training").id;
    sb.faults.add({
      kind: "status",
      status: 410,
      match: { method: "POST", path: `/api/projects/${projectId}/analysis:cwl` },
    } as unknown as FaultRule);
    const before = sb.state.analyses.size;
    const n = sb.exchanges.length;
    const res = await c.client.callTool({ name: "ica_start_analysis", arguments: germline("fallback run") });
    expect(res.isError).toBeFalsy();
    const s = res.structuredContent as Result;
    const posts = creates(n);
    expect(posts.map((e) => [e.path, e.status])).toEqual([
      [`/api/projects/${projectId}/analysis:cwl`, 410],
      [`/api/projects/${projectId}/analysis:cwlWithStructuredInput`, 201],
    ]);
    const { objectType: _o, ...input } = expectedInput();
    expect(posts[1]!.requestBody).toEqual({
      userReference: "fallback run",
      pipelineId: pipeline("DRAGEN_Germline_4-3-6").id,
      tags: { userTags: ["training"], technicalTags: ["chr20", s.launchTag], referenceTags: [] },
      analysisStorageId: storageId("Large"),
      analysisInput: input,
    });
    expect(posts[1]!.requestHeaders["content-type"]).toBe("application/vnd.illumina.v4+json");
    expect(posts[1]!.requestHeaders["idempotency-key"]).toBe(s.idempotencyKey);
    // The key is the caller's request, whichever endpoint answers (ICA keeps keys per endpoint).
    expect(posts[1]!.requestHeaders["idempotency-key"]).toBe(posts[0]!.requestHeaders["idempotency-key"]);
    expect(s.endpoint).toBe(`POST /api/projects/${projectId}/analysis:cwlWithStructuredInput`);
    expect(s.notes?.[0]).toContain("ICA refused the deprecated analysis:cwl (410)");
    expect(sb.state.analyses.size).toBe(before + 1);
    // Repeating the call finds the analysis by its launch tag, whichever endpoint created it: nothing is sent.
    const m = sb.exchanges.length;
    const again = (
      await c.client.callTool({ name: "ica_start_analysis", arguments: germline("fallback run") })
    ).structuredContent as Result;
    expect(again.outcome).toBe("existing");
    expect(again.analysis!.id).toBe(s.analysis!.id);
    expect(creates(m)).toEqual([]);
    // The sandbox still charged the launch to the best matching code.
    expect(sb.state.analyses.get(s.analysis!.id)!.activationCodeDetailId).toBe(
      codeOf("DRAGEN Germline & Somatic Enterprise").id,
    );
  });

  it("does not fall back when ICA refuses the request itself (a 400 about the body)", async () => {
    const n = sandbox().exchanges.length;
    // reference_tar takes a file: the sandbox refuses a folder (the tool cannot know the input's data type).
    const res = await c.client.callTool({
      name: "ica_start_analysis",
      arguments: germline("folder as file", {
        inputs: [
          { parameterCode: "fastqs", dataIds: [R1, R2] },
          { parameterCode: "reference_tar", dataIds: ["/reference/"] },
        ],
      }),
    });
    expect(res.isError).toBe(true);
    expect(creates(n).map((e) => [e.path.split("/").at(-1), e.status])).toEqual([["analysis:cwl", 400]]);
    const text = textOf(res);
    expect(text).toContain("ICA answered 400 Bad Request");
    expect(text).toContain(
      `- analysisInput.inputs[1].dataIds[0]: data '${idAt("training", "/reference/")}' (/reference/) is a FOLDER; this input takes a FILE`,
    );
  });

  it("explains when no activation code can run the pipeline, and launches nothing", async () => {
    const rna = project("rna");
    const n = sandbox().exchanges.length;
    const res = await c.client.callTool({
      name: "ica_start_analysis",
      arguments: {
        projectId: rna.id,
        pipelineCode: "dragen_rna_4-3-6",
        userReference: "RNA-001",
        inputs: [
          {
            parameterCode: "fastqs",
            dataIds: [
              "/fastq/20260901_VH00456_0101_AAAFGH7M5/RNA-001_S1_L001_R1_001.fastq.gz",
              "/fastq/20260901_VH00456_0101_AAAFGH7M5/RNA-001_S1_L001_R2_001.fastq.gz",
            ],
          },
          { parameterCode: "reference_tar", dataIds: ["/reference/dragen-rna-hg38-v4-3.tar"] },
          { parameterCode: "annotation_gtf", dataIds: ["/reference/gencode.v44.annotation.gtf"] },
        ],
        parameters: [{ code: "sample_name", value: "RNA-001" }],
      },
    });
    expect(res.isError).toBe(true);
    const text = textOf(res);
    expect(text).toContain("ICA found no activation code that can run DRAGEN_RNA_4-3-6");
    expect(text).toContain("pass activationCodeDetailId");
    expect(
      since(n)
        .filter((e) => e.path === "/api/activationCodes:findBestMatchingForCwl")
        .map((e) => e.status),
    ).toEqual([404]);
    expect(creates(n)).toEqual([]);
  });
});

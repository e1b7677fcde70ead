/**
 * Discovery before a launch: ica_list_pipelines, ica_get_pipeline and ica_list_analysis_storages, and the
 * sandbox routes behind them (project pipelines v3/v4, parameters, storages with the deprecated fallback).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IcaClient } from "../src/ica/client.js";
import { IcaApiError } from "../src/ica/errors.js";
import { type FaultRule, SEED_PROJECTS } from "../src/sandbox/index.js";
import { sandboxClient } from "./helpers/client.js";
import { listed } from "./helpers/columnar.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
let c: Connected;
let ica: IcaClient;
beforeAll(async () => {
  c = await connectTools(sandbox());
  ica = sandboxClient(sandbox());
});
afterAll(async () => {
  await c.close();
  await ica.close();
});

const training = () => sandbox().state.projectByName(SEED_PROJECTS.training)!;
const pipeline = (code: string) => sandbox().state.pipelines.find((p) => p.code === code)!;
const since = (n: number) =>
  sandbox()
    .exchanges.slice(n)
    .filter((e) => e.path !== "/api/tokens");
const call = (name: string, args: Record<string, unknown>) =>
  c.client.callTool({ name, arguments: { projectId: training().id, ...args } });

type ListResult = {
  items: { id: string; code: string; language?: string; status?: string; description?: string }[];
  totalItemCount: number;
  nextPageOffset?: number;
};

describe("ica_list_pipelines", () => {
  it("lists the project's pipelines compactly, from one GET", async () => {
    const n = sandbox().exchanges.length;
    const res = await call("ica_list_pipelines", {});
    expect(res.isError).toBeFalsy();
    const s = listed(res) as ListResult;
    expect(s.items).toEqual([
      {
        id: pipeline("DRAGEN_Germline_4-3-6").id,
        code: "DRAGEN_Germline_4-3-6",
        language: "CWL",
        status: "RELEASED",
        description:
          "DRAGEN Germline 4.3.6: alignment, small variant, CNV, SV and repeat expansion calling for WGS/WES from FASTQ.",
      },
      {
        id: pipeline("nf-core-rnaseq-3-14-0").id,
        code: "nf-core-rnaseq-3-14-0",
        language: "NEXTFLOW",
        status: "RELEASED",
        description:
          "nf-core/rnaseq 3.14.0: RNA-seq QC, alignment (STAR/Salmon) and quantification. Nextflow DSL2.",
      },
      {
        id: pipeline("lab-fastqc-multiqc-draft").id,
        code: "lab-fastqc-multiqc-draft",
        language: "NEXTFLOW",
        status: "DRAFT",
        description:
          "Lab QC (draft): FastQC per FASTQ and a MultiQC summary. Not released; for testing only.",
      },
    ]);
    expect(s.totalItemCount).toBe(3);
    expect(s.nextPageOffset).toBeUndefined();
    const sent = since(n);
    expect(sent.map((e) => `${e.method} ${e.path}`)).toEqual([
      `GET /api/projects/${training().id}/pipelines`,
    ]);
    expect(sent[0]!.requestHeaders.accept).toBe("application/vnd.illumina.v3+json");
    expect(textOf(res)).toContain("3 pipeline(s). No more pages");
  });

  it("filters by language and search, and pages with pageOffset", async () => {
    const nf = listed(await call("ica_list_pipelines", { language: "NEXTFLOW" })) as ListResult;
    expect(nf.items.map((p) => p.code)).toEqual(["nf-core-rnaseq-3-14-0", "lab-fastqc-multiqc-draft"]);
    const qc = listed(await call("ica_list_pipelines", { search: "MULTIQC" })) as ListResult;
    expect(qc.items.map((p) => p.code)).toEqual(["lab-fastqc-multiqc-draft"]);
    const first = await call("ica_list_pipelines", { pageSize: 2 });
    const p1 = listed(first) as ListResult;
    expect(p1.items).toHaveLength(2);
    expect(p1).toMatchObject({ totalItemCount: 3, nextPageOffset: 2 });
    expect(textOf(first)).toContain("call again with pageOffset=2");
    const p2 = listed(await call("ica_list_pipelines", { pageSize: 2, pageOffset: 2 })) as ListResult;
    expect(p2.items.map((p) => p.code)).toEqual(["lab-fastqc-multiqc-draft"]);
    expect(p2.nextPageOffset).toBeUndefined();
  });
});

describe("ica_get_pipeline", () => {
  it("returns what a launch needs, by code", async () => {
    const n = sandbox().exchanges.length;
    const res = await call("ica_get_pipeline", { pipelineCode: "nf-core-rnaseq-3-14-0" });
    expect(res.isError).toBeFalsy();
    const medium = sandbox().state.analysisStorages.find((s) => s.name === "Medium")!;
    expect(listed(listed(res, "inputParameters"), "configurationParameters")).toEqual({
      id: pipeline("nf-core-rnaseq-3-14-0").id,
      code: "nf-core-rnaseq-3-14-0",
      language: "NEXTFLOW",
      languageVersion: "22.04.3",
      status: "RELEASED",
      description:
        "nf-core/rnaseq 3.14.0: RNA-seq QC, alignment (STAR/Salmon) and quantification. Nextflow DSL2.",
      defaultStorage: { id: medium.id, name: "Medium", description: "2.4 TB" },
      inputParameters: [
        { code: "input", required: true, multiValue: false },
        { code: "fastqs", required: true, multiValue: true },
        { code: "fasta", required: true, multiValue: false },
        { code: "gtf", required: true, multiValue: false },
      ],
      configurationParameters: [
        {
          code: "aligner",
          type: "OPTIONS",
          required: true,
          multiValue: false,
          defaults: ["star_salmon"],
          options: ["star_salmon", "star_rsem", "hisat2"],
        },
        {
          code: "pseudo_aligner",
          type: "OPTIONS",
          required: false,
          multiValue: false,
          options: ["salmon", "kallisto"],
        },
        { code: "skip_trimming", type: "BOOLEAN", required: false, multiValue: false, defaults: ["false"] },
        {
          code: "min_trimmed_reads",
          type: "INTEGER",
          required: false,
          multiValue: false,
          defaults: ["10000"],
        },
        { code: "extra_star_align_args", type: "STRING", required: false, multiValue: false },
      ],
    });
    const base = `/api/projects/${training().id}/pipelines`;
    const id = pipeline("nf-core-rnaseq-3-14-0").id;
    expect(since(n).map((e) => e.path)).toEqual([
      base,
      `${base}/${id}/inputParameters`,
      `${base}/${id}/configurationParameters`,
      `${base}/${id}/referenceSets`,
    ]);
    expect(textOf(res)).toContain(
      "required inputs input, fastqs, fasta, gtf; required settings without default none; default storage Medium",
    );
  });

  it("reads a pipeline by id with the v4 media type, and names what is required without default", async () => {
    const id = pipeline("DRAGEN_Germline_4-3-6").id;
    const n = sandbox().exchanges.length;
    const res = await call("ica_get_pipeline", { pipelineId: id });
    const get = since(n)[0]!;
    expect(get.path).toBe(`/api/projects/${training().id}/pipelines/${id}`);
    expect(get.requestHeaders.accept).toBe("application/vnd.illumina.v4+json");
    expect((res.structuredContent as { status: string }).status).toBe("Released");
    expect(textOf(res)).toContain(
      "required inputs fastqs, reference_tar; required settings without default sample_name",
    );
  });

  it("refuses an unknown code with similar ones, a pipeline of another project, and no pipeline at all", async () => {
    const unknown = await call("ica_get_pipeline", { pipelineCode: "nf-core-rnaseq-3-15-0" });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain(
      `pipelineCode "nf-core-rnaseq-3-15-0" is not a pipeline of project ${training().id}; similar codes: nf-core-rnaseq-3-14-0`,
    );
    const somatic = pipeline("DRAGEN_Somatic_4-3-6").id;
    const other = await call("ica_get_pipeline", { pipelineId: somatic });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain(`pipelineId ${somatic} is not a pipeline of project ${training().id}`);
    const none = await call("ica_get_pipeline", {});
    expect(textOf(none)).toContain("pass pipelineId or pipelineCode");
  });
});

describe("ica_list_analysis_storages", () => {
  it("lists the project's storage sizes from the v4 endpoint", async () => {
    const n = sandbox().exchanges.length;
    const res = await call("ica_list_analysis_storages", {});
    const s = listed(res) as {
      items: { id: string; name: string; description?: string }[];
      source: string;
    };
    expect(s.source).toBe("project");
    expect(s.items).toEqual(
      sandbox()
        .state.analysisStorages.all()
        .map((x) => ({ id: x.id, name: x.name, description: x.description })),
    );
    expect(s.items.map((x) => `${x.name} ${x.description}`)).toEqual([
      "Small 1.2 TB",
      "Medium 2.4 TB",
      "Large 7.2 TB",
      "XLarge 14.4 TB",
    ]);
    const sent = since(n);
    expect(sent.map((e) => e.path)).toEqual([`/api/projects/${training().id}/analysisStorages`]);
    expect(sent[0]!.requestHeaders.accept).toBe("application/vnd.illumina.v4+json");
  });

  it("falls back to the deprecated global list when the project endpoint is missing", async () => {
    sandbox().faults.add({
      kind: "status",
      status: 404,
      match: { method: "GET", path: "/api/projects/{projectId}/analysisStorages" },
    } as unknown as FaultRule);
    const n = sandbox().exchanges.length;
    const res = await call("ica_list_analysis_storages", {});
    const s = listed(res) as { items: { name: string }[]; source: string };
    expect(s.source).toBe("global");
    expect(s.items.map((x) => x.name)).toEqual(["Small", "Medium", "Large", "XLarge"]);
    const sent = since(n);
    expect(sent.map((e) => [e.path, e.status])).toEqual([
      [`/api/projects/${training().id}/analysisStorages`, 404],
      ["/api/analysisStorages", 200],
    ]);
    expect(sent[1]!.requestHeaders.accept).toBe("application/vnd.illumina.v3+json");
    expect(textOf(res)).toContain("from the deprecated global list");
  });
});

describe("ica_list_analysis_storages errors", () => {
  it("does not fall back when the project itself does not exist", async () => {
    const n = sandbox().exchanges.length;
    const res = await call("ica_list_analysis_storages", {
      projectId: "00000000-0000-4000-8000-000000000000",
    });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain("No project with id '00000000-0000-4000-8000-000000000000' exists");
    expect(since(n).map((e) => e.path)).toEqual([
      "/api/projects/00000000-0000-4000-8000-000000000000/analysisStorages",
    ]);
  });
});

describe("sandbox pipeline routes", () => {
  it("serves a project pipeline as v4 (statusAsString, identifier objects) or v3, and 404s unlinked ones", async () => {
    const p = training().id;
    const id = pipeline("lab-fastqc-multiqc-draft").id;
    const v4 = await ica.request<{
      pipeline: Record<string, unknown>;
      projectId: string;
      bundleLinks: unknown;
    }>({
      method: "GET",
      path: "/api/projects/{projectId}/pipelines/{pipelineId}",
      pathParams: { projectId: p, pipelineId: id },
      version: "v4",
    });
    expect(v4.body.projectId).toBe(p);
    expect(v4.body.bundleLinks).toEqual({ items: [] });
    expect(v4.body.pipeline).toMatchObject({
      id,
      statusAsString: "Draft",
      owner: { id: expect.any(String) },
    });
    const v3 = await ica.request<{ pipeline: Record<string, unknown> }>({
      method: "GET",
      path: "/api/projects/{projectId}/pipelines/{pipelineId}",
      pathParams: { projectId: p, pipelineId: id },
      version: "v3",
    });
    expect(v3.body.pipeline.statusAsString).toBeUndefined();
    expect(v3.body.pipeline.ownerId).toEqual(expect.any(String));
    const global = await ica.request<{ id: string; code: string }>({
      method: "GET",
      path: "/api/pipelines/{pipelineId}",
      pathParams: { pipelineId: id },
      version: "v4",
    });
    expect(global.body.code).toBe("lab-fastqc-multiqc-draft");
    const err = await ica
      .request({
        method: "GET",
        path: "/api/projects/{projectId}/pipelines/{pipelineId}/inputParameters",
        pathParams: { projectId: p, pipelineId: pipeline("DRAGEN_Somatic_4-3-6").id },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IcaApiError);
    expect((err as IcaApiError).status).toBe(404);
    expect((err as IcaApiError).parameters).toEqual({ pipelineId: pipeline("DRAGEN_Somatic_4-3-6").id });
  });
});

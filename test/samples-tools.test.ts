import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { ITEM_MS, JOB_START_MS } from "../src/sandbox/routes/samples.js";
import { listed, untable } from "./helpers/columnar.js";
import { addTree } from "./helpers/data-tree.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
let c: Connected;
beforeAll(async () => {
  c = await connectTools(sandbox());
  sandbox().state.clock.freeze();
});
afterAll(async () => {
  await c.close();
});

type FileRef = { id: string; path: string; reason?: string };
type SampleReport = {
  name: string;
  complete: boolean;
  usedCount: number;
  ignoredCount: number;
  filesUsed: FileRef[];
  filesIgnored: FileRef[];
};
type BatchResult = {
  dryRun: boolean;
  duplicateRule: string;
  batchId?: string;
  jobId?: string;
  jobStatus?: string;
  samples: SampleReport[];
  warnings: string[];
  listsTruncated: boolean;
};

const wgs = () => sandbox().state.projectByName(SEED_PROJECTS.wgs)!;
const pgx = () => sandbox().state.projectByName(SEED_PROJECTS.pgx)!;
const wgsData = (path: string) =>
  sandbox().state.data.find((d) => d.projectId === wgs().id && sandbox().state.fullPath(d) === path)!;
const batchPosts = () =>
  sandbox().exchanges.filter((e) => e.method === "POST" && e.path.endsWith("/sampleCreationBatch"));

async function batch(args: Record<string, unknown>) {
  const res = await c.client.callTool({ name: "ica_create_sample_batch", arguments: args });
  return { res, s: untable<BatchResult>(res) };
}

async function job(jobId: string) {
  const res = await c.client.callTool({ name: "ica_get_job", arguments: { jobId } });
  return {
    res,
    s: listed(res, "sampleBatch.items") as Record<string, unknown> & {
      sampleBatch?: Record<string, unknown>;
    },
  };
}

describe("ica_create_sample_batch: the duplicate-file rule", () => {
  it("applies the guide's example (main/file1, main/file2, main/folder1/file1) and a dry run creates nothing", async () => {
    const before = batchPosts().length;
    const main = wgsData("/runs/main/");
    const { res, s } = await batch({
      projectId: wgs().id,
      samples: [{ name: "GUIDE", dataIds: [main.id] }],
      dryRun: true,
    });
    expect(res.isError).toBeFalsy();
    expect(s).toEqual({
      dryRun: true,
      duplicateRule: expect.stringMatching(/^per sample:/),
      samples: [
        {
          name: "GUIDE",
          complete: true,
          usedCount: 2,
          ignoredCount: 1,
          filesUsed: [
            { id: wgsData("/runs/main/file2.txt").id, path: "/runs/main/file2.txt" },
            { id: wgsData("/runs/main/folder1/file1.txt").id, path: "/runs/main/folder1/file1.txt" },
          ],
          filesIgnored: [
            {
              id: wgsData("/runs/main/file1.txt").id,
              path: "/runs/main/file1.txt",
              reason: "duplicate of /runs/main/folder1/file1.txt at a deeper level",
            },
          ],
        },
      ],
      totals: { samples: 1, filesToLink: 2, duplicatesIgnored: 1, warnings: 0 },
      warnings: [],
      listsTruncated: false,
    });
    // Columnar, as every list: the keys once, then one array per sample (and per file inside it).
    const raw = res.structuredContent as { samples: { columns: string[]; rows: unknown[][] } };
    expect(raw.samples.columns).toEqual([
      "name",
      "complete",
      "usedCount",
      "ignoredCount",
      "filesUsed",
      "filesIgnored",
    ]);
    expect(raw.samples.rows[0]![4]).toEqual({
      columns: ["id", "path"],
      rows: [
        [wgsData("/runs/main/file2.txt").id, "/runs/main/file2.txt"],
        [wgsData("/runs/main/folder1/file1.txt").id, "/runs/main/folder1/file1.txt"],
      ],
    });
    expect(textOf(res)).toMatch(
      /Dry run, nothing created: 1 sample\(s\), 2 file\(s\) to link, 1 duplicate\(s\) ignored/,
    );
    expect(batchPosts().length).toBe(before);
    // The folder was expanded with a recursive path listing of files.
    const q = new URLSearchParams(
      sandbox()
        .exchanges.filter((e) => e.path === `/api/projects/${wgs().id}/data`)
        .at(-1)!.query,
    );
    expect(q.getAll("filePath")).toEqual(["/runs/main/"]);
    expect(q.get("filePathMatchMode")).toBe("STARTS_WITH_CASE_INSENSITIVE");
    expect(q.get("type")).toBe("FILE");
  });

  it("applies the rule within each sample: sample A keeps /runs/file1.txt although sample B links a deeper file1.txt", async () => {
    const { s } = await batch({
      projectId: wgs().id,
      samples: [
        { name: "A", dataIds: [wgsData("/runs/file1.txt").id] },
        { name: "B", dataIds: [wgsData("/runs/main/folder1/").id, wgsData("/runs/main/file2.txt").id] },
      ],
      dryRun: true,
    });
    expect(
      s.samples.map((x) => [x.name, x.filesUsed.map((f) => f.path), x.filesIgnored.map((f) => f.path)]),
    ).toEqual([
      ["A", ["/runs/file1.txt"], []],
      ["B", ["/runs/main/folder1/file1.txt", "/runs/main/file2.txt"], []],
    ]);
    expect(s.duplicateRule).toMatch(/^per sample:/);
    expect(s.warnings).toEqual([
      '"file1.txt" is linked from different folders by samples "A" and "B" (/runs/file1.txt, /runs/main/folder1/file1.txt): each sample keeps its own copy, as the duplicate rule applies within a sample',
    ]);
  });

  it("keeps every copy tied at the deepest level, with a warning, on a deeper tree", async () => {
    const tree = addTree(sandbox().state, pgx().id, [
      "/t/r.txt",
      "/t/l1/r.txt",
      "/t/l1/l2/r.txt",
      "/t/l1/l2/l3/r.txt",
      "/t/l1/other/l3b/r.txt",
      "/t/l1/l2/s.txt",
      "/t/s.txt",
      "/t/only.txt",
    ]);
    const id = (p: string) => tree.get(p)!.id;
    const { s } = await batch({
      projectId: pgx().id,
      samples: [
        { name: "T1", dataIds: [id("/t/")] },
        { name: "T2", dataIds: [id("/t/l1/l2/"), id("/t/s.txt")], complete: false },
      ],
      dryRun: true,
    });
    const used = s.samples.map((x) => x.filesUsed.map((f) => f.path).sort());
    const ignored = s.samples.map((x) => x.filesIgnored.map((f) => f.path).sort());
    expect(used).toEqual([
      ["/t/l1/l2/l3/r.txt", "/t/l1/l2/s.txt", "/t/l1/other/l3b/r.txt", "/t/only.txt"],
      ["/t/l1/l2/l3/r.txt", "/t/l1/l2/s.txt"],
    ]);
    expect(ignored).toEqual([
      ["/t/l1/l2/r.txt", "/t/l1/r.txt", "/t/r.txt", "/t/s.txt"],
      ["/t/l1/l2/r.txt", "/t/s.txt"],
    ]);
    expect(s.samples[1]!.complete).toBe(false);
    expect(s.warnings).toEqual([
      '"r.txt": 2 copies at the same deepest level are all used (sample "T1"): /t/l1/l2/l3/r.txt, /t/l1/other/l3b/r.txt',
      '"r.txt" is linked from different folders by samples "T1" and "T2" (/t/l1/l2/l3/r.txt, /t/l1/other/l3b/r.txt): each sample keeps its own copy, as the duplicate rule applies within a sample',
    ]);
  });
});

describe("ica_create_sample_batch: creating", () => {
  it("sends one batch with the used files and an Idempotency-Key, and a repeat returns the same batch", async () => {
    const main = wgsData("/runs/main/");
    const args = {
      projectId: wgs().id,
      samples: [
        {
          name: "MAIN-1",
          description: "guide example",
          tags: { userTags: ["cohort-a"] },
          dataIds: [main.id],
        },
        { name: "README", dataIds: [wgsData("/README.txt").id], complete: false },
      ],
    };
    const before = batchPosts().length;
    const { res, s } = await batch(args);
    expect(res.isError).toBeFalsy();
    const posts = batchPosts();
    expect(posts.length).toBe(before + 1);
    const sent = posts.at(-1)!;
    expect(sent.requestBody).toEqual({
      items: [
        {
          sampleToCreate: { name: "MAIN-1", description: "guide example", tags: { userTags: ["cohort-a"] } },
          dataToLink: [
            { dataId: wgsData("/runs/main/file2.txt").id },
            { dataId: wgsData("/runs/main/folder1/file1.txt").id },
          ],
          completeSample: true,
        },
        {
          sampleToCreate: { name: "README" },
          dataToLink: [{ dataId: wgsData("/README.txt").id }],
          completeSample: false,
        },
      ],
    });
    expect(sent.requestHeaders["idempotency-key"]).toMatch(/^ica-mcp-scb-[0-9a-f]{48}$/);
    const stored = sandbox().state.sampleBatches.get(s.batchId!)!;
    expect(s.jobId).toBe(stored.jobId);
    expect(s.jobStatus).toBe("INITIALIZED");
    expect(textOf(res)).toContain(`ica_get_job jobId="${stored.jobId}"`);

    const again = await batch(args);
    expect(again.s.batchId).toBe(s.batchId);
    expect(batchPosts().at(-1)!.requestHeaders["idempotency-key"]).toBe(
      sent.requestHeaders["idempotency-key"],
    );
    expect(sandbox().state.sampleBatches.where((b) => b.projectId === wgs().id).length).toBe(1);
  });

  it("follows the job to the end with ica_get_job, and the sandbox links exactly the reported files", async () => {
    const tree = addTree(sandbox().state, pgx().id, [
      "/p/main/file1",
      "/p/main/file2",
      "/p/main/folder1/file1",
      "/p/x/keep",
    ]);
    const { s: created } = await batch({
      projectId: pgx().id,
      samples: [
        { name: "P1", dataIds: [tree.get("/p/main/")!.id] },
        { name: "P2", dataIds: [tree.get("/p/x/keep")!.id] },
      ],
    });
    const jobId = created.jobId!;
    const first = await job(jobId);
    expect(first.s).toMatchObject({
      id: jobId,
      status: "INITIALIZED",
      done: false,
      subjectType: "SampleCreationBatch",
      subjectId: created.batchId,
      projectId: pgx().id,
    });
    expect(first.s.sampleBatch).toEqual({
      batchId: created.batchId,
      itemCount: 2,
      countsByStatus: { INITIALIZED: 2 },
      items: [
        { sampleName: "P1", status: "INITIALIZED" },
        { sampleName: "P2", status: "INITIALIZED" },
      ],
      itemsTruncated: false,
    });
    expect(textOf(first.res)).toMatch(
      /is INITIALIZED \(0 of 2 sample\(s\) created\)\. Next: call ica_get_job again/,
    );
    sandbox().state.clock.advance(JOB_START_MS + ITEM_MS + 10);
    const middle = await job(jobId);
    expect(middle.s.status).toBe("RUNNING");
    expect(middle.s.sampleBatch!.countsByStatus).toEqual({ SUCCEEDED: 1, RUNNING: 1 });
    sandbox().state.clock.advance(ITEM_MS);
    const last = await job(jobId);
    expect(last.s.status).toBe("SUCCEEDED");
    expect(last.s.done).toBe(true);
    expect(last.s.timeFinished).toEqual(expect.any(String));
    const items = last.s.sampleBatch!.items as { sampleName: string; status: string; sampleId: string }[];
    expect(items.map((i) => i.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    // Two independent implementations of the rule agree: what ICA linked is what the tool reported.
    const st = sandbox().state;
    items.forEach((item, i) => {
      const linked = st.samples.get(item.sampleId)!.dataIds;
      expect(linked).toEqual(created.samples[i]!.filesUsed.map((f) => f.id));
    });
    expect(textOf(last.res)).toMatch(/is SUCCEEDED \(2 of 2 sample\(s\) created\)\. Done\./);
    const sent = sandbox().exchanges.filter((e) =>
      e.path.endsWith(`/sampleCreationBatch/${created.batchId}/items`),
    );
    expect(new URLSearchParams(sent.at(-1)!.query).get("pageSize")).toBe("200");
  });

  it("links sample A's /runs/file1.txt although sample B links a deeper file1.txt (the sandbox agrees)", async () => {
    const tree = addTree(sandbox().state, pgx().id, ["/q/file1.txt", "/q/main/folder1/file1.txt"]);
    const { s: created } = await batch({
      projectId: pgx().id,
      samples: [
        { name: "QA", dataIds: [tree.get("/q/file1.txt")!.id] },
        { name: "QB", dataIds: [tree.get("/q/main/")!.id] },
      ],
    });
    expect(created.samples.map((x) => x.filesUsed.map((f) => f.path))).toEqual([
      ["/q/file1.txt"],
      ["/q/main/folder1/file1.txt"],
    ]);
    sandbox().state.clock.advance(JOB_START_MS + 2 * ITEM_MS + 10);
    const done = await job(created.jobId!);
    const items = done.s.sampleBatch!.items as { status: string; sampleId: string }[];
    expect(items.map((i) => i.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    const st = sandbox().state;
    expect(
      items.map((i) => st.samples.get(i.sampleId)!.dataIds.map((id) => st.fullPath(st.data.get(id)!))),
    ).toEqual([["/q/file1.txt"], ["/q/main/folder1/file1.txt"]]);
  });

  it("warns about files that are not AVAILABLE", async () => {
    const archived = sandbox().state.data.find((d) => d.projectId === wgs().id && d.status === "ARCHIVED")!;
    const { s } = await batch({
      projectId: wgs().id,
      samples: [{ name: "OLD", dataIds: [archived.id] }],
      dryRun: true,
    });
    expect(s.warnings).toEqual([
      `${sandbox().state.fullPath(archived)} is ARCHIVED, not AVAILABLE (sample "OLD")`,
    ]);
  });

  it("refuses unknown ids and repeated names before sending a batch", async () => {
    const before = batchPosts().length;
    const unknown = await batch({
      projectId: wgs().id,
      samples: [{ name: "X", dataIds: ["fil.00000000000000000000000000000000", wgsData("/README.txt").id] }],
    });
    expect(unknown.res.isError).toBe(true);
    expect(textOf(unknown.res)).toMatch(/1 dataId\(s\) are not in project .*: fil\.0{32}/);
    expect(textOf(unknown.res)).toMatch(/ica_list_data/);
    const ids = new URLSearchParams(sandbox().exchanges.at(-1)!.query).getAll("id");
    expect(ids).toEqual(["fil.00000000000000000000000000000000", wgsData("/README.txt").id]);
    const repeated = await batch({
      projectId: wgs().id,
      samples: [
        { name: "Y", dataIds: [wgsData("/README.txt").id] },
        { name: "Y", dataIds: [wgsData("/README.txt").id] },
      ],
    });
    expect(textOf(repeated.res)).toMatch(/sample names must be unique in a batch; repeated: "Y"/);
    expect(batchPosts().length).toBe(before);
  });
});

describe("ica_get_job", () => {
  it("refuses a non-UUID, explains an unknown job, and hides jobs of projects outside ICA_ALLOWED_PROJECTS", async () => {
    const bad = await c.client.callTool({ name: "ica_get_job", arguments: { jobId: "job-1" } });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/jobId must be a UUID/);
    const unknown = await job("00000000-0000-4000-8000-000000000002");
    expect(unknown.res.isError).toBe(true);
    expect(textOf(unknown.res)).toMatch(/404/);

    const someJob = sandbox().state.jobs.find((j) => j.projectId === pgx().id)!;
    const limited = await connectTools(sandbox(), { allowedProjects: new Set([wgs().id]) });
    const hidden = await limited.client.callTool({ name: "ica_get_job", arguments: { jobId: someJob.id } });
    expect(hidden.isError).toBe(true);
    expect(textOf(hidden)).toMatch(/not in ICA_ALLOWED_PROJECTS/);
    expect(textOf(hidden)).not.toMatch(/SampleCreationBatch/);
    await limited.close();
  });
});

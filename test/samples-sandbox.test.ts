import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IcaClient } from "../src/ica/client.js";
import { IcaApiError } from "../src/ica/errors.js";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { ITEM_MS, JOB_START_MS } from "../src/sandbox/routes/samples.js";
import { sandboxClient } from "./helpers/client.js";
import { addTree } from "./helpers/data-tree.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
let ica: IcaClient;
beforeAll(() => {
  ica = sandboxClient(sandbox());
  sandbox().state.clock.freeze();
});
afterAll(async () => {
  await ica.close();
});

const project = () => sandbox().state.projectByName(SEED_PROJECTS.pgx)!;

type Batch = { id: string; job: { id: string; status: string; subjectType: string; subjectId: string } };
type Items = { items: { id: string; processing: { status: string }; createdSample?: { id: string } }[] };

function item(name: string, dataIds: string[], completeSample = true) {
  return { sampleToCreate: { name }, dataToLink: dataIds.map((dataId) => ({ dataId })), completeSample };
}

async function createBatch(items: unknown[], idempotencyKey?: string) {
  const res = await ica.request<Batch>({
    method: "POST",
    path: "/api/projects/{projectId}/sampleCreationBatch",
    pathParams: { projectId: project().id },
    body: { items },
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  expect(res.status).toBe(201);
  return res.body;
}

async function items(batchId: string, query: Record<string, string | string[]> = {}) {
  const res = await ica.request<Items>({
    method: "GET",
    path: "/api/projects/{projectId}/sampleCreationBatch/{batchId}/items",
    pathParams: { projectId: project().id, batchId },
    query,
  });
  return res.body.items;
}

const linkedPaths = (batchId: string) => {
  const s = sandbox().state;
  const batch = s.sampleBatches.get(batchId)!;
  return batch.items.map((i) =>
    s.samples
      .get(i.sampleId!)!
      .dataIds.map((id) => s.fullPath(s.data.get(id)!))
      .sort(),
  );
};

describe("sandbox: sample creation batches", () => {
  it("applies the guide's duplicate rule server-side and progresses the job over time", async () => {
    const tree = addTree(sandbox().state, project().id, [
      "/g/main/file1",
      "/g/main/file2",
      "/g/main/folder1/file1",
    ]);
    const ids = ["/g/main/file1", "/g/main/file2", "/g/main/folder1/file1"].map((p) => tree.get(p)!.id);
    const batch = await createBatch([item("G1", ids)]);
    expect(batch.job).toMatchObject({
      status: "INITIALIZED",
      subjectType: "SampleCreationBatch",
      subjectId: batch.id,
    });
    const job = () =>
      ica.request<{ status: string; timeStarted: string | null; timeFinished: string | null }>({
        method: "GET",
        path: "/api/jobs/{jobId}",
        pathParams: { jobId: batch.job.id },
      });
    expect((await items(batch.id)).map((i) => i.processing.status)).toEqual(["INITIALIZED"]);
    sandbox().state.clock.advance(JOB_START_MS + 10);
    expect((await job()).body.status).toBe("RUNNING");
    expect((await items(batch.id)).map((i) => i.processing.status)).toEqual(["RUNNING"]);
    sandbox().state.clock.advance(ITEM_MS);
    const done = (await job()).body;
    expect(done.status).toBe("SUCCEEDED");
    expect(done.timeFinished).not.toBeNull();
    const [only] = await items(batch.id);
    expect(only!.processing.status).toBe("SUCCEEDED");
    expect(only!.createdSample!.id).toBe(sandbox().state.sampleBatches.get(batch.id)!.items[0]!.sampleId);
    expect(linkedPaths(batch.id)).toEqual([["/g/main/file2", "/g/main/folder1/file1"]]);
  });

  it("judges duplicates within each item, expands folders, and keeps ties at the deepest level", async () => {
    const tree = addTree(sandbox().state, project().id, [
      "/d/x.txt",
      "/d/a/x.txt",
      "/d/a/b/x.txt",
      "/d/a/c/x.txt",
      "/d/a/b/y.txt",
      "/d/z.txt",
    ]);
    const id = (p: string) => tree.get(p)!.id;
    const batch = await createBatch([
      item("S1", [id("/d/x.txt"), id("/d/a/b/x.txt"), id("/d/z.txt")]),
      item("S2", [id("/d/a/")], false),
      // Deeper copies of x.txt in other items do not remove this one.
      item("S3", [id("/d/a/x.txt")]),
    ]);
    sandbox().state.clock.advance(JOB_START_MS + 3 * ITEM_MS);
    expect((await items(batch.id)).map((i) => i.processing.status)).toEqual([
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
    ]);
    expect(linkedPaths(batch.id)).toEqual([
      ["/d/a/b/x.txt", "/d/z.txt"],
      ["/d/a/b/x.txt", "/d/a/b/y.txt", "/d/a/c/x.txt"],
      ["/d/a/x.txt"],
    ]);
    const s = sandbox().state;
    const samples = s.sampleBatches.get(batch.id)!.items.map((i) => s.samples.get(i.sampleId!)!);
    expect(samples.map((x) => [x.name, x.status])).toEqual([
      ["S1", "AVAILABLE"],
      ["S2", "PARTIAL"],
      ["S3", "AVAILABLE"],
    ]);
    const succeeded = await items(batch.id, { status: ["SUCCEEDED"], pageSize: "2" });
    expect(succeeded.length).toBe(2);
  });

  it("fails the items whose data went away, and the job ends PARTIALLY_SUCCEEDED", async () => {
    const tree = addTree(sandbox().state, project().id, ["/f/ok.txt", "/f/gone.txt"]);
    const batch = await createBatch([
      item("OK", [tree.get("/f/ok.txt")!.id]),
      item("GONE", [tree.get("/f/gone.txt")!.id]),
    ]);
    tree.get("/f/gone.txt")!.status = "DELETING";
    sandbox().state.clock.advance(JOB_START_MS + 2 * ITEM_MS);
    const job = await ica.request<{ status: string; additionalStatusInformation: string }>({
      method: "GET",
      path: "/api/jobs/{jobId}",
      pathParams: { jobId: batch.job.id },
    });
    expect(job.body.status).toBe("PARTIALLY_SUCCEEDED");
    expect(job.body.additionalStatusInformation).toBe("1 of 2 sample(s) could not be created");
    expect((await items(batch.id)).map((i) => i.processing.status)).toEqual(["SUCCEEDED", "FAILED"]);
  });

  it("replays an Idempotency-Key with the same body, refuses it with another, and rejects unknown data", async () => {
    const tree = addTree(sandbox().state, project().id, ["/i/one.txt"]);
    const body = [item("I1", [tree.get("/i/one.txt")!.id])];
    const before = sandbox().state.sampleBatches.size;
    const a = await createBatch(body, "key-i1");
    const b = await createBatch(body, "key-i1");
    expect(b.id).toBe(a.id);
    expect(sandbox().state.sampleBatches.size).toBe(before + 1);
    const other = await createBatch([item("I2", [])], "key-i1").catch((e) => e);
    expect((other as IcaApiError).status).toBe(422);
    const unknown = await createBatch([item("U", ["fil.nope"])]).catch((e) => e);
    expect(unknown).toBeInstanceOf(IcaApiError);
    expect((unknown as IcaApiError).status).toBe(400);
    expect((unknown as IcaApiError).parameters).toEqual({ "items[0].dataToLink[0].dataId": "fil.nope" });
    const empty = await createBatch([]).catch((e) => e);
    expect((empty as IcaApiError).status).toBe(400);
    expect(sandbox().state.sampleBatches.size).toBe(before + 1);
  });

  it("answers 404 for unknown batches and jobs", async () => {
    const missing = "00000000-0000-4000-8000-000000000001";
    const batch = await ica
      .request({
        method: "GET",
        path: "/api/projects/{projectId}/sampleCreationBatch/{batchId}",
        pathParams: { projectId: project().id, batchId: missing },
      })
      .catch((e) => e);
    expect((batch as IcaApiError).status).toBe(404);
    const job = await ica
      .request({ method: "GET", path: "/api/jobs/{jobId}", pathParams: { jobId: missing } })
      .catch((e) => e);
    expect((job as IcaApiError).status).toBe(404);
  });
});

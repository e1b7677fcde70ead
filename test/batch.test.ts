/**
 * Batch launches (ica_start_analysis items, one analysisCreationBatch): 24 samples with two invalid items
 * (both reported per item, nothing sent), then valid (one request, one confirmation, ica_get_job per item),
 * then repeated (nothing new). The sandbox's batch items (both paging styles) are read here too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { rowsOf } from "./helpers/columnar.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
const wgs = () => sandbox().state.projectByName(SEED_PROJECTS.wgs)!;
const since = (n: number) => sandbox().exchanges.slice(n);
/** Requests that create something (searches, token exchanges and activation-code matching change nothing). */
const posts = (n: number) =>
  since(n).filter(
    (e) =>
      e.method === "POST" &&
      !e.path.endsWith(":search") &&
      !e.path.startsWith("/api/tokens") &&
      !e.path.startsWith("/api/activationCodes"),
  );

let c: Connected;
let asked = 0;
beforeAll(async () => {
  c = await connectTools(sandbox(), {
    onElicit: () => {
      asked++;
      return { action: "accept" };
    },
  });
});
afterAll(async () => {
  await c.close();
});

function samples() {
  const sb = sandbox();
  const files = sb.state.data.where(
    (d) => d.projectId === wgs().id && d.dataType === "FILE" && d.name.endsWith("_R1_001.fastq.gz"),
  );
  return files
    .filter(
      (r1) =>
        sb.state.data.find((d) => d.path === r1.path && d.name === r1.name.replace("_R1_", "_R2_"))
          ?.status === "AVAILABLE",
    )
    .slice(0, 24)
    .map((r1) => ({
      sample: r1.name.split("_")[0]!,
      r1: sb.state.fullPath(r1),
      r2: sb.state.fullPath(r1).replace("_R1_", "_R2_"),
    }));
}

function batchArgs(list: ReturnType<typeof samples>, extra: Record<string, unknown> = {}) {
  const tar = sandbox().state.data.find(
    (d) => d.projectId === wgs().id && d.name.endsWith(".tar") && d.status === "AVAILABLE",
  )!;
  return {
    projectId: wgs().id,
    pipelineCode: "DRAGEN_Germline_4-3-6",
    inputs: [{ parameterCode: "reference_tar", dataIds: [sandbox().state.fullPath(tar)] }],
    items: list.map((s) => ({
      userReference: `batch-${s.sample}`,
      inputs: { fastqs: [s.r1, s.r2] },
      parameters: { sample_name: s.sample },
    })),
    ...extra,
  };
}

interface BatchOut {
  outcome: string;
  plan?: string;
  estimate?: { basedOn: number; median?: number; note: string };
  batch?: {
    id?: string;
    jobId?: string;
    /** Columnar: read with rowsOf(out.batch). */
    items: { columns: string[]; rows: unknown[][] };
    outcomes: Record<string, number>;
  };
}
type BatchItemOut = { userReference: string; outcome: string; analysisId?: string; status?: string };

describe("a batch of 24 launches", () => {
  it("reports both invalid items, per item, and sends nothing", async () => {
    const list = samples();
    expect(list).toHaveLength(24);
    const bad = batchArgs(list);
    bad.items[4]!.inputs.fastqs = ["/fastq/no-such-run/missing_R1.fastq.gz", list[4]!.r2];
    (bad.items[16]!.parameters as Record<string, string>).min_base_quality = "high";
    const n = sandbox().exchanges.length;
    const res = await c.client.callTool({ name: "ica_start_analysis", arguments: bad });
    expect(res.isError).toBe(true);
    const text = textOf(res);
    expect(text).toContain("2 of 24 item(s) have problems; nothing was sent");
    expect(text).toContain(
      `item 5 ("batch-${list[4]!.sample}"): input "fastqs": nothing at path "/fastq/no-such-run/missing_R1.fastq.gz"`,
    );
    expect(text).toMatch(new RegExp(`item 17 \\("batch-${list[16]!.sample}"\\): .*min_base_quality`));
    expect(posts(n)).toEqual([]);
    expect(asked).toBe(0);
  });

  it("sends the valid batch as one request with one confirmation, and ica_get_job follows each item", async () => {
    const list = samples();
    const args = batchArgs(list);
    const dry = (
      await c.client.callTool({ name: "ica_start_analysis", arguments: { ...args, dryRun: true } })
    ).structuredContent as unknown as BatchOut;
    expect(dry.outcome).toBe("dry_run");
    expect(dry.plan).toContain("24 analyses");
    expect(dry.plan).toContain("as one batch");
    expect(dry.plan).toContain("- inputs: 72 data item(s)");
    expect(dry.estimate!.note).toContain("estimate for 24 analyses");
    expect(dry.batch!.items.columns).toEqual(["userReference", "outcome", "analysisId", "status"]);
    expect(dry.batch!.outcomes).toEqual({ would_send: 24 });
    expect(rowsOf<BatchItemOut>(dry.batch)[0]).toEqual({
      userReference: `batch-${list[0]!.sample}`,
      outcome: "would_send",
    });
    const n = sandbox().exchanges.length;
    const res = await c.client.callTool({ name: "ica_start_analysis", arguments: args });
    expect(res.isError).toBeFalsy();
    const out = res.structuredContent as unknown as BatchOut;
    expect(out.outcome).toBe("started");
    expect(out.plan).toBe(dry.plan);
    expect(asked).toBe(1);
    const sent = posts(n);
    expect(sent.map((e) => e.path)).toEqual([`/api/projects/${wgs().id}/analysisCreationBatch`]);
    expect(sent[0]!.requestHeaders["idempotency-key"]).toMatch(/^[0-9a-f]{64}$/);
    const body = sent[0]!.requestBody as {
      cwlItems: { userReference: string; tags: { technicalTags: string[] } }[];
    };
    expect(body.cwlItems).toHaveLength(24);
    for (const item of body.cwlItems) {
      expect(item.tags.technicalTags.filter((t) => t.startsWith("ica-mcp-launch:"))).toHaveLength(1);
    }
    expect(out.batch!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.batch!.outcomes).toEqual({ sent: 24 });
    expect(rowsOf<BatchItemOut>(out.batch).every((i) => i.outcome === "sent")).toBe(true);
    const jobId = out.batch!.jobId!;
    sandbox().state.clock.advance(2_000 + 24 * 1_000);
    const job = await c.client.callTool({ name: "ica_get_job", arguments: { jobId } });
    const j = job.structuredContent as {
      status: string;
      analysisBatch: {
        itemCount: number;
        countsByStatus: Record<string, number>;
        items: unknown;
      };
    };
    expect(j.status).toBe("SUCCEEDED");
    expect(j.analysisBatch.itemCount).toBe(24);
    expect(j.analysisBatch.countsByStatus).toEqual({ SUCCEEDED: 24 });
    const batchItems = rowsOf<{ userReference: string; status: string; analysisId?: string }>(
      j.analysisBatch,
    );
    expect(batchItems[0]).toMatchObject({
      userReference: `batch-${list[0]!.sample}`,
      status: "SUCCEEDED",
    });
    expect(batchItems.every((i) => /^[0-9a-f-]{36}$/.test(i.analysisId ?? ""))).toBe(true);
    expect(textOf(job)).toContain("24 of 24 analyses created");
  });

  it("a repeated batch creates nothing new: every item is found as existing", async () => {
    const before = sandbox().state.analyses.size;
    const n = sandbox().exchanges.length;
    const res = await c.client.callTool({ name: "ica_start_analysis", arguments: batchArgs(samples()) });
    const out = res.structuredContent as unknown as BatchOut;
    expect(out.outcome).toBe("existing");
    expect(out.batch!.outcomes).toEqual({ existing: 24 });
    expect(rowsOf<BatchItemOut>(out.batch).every((i) => i.outcome === "existing" && i.analysisId)).toBe(true);
    expect(posts(n)).toEqual([]);
    expect(sandbox().state.analyses.size).toBe(before);
    expect(textOf(res)).toContain("All 24 analyses of this batch exist already");
  });

  it("the sandbox lists batch items in both paging styles and fails an invalid item with ICA's reason", async () => {
    const sb = sandbox();
    const list = samples().slice(0, 3);
    const post = await fetch(`${sb.url}/api/projects/${wgs().id}/analysisCreationBatch`, {
      method: "POST",
      headers: {
        "X-API-Key": TEST_API_KEY,
        "Content-Type": "application/vnd.illumina.v3+json",
        Accept: "application/vnd.illumina.v3+json",
      },
      body: JSON.stringify({
        nextflowItems: list.map((_s, i) => ({
          userReference: `raw-${i}`,
          pipelineId: sb.state.pipelines.find((p) => p.code === "nf-core-sarek-3-4-2")!.id,
          analysisInput: { inputs: [{ parameterCode: "fastqs", dataIds: ["fil.doesnotexist"] }] },
        })),
      }),
    });
    expect(post.status).toBe(201);
    const batch = (await post.json()) as { id: string; job: { status: string } };
    expect(batch.job.status).toBe("INITIALIZED");
    sb.state.clock.advance(2_000 + 3 * 1_000);
    const get = (q: string) =>
      fetch(`${sb.url}/api/projects/${wgs().id}/analysisCreationBatch/${batch.id}/items?${q}`, {
        headers: { "X-API-Key": TEST_API_KEY, Accept: "application/vnd.illumina.v4+json" },
      }).then(
        (r) =>
          r.json() as Promise<{
            items: { processing: { status: string; additionalStatusInformation: string } }[];
            nextPageToken?: string;
            totalItemCount?: number;
            remainingRecords?: number;
          }>,
      );
    const cursor = await get("pageSize=2");
    expect(cursor.items).toHaveLength(2);
    expect(cursor.remainingRecords).toBe(1);
    const rest = await get(`pageSize=2&pageToken=${encodeURIComponent(cursor.nextPageToken!)}`);
    expect(rest.items).toHaveLength(1);
    const offset = await get("pageSize=2&pageOffset=2");
    expect(offset).toMatchObject({ totalItemCount: 3, nextPageToken: "" });
    expect(cursor.items[0]!.processing.status).toBe("FAILED");
    expect(cursor.items[0]!.processing.additionalStatusInformation).toContain("fil.doesnotexist");
  });
});

/** ica_get_analysis, _steps, _outputs, ica_abort_analysis, ica_wait_for_analysis and the API helpers. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAnalysesV3, normaliseAnalysisStatus, parseAnalysisStatuses } from "../src/ica/api/analyses.js";
import { planPaging } from "../src/ica/paging.js";
import { type AnalysisRecord, SEED_PROJECTS } from "../src/sandbox/index.js";
import { newSimulatedAnalysis } from "../src/sandbox/lifecycle.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { sandboxClient } from "./helpers/client.js";
import { listed, rowsOf } from "./helpers/columnar.js";
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

const wgs = () => sandbox().state.projectByName(SEED_PROJECTS.wgs)!;
const inWgs = (pred: (a: AnalysisRecord) => boolean = () => true) =>
  sandbox().state.analyses.where((a) => a.projectId === wgs().id && pred(a));
const call = (name: string, args: Record<string, unknown>) =>
  c.client.callTool({ name, arguments: { projectId: wgs().id, ...args } });
const since = (n: number) => sandbox().exchanges.slice(n);
const failedWithSteps = () => inWgs((a) => a.status === "FAILED" && a.steps !== null)[0]!;
function simulated(userReference: string, opts: { stepMs?: number; outcome?: "SUCCEEDED" | "FAILED" } = {}) {
  return newSimulatedAnalysis(
    sandbox().state,
    { projectId: wgs().id, pipelineId: inWgs()[0]!.pipelineId, userReference },
    { stepMs: opts.stepMs ?? 3_600_000, outcome: opts.outcome },
  );
}

describe("tool definitions", () => {
  it("registers six analysis tools with honest annotations and short descriptions", () => {
    const names = [
      "ica_list_analyses",
      "ica_get_analysis",
      "ica_get_analysis_steps",
      "ica_get_analysis_outputs",
      "ica_abort_analysis",
      "ica_wait_for_analysis",
    ];
    for (const name of names) {
      const tool = ALL_TOOLS.find((t) => t.name === name)!;
      expect(tool.description.length).toBeLessThan(1000);
      expect(tool.annotations.destructiveHint).toBe(name === "ica_abort_analysis");
      expect(tool.annotations.readOnlyHint).toBe(name !== "ica_abort_analysis");
    }
  });
});

describe("ica_get_analysis", () => {
  it("returns a compact view, and the inputs, configurations, usage and logs folder when asked", async () => {
    const a = failedWithSteps();
    const n = sandbox().exchanges.length;
    const res = await call("ica_get_analysis", {
      analysisId: a.id,
      include: ["inputs", "configurations", "usage", "logsFolder"],
    });
    expect(res.isError).toBeFalsy();
    const s = res.structuredContent as any;
    const pipeline = sandbox().state.pipelines.get(a.pipelineId)!;
    const storage = sandbox().state.analysisStorages.get(a.analysisStorageId)!;
    expect(s).toMatchObject({
      id: a.id,
      reference: a.reference,
      userReference: a.userReference,
      status: "FAILED",
      summary: a.summary,
      pipeline: { id: pipeline.id, code: pipeline.code, language: pipeline.language },
      storage: { id: storage.id, name: storage.name, description: storage.description },
      startDate: a.startDate,
      endDate: a.endDate,
      userTags: a.tags.userTags,
      technicalTags: a.tags.technicalTags,
      referenceTags: a.tags.referenceTags,
      usage: { amount: expect.any(Number), currency: "iCredit" },
      logsFolder: {
        dataId: a.logsFolderId,
        path: sandbox().state.fullPath(sandbox().state.data.get(a.logsFolderId!)!),
      },
    });
    expect(s.durationMinutes).toBe(
      Math.round((Date.parse(a.endDate!) - Date.parse(a.startDate!)) / 6_000) / 10,
    );
    expect(s.inputs.map((i: { code: string }) => i.code)).toEqual(a.inputs.map((i) => i.code));
    expect(s.inputs[0].data.map((d: { dataId: string }) => d.dataId)).toEqual(a.inputs[0]!.dataIds);
    expect(s.configurations.map((x: { name: string }) => x.name)).toEqual(
      a.configurations.map((x) => x.name),
    );
    expect(textOf(res)).toContain("ica_get_analysis_steps");
    const sent = since(n)
      .filter((e) => e.path.includes(a.id))
      .map((e) => `${e.path.split(a.id)[1] || "/"} ${e.requestHeaders.accept}`);
    expect(sent.sort()).toEqual(
      [
        "/ application/vnd.illumina.v4+json",
        "/configurations application/vnd.illumina.v3+json",
        "/inputs application/vnd.illumina.v3+json",
        "/logs application/vnd.illumina.v3+json",
        "/usage application/vnd.illumina.v3+json",
      ].sort(),
    );
  });

  it("notes missing usage for a running analysis, and explains unknown ids", async () => {
    const running = inWgs((a) => a.status === "IN_PROGRESS")[0]!;
    const res = await call("ica_get_analysis", { analysisId: running.id, include: ["usage"] });
    const s = res.structuredContent as any;
    expect(s.status).toBe("IN_PROGRESS");
    expect(s.usage).toBeUndefined();
    expect(s.notes[0]).toMatch(/^usage: ICA has no usage details for this analysis yet/);
    expect(textOf(res)).toContain("ica_wait_for_analysis");
    const missing = await call("ica_get_analysis", { analysisId: "00000000-0000-4000-8000-000000000000" });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain("ICA answered 404");
  });
});

describe("ica_get_analysis_steps", () => {
  it("shows the steps and the stderr tail of the failed step, fetched without ICA credentials", async () => {
    const a = failedWithSteps();
    const failedStep = a.steps!.find((s) => s.status === "FAILED")!;
    const stderr = sandbox().state.fileText(failedStep.stdErrDataId!)!;
    const downloadsBefore = sandbox().downloads.length;
    const n = sandbox().exchanges.length;
    const res = await call("ica_get_analysis_steps", { analysisId: a.id });
    expect(res.isError).toBeFalsy();
    const s = listed(res, "steps") as any;
    expect(s.totalSteps).toBe(a.steps!.length);
    expect(s.failedSteps).toBe(1);
    expect(s.steps.map((x: { name: string }) => x.name)).toEqual(a.steps!.map((x) => x.name));
    const failed = s.steps.find((x: { status: string }) => x.status === "FAILED");
    expect(failed).toMatchObject({
      name: failedStep.name,
      exitCode: failedStep.exitCode,
      stdErrDataId: failedStep.stdErrDataId,
      stderrTail: stderr,
      logTruncated: false,
    });
    for (const done of s.steps.filter((x: { status: string }) => x.status === "DONE")) {
      expect(done.stderrTail).toBeUndefined();
      expect(done.stdErrDataId).toBeUndefined();
    }
    expect(textOf(res)).toContain(`first: ${failedStep.name} (exit code ${failedStep.exitCode})`);
    expect(since(n).map((e) => `${e.method} ${e.path}`)).toEqual([
      `GET /api/projects/${wgs().id}/analyses/${a.id}/steps`,
      `POST /api/projects/${wgs().id}/data/${failedStep.stdErrDataId}:createDownloadUrl`,
    ]);
    const fetched = sandbox().downloads.slice(downloadsBefore);
    expect(fetched.length).toBe(1);
    expect(fetched[0]!.headers.range).toBe("bytes=-4096");
    for (const d of sandbox().downloads) {
      expect(d.headers.authorization).toBeUndefined();
      expect(d.headers["x-api-key"]).toBeUndefined();
    }
  });

  it("bounds the tail, skips logs on request, and filters failed steps", async () => {
    const a = failedWithSteps();
    const failedStep = a.steps!.find((s) => s.status === "FAILED")!;
    const stderr = sandbox().state.fileText(failedStep.stdErrDataId!)!;
    const short = await call("ica_get_analysis_steps", { analysisId: a.id, tailBytes: 40, failedOnly: true });
    const s = listed(short, "steps") as any;
    expect(s.steps.map((x: { status: string }) => x.status)).toEqual(["FAILED"]);
    expect(s.omittedSteps).toBe(a.steps!.length - 1);
    expect(s.steps[0].stderrTail).toBe(Buffer.from(stderr).subarray(-40).toString("utf8"));
    expect(s.steps[0].logTruncated).toBe(true);
    const n = sandbox().exchanges.length;
    const none = await call("ica_get_analysis_steps", { analysisId: a.id, tailBytes: 0 });
    expect((listed(none, "steps") as any).steps.every((x: { stderrTail?: string }) => !x.stderrTail)).toBe(
      true,
    );
    expect(since(n).filter((e) => e.path.endsWith(":createDownloadUrl"))).toEqual([]);
  });

  it("shows the end of stdout when stderr is empty, and a note when the log cannot be read", async () => {
    const sim = simulated("steps-empty-stderr", { stepMs: 1_000, outcome: "FAILED" });
    sandbox().state.clock.advance(7_000);
    await call("ica_get_analysis", { analysisId: sim.id }); // advances the simulation
    const step = sim.steps!.find((s) => s.status === "FAILED")!;
    sandbox().state.data.get(step.stdErrDataId!)!.content = "";
    const res = await call("ica_get_analysis_steps", { analysisId: sim.id });
    const failed = (listed(res, "steps") as any).steps.find((x: { status: string }) => x.status === "FAILED");
    expect(failed.stdoutTail).toBe(sandbox().state.fileText(step.stdOutDataId!));
    expect(failed.logNote).toBe("stderr was empty; showing the end of stdout.");
    const fault = sandbox().faults.add({
      kind: "status",
      status: 503,
      times: 6,
      match: { operationId: "createDownloadUrlForData" },
    });
    const broken = await call("ica_get_analysis_steps", { analysisId: failedWithSteps().id });
    expect(broken.isError).toBeFalsy();
    const bad = (listed(broken, "steps") as any).steps.find((x: { status: string }) => x.status === "FAILED");
    expect(bad.logNote).toMatch(/^could not read the log: ICA 503/);
    expect(fault.hits).toBe(6);
  });

  it("reports running steps of an analysis in progress", async () => {
    const running = inWgs((a) => a.status === "IN_PROGRESS" && a.steps !== null)[0]!;
    const res = await call("ica_get_analysis_steps", { analysisId: running.id });
    const s = listed(res, "steps") as any;
    expect(s.runningSteps).toBe(running.steps!.filter((x) => x.status === "RUNNING").length);
    expect(textOf(res)).toContain("running: ");
  });
});

describe("ica_get_analysis_outputs", () => {
  it("lists the output folder and its files with project paths, bounded", async () => {
    const a = inWgs((x) => x.status === "SUCCEEDED" && x.outputFolderId !== null)[0]!;
    const state = sandbox().state;
    const folder = state.data.get(a.outputFolderId!)!;
    const descendants = (id: string): number =>
      state.data.where((d) => d.parentId === id).reduce((n, d) => n + 1 + descendants(d.id), 0);
    const res = await call("ica_get_analysis_outputs", { analysisId: a.id });
    const s = listed(res) as any;
    expect(s.outputs).toEqual(["output_folder"]);
    const items = s.items;
    expect(items[0]).toEqual({
      output: "output_folder",
      dataId: folder.id,
      name: folder.name,
      type: "FOLDER",
      path: state.fullPath(folder),
    });
    for (const item of items) {
      expect(item.path).toBe(state.fullPath(state.data.get(item.dataId)!));
    }
    expect(s.totalItems).toBe(1 + descendants(folder.id));
    expect(s.truncated).toBe(false);
    const cut = await call("ica_get_analysis_outputs", { analysisId: a.id, maxItems: 2 });
    expect(rowsOf(cut)).toHaveLength(2);
    expect((cut.structuredContent as any).truncated).toBe(true);
    expect(textOf(cut)).toContain("ica_list_data");
  });

  it("explains an empty result by the analysis status", async () => {
    const a = failedWithSteps();
    const res = await call("ica_get_analysis_outputs", { analysisId: a.id });
    expect(textOf(res)).toContain(`No outputs listed for analysis ${a.userReference} (status FAILED)`);
  });
});

describe("ica_abort_analysis", () => {
  it("requests the abort, reports ABORTING, and refuses once the analysis has ended", async () => {
    const sim = simulated("abort-me", { stepMs: 60_000 });
    const n = sandbox().exchanges.length;
    const res = await call("ica_abort_analysis", { analysisId: sim.id });
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent).toMatchObject({
      analysisId: sim.id,
      abortRequested: true,
      status: "ABORTING",
    });
    expect(textOf(res)).toContain("ICA updates the status only once the abort has actually started");
    expect(since(n).map((e) => `${e.method} ${e.path.split(sim.id)[1]} ${e.status}`)).toEqual([
      "POST :abort 204",
      "GET  200",
    ]);
    sandbox().state.clock.advance(60_000);
    const again = await call("ica_abort_analysis", { analysisId: sim.id });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toContain("has already ended with status ABORTED, so there is nothing to abort");
  });
});

describe("ica_wait_for_analysis", () => {
  it("waits for the end with progress notifications and reports every status seen", async () => {
    const sim = simulated("wait-ok", { stepMs: 60_000 });
    const progress: { progress: number; message?: string }[] = [];
    const res = await c.client.callTool(
      {
        name: "ica_wait_for_analysis",
        arguments: { projectId: wgs().id, analysisId: sim.id, pollSeconds: 1 },
      },
      undefined,
      {
        onprogress: (p) => {
          progress.push(p);
          if (progress.length === 1) sandbox().state.clock.advance(6 * 60_000);
        },
      },
    );
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent).toMatchObject({
      analysisId: sim.id,
      status: "SUCCEEDED",
      outcome: "terminal",
      polls: 2,
      statusesSeen: ["REQUESTED", "SUCCEEDED"],
    });
    expect((res.structuredContent as { waitedSeconds: number }).waitedSeconds).toBeGreaterThanOrEqual(1);
    expect(progress[0]!.message).toMatch(/^wait-ok: REQUESTED after \d+ s$/);
    expect(progress.at(-1)!.message).toMatch(/SUCCEEDED/);
    expect(textOf(res)).toContain("ica_get_analysis_outputs");
  });

  it("stops at a target status given in either spelling, or when it is already past it", async () => {
    const sim = simulated("wait-target", { stepMs: 60_000 });
    const res = await c.client.callTool(
      {
        name: "ica_wait_for_analysis",
        arguments: { projectId: wgs().id, analysisId: sim.id, untilStatus: "inprogress", pollSeconds: 1 },
      },
      undefined,
      {
        onprogress: (p) => {
          if (p.message?.includes("REQUESTED")) sandbox().state.clock.advance(4 * 60_000);
        },
      },
    );
    expect(res.structuredContent).toMatchObject({ status: "IN_PROGRESS", outcome: "target" });
    const past = await call("ica_wait_for_analysis", { analysisId: sim.id, untilStatus: "QUEUED" });
    expect(past.structuredContent).toMatchObject({ outcome: "passed", polls: 1 });
    const awaiting = inWgs((a) => a.status === "AWAITING_INPUT")[0]!;
    const input = await call("ica_wait_for_analysis", { analysisId: awaiting.id });
    expect(input.structuredContent).toMatchObject({ outcome: "awaiting_input", polls: 1 });
    const bad = await call("ica_wait_for_analysis", { analysisId: sim.id, untilStatus: "DONE" });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain('untilStatus "DONE" is not an analysis status');
  });

  it("returns the current state at the timeout, and stops polling when cancelled", async () => {
    const sim = simulated("wait-long");
    const res = await call("ica_wait_for_analysis", {
      analysisId: sim.id,
      timeoutSeconds: 1,
      pollSeconds: 1,
    });
    expect(res.structuredContent).toMatchObject({ status: "REQUESTED", outcome: "timeout", polls: 2 });
    expect(textOf(res)).toContain("call ica_wait_for_analysis again");
    const gets = () => sandbox().exchanges.filter((e) => e.path.endsWith(`/analyses/${sim.id}`)).length;
    const before = gets();
    const controller = new AbortController();
    const waiting = c.client.callTool(
      {
        name: "ica_wait_for_analysis",
        arguments: { projectId: wgs().id, analysisId: sim.id, pollSeconds: 1 },
      },
      undefined,
      { signal: controller.signal, onprogress: () => controller.abort() },
    );
    await expect(waiting).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 1_300));
    expect(gets() - before).toBe(1);
  });
});

describe("API helpers", () => {
  it("normalises both status spellings exactly", () => {
    expect(normaliseAnalysisStatus("inprogress")).toBe("IN_PROGRESS");
    expect(normaliseAnalysisStatus(" Awaiting Input ")).toBe("AWAITING_INPUT");
    expect(normaliseAnalysisStatus("FAILEDFINAL")).toBe("FAILED_FINAL");
    expect(normaliseAnalysisStatus("failed")).toBe("FAILED");
    expect(normaliseAnalysisStatus("FAILED_FINALLY")).toBeUndefined();
    expect(normaliseAnalysisStatus("XSUCCEEDED")).toBeUndefined();
    expect(parseAnalysisStatuses(["succeeded", "SUCCEEDED", "ABORTED"])).toEqual(["SUCCEEDED", "ABORTED"]);
  });

  it("lists through the deprecated GET with the v3 status and lower-case names, returning v4 spellings", async () => {
    const ica = sandboxClient(sandbox());
    const n = sandbox().exchanges.length;
    const tagged = inWgs((a) => a.status === "IN_PROGRESS")[0]!;
    const page = await listAnalysesV3(
      ica,
      wgs().id,
      { status: "IN_PROGRESS", userReference: tagged.userReference, userTag: tagged.tags.userTags[0] },
      planPaging({}, { sortFields: ["reference"], defaultPageSize: 25, maxPageSize: 1000 }),
    );
    expect(since(n).find((e) => e.path.endsWith("/analyses"))!.query).toEqual([
      ["status", "INPROGRESS"],
      ["userreference", tagged.userReference],
      ["usertag", tagged.tags.userTags[0]!],
      ["pageSize", "25"],
    ]);
    expect(page.items.map((a) => a.id)).toContain(tagged.id);
    expect(new Set(page.items.map((a) => a.status))).toEqual(new Set(["IN_PROGRESS"]));
    await ica.close();
  });
});

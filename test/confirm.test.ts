/**
 * Confirmation of billed and destructive steps (ICA_CONFIRM): the user's answer through the SDK Client's
 * elicitation handler (accept, decline, cancel), a client without the capability, ICA_CONFIRM=required with
 * the dry run's confirmationToken, and what the token is bound to (any change refused, expiry, another process).
 */
import type { ElicitRequest, ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { checkConfirmationToken, issueConfirmationToken, TOKEN_TTL_MS } from "../src/tools/launch/confirm.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
const project = () => sandbox().state.projectByName(SEED_PROJECTS.training)!;
const pipeline = () => sandbox().state.pipelines.find((p) => p.code === "DRAGEN_Germline_4-3-6")!;
const since = (n: number) => sandbox().exchanges.slice(n);
const creates = (n: number) =>
  since(n).filter((e) => e.method === "POST" && /\/analysis:(?!search)/.test(e.path));

function germline(userReference: string, extra: Record<string, unknown> = {}) {
  return {
    projectId: project().id,
    pipelineId: pipeline().id,
    userReference,
    inputs: [
      {
        parameterCode: "fastqs",
        dataIds: [
          "/tutorial/NA12878-chr20/NA12878_S1_L001_R1_001.fastq.gz",
          "/tutorial/NA12878-chr20/NA12878_S1_L001_R2_001.fastq.gz",
        ],
      },
      { parameterCode: "reference_tar", dataIds: ["/reference/dragen-hg38-chr20-v4-3.tar"] },
    ],
    parameters: [{ code: "sample_name", value: "NA12878" }],
    ...extra,
  };
}

type Answer = ElicitResult["action"];
const asked: ElicitRequest[] = [];
let next: Answer = "accept";

let withForm: Connected;
let noForm: Connected;
beforeAll(async () => {
  withForm = await connectTools(sandbox(), {
    onElicit: (req) => {
      asked.push(req);
      return { action: next };
    },
  });
  noForm = await connectTools(sandbox());
});
afterAll(async () => {
  await withForm.close();
  await noForm.close();
});

interface LaunchResult {
  outcome: string;
  plan?: string;
  confirmationToken?: string;
  confirmation?: string;
  analysis?: { id: string };
  estimate?: { basedOn: number; note: string };
}

async function call(c: Connected, name: string, args: Record<string, unknown>) {
  return c.client.callTool({ name, arguments: args });
}

describe("elicitation (ICA_CONFIRM=auto, the client declares the form)", () => {
  it("asks before anything is sent; accept launches exactly the plan shown", async () => {
    const dry = (await call(withForm, "ica_start_analysis", { ...germline("confirm-accept"), dryRun: true }))
      .structuredContent as unknown as LaunchResult;
    expect(asked).toHaveLength(0); // a dry run sends nothing and asks nothing
    next = "accept";
    const n = sandbox().exchanges.length;
    const res = await call(withForm, "ica_start_analysis", germline("confirm-accept"));
    expect(res.isError).toBeFalsy();
    const out = res.structuredContent as unknown as LaunchResult;
    expect(out.outcome).toBe("started");
    expect(out.confirmation).toBe("confirmed by the user in the client's form");
    expect(asked).toHaveLength(1);
    const message = asked[0]!.params.message;
    // One text: the form, the dry run and the launch result show the same plan.
    expect(out.plan).toBe(dry.plan);
    expect(message.startsWith(out.plan!)).toBe(true);
    expect(message).toContain("Launch DRAGEN_Germline_4-3-6 (CWL) in project");
    expect(message).toContain('"confirm-accept"');
    expect(message).toContain("- inputs: 3 data item(s), 0 S3 input(s)");
    expect(message).toMatch(/- storage: \w+ \(pipeline default\)/);
    expect(message).toMatch(/- activation code: [0-9a-f-]{36} \(.+\) \(best match\)/);
    expect(message).toContain("- outputs: ICA's default output folder");
    expect(message).toContain("- cost: ");
    expect(message).toContain("not a quote");
    expect(creates(n)).toHaveLength(1);
    expect(asked[0]!.params).toMatchObject({ mode: "form", requestedSchema: { type: "object" } });
  });

  for (const answer of ["decline", "cancel"] as const) {
    it(`${answer} launches nothing and says so, without an error`, async () => {
      next = answer;
      const before = asked.length;
      const n = sandbox().exchanges.length;
      const res = await call(withForm, "ica_start_analysis", germline(`confirm-${answer}`));
      expect(res.isError).toBeFalsy();
      const out = res.structuredContent as unknown as LaunchResult;
      expect(out.outcome).toBe(answer === "decline" ? "declined" : "cancelled");
      expect(out.analysis).toBeUndefined();
      expect(asked.length).toBe(before + 1);
      expect(creates(n)).toHaveLength(0);
      expect(textOf(res)).toContain("Nothing was sent to ICA");
      expect(textOf(res)).toContain("no analysis was started");
    });
  }

  it("asks before an abort (what, its status, run time) and a decline leaves it running", async () => {
    const sb = sandbox();
    const started = (await call(noForm, "ica_start_analysis", germline("confirm-abort")))
      .structuredContent as unknown as LaunchResult;
    const id = started.analysis!.id;
    sb.state.clock.advance(5_000);
    next = "decline";
    const n = sb.exchanges.length;
    const declined = await call(withForm, "ica_abort_analysis", { projectId: project().id, analysisId: id });
    expect(declined.isError).toBeFalsy();
    expect(declined.structuredContent).toMatchObject({ abortRequested: false });
    const message = asked.at(-1)!.params.message;
    expect(message).toMatch(
      new RegExp(
        `^Abort analysis "confirm-abort" \\(${id}\\) of DRAGEN_Germline_4-3-6 in project .+: status [A-Z_]+, (running|waiting) since \\d{4}-`,
      ),
    );
    expect(since(n).filter((e) => e.path.endsWith(":abort"))).toHaveLength(0);
    next = "accept";
    const accepted = await call(withForm, "ica_abort_analysis", { projectId: project().id, analysisId: id });
    expect(accepted.structuredContent).toMatchObject({
      abortRequested: true,
      confirmation: "confirmed by the user in the client's form",
    });
    expect(since(n).filter((e) => e.path.endsWith(":abort"))).toHaveLength(1);
  });

  it("asks before a key rotation; a decline changes nothing", async () => {
    const target = sandbox().state.storageCredentials.all()[0]!;
    const before = { ...target.secrets };
    next = "decline";
    const res = await call(withForm, "ica_rotate_storage_credentials", {
      storageCredentialsId: target.id,
      accessKeyId: "AKIACONFIRMTEST00042",
      secretAccessKey: "confirm-test-secret-0123456789abcdefghijklmn",
    });
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent).toMatchObject({ rotated: false, accessKeyId: "AKIA…0042" });
    expect(asked.at(-1)!.params.message).toContain(
      `Replace the AWS key pair of storage credentials "${target.name}"`,
    );
    expect(asked.at(-1)!.params.message).not.toContain("confirm-test-secret");
    expect(target.secrets).toEqual(before);
  });
});

describe("a client without the elicitation capability", () => {
  it("auto: goes on under the client's own approval, asking nothing", async () => {
    const before = asked.length;
    const res = await call(noForm, "ica_start_analysis", germline("confirm-noform"));
    const out = res.structuredContent as unknown as LaunchResult;
    expect(out.outcome).toBe("started");
    expect(out.confirmation).toBe("approved through the client's own tool approval");
    expect(asked.length).toBe(before);
  });

  it("required: refused without a token; the dry run's token launches exactly that plan", async () => {
    const strict = await connectTools(sandbox(), { env: { ICA_CONFIRM: "required" } });
    try {
      const n = sandbox().exchanges.length;
      const refused = await call(strict, "ica_start_analysis", germline("confirm-required"));
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toContain("ICA_CONFIRM=required: this client cannot show a confirmation form");
      expect(creates(n)).toHaveLength(0);
      const dry = (
        await call(strict, "ica_start_analysis", { ...germline("confirm-required"), dryRun: true })
      ).structuredContent as unknown as LaunchResult;
      expect(dry.confirmationToken).toMatch(/^c1\./);
      const ok = await call(strict, "ica_start_analysis", {
        ...germline("confirm-required"),
        confirmationToken: dry.confirmationToken,
      });
      expect((ok.structuredContent as unknown as LaunchResult).outcome).toBe("started");
      expect((ok.structuredContent as unknown as LaunchResult).confirmation).toBe(
        "confirmed by the dry run's confirmationToken",
      );
      expect(creates(n)).toHaveLength(1);
      // Abort without a token is refused too.
      const a = (ok.structuredContent as unknown as LaunchResult).analysis!.id;
      const abort = await call(strict, "ica_abort_analysis", { projectId: project().id, analysisId: a });
      expect(abort.isError).toBe(true);
      expect(textOf(abort)).toContain("ICA_CONFIRM=required");
    } finally {
      await strict.close();
    }
  });
});

describe("the confirmationToken is bound to the exact resolved request", () => {
  it("refuses changed arguments and a changed resolution (the storage), with the new plan", async () => {
    const dry = (await call(noForm, "ica_start_analysis", { ...germline("confirm-bound"), dryRun: true }))
      .structuredContent as unknown as LaunchResult;
    const n = sandbox().exchanges.length;
    const other = await call(noForm, "ica_start_analysis", {
      ...germline("confirm-bound-2"),
      confirmationToken: dry.confirmationToken,
    });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain("the confirmationToken was issued for a different request");
    expect(textOf(other)).toContain("the plan now: Launch DRAGEN_Germline_4-3-6 (CWL)");
    expect(textOf(other)).toContain('"confirm-bound-2"');
    // Same arguments, but ICA now resolves them differently: the pipeline's default storage changed.
    const p = pipeline();
    const original = p.analysisStorageId;
    p.analysisStorageId = sandbox().state.analysisStorages.find((s) => s.id !== original)!.id;
    try {
      const moved = await call(noForm, "ica_start_analysis", {
        ...germline("confirm-bound"),
        confirmationToken: dry.confirmationToken,
      });
      expect(moved.isError).toBe(true);
      expect(textOf(moved)).toContain("something changed since the dry run");
    } finally {
      p.analysisStorageId = original;
    }
    expect(creates(n)).toHaveLength(0);
  });

  it("refuses a token of another server process unless both share ICA_CONFIRM_SECRET", async () => {
    const secret = "shared-confirm-secret-for-tests-0001";
    const a = await connectTools(sandbox(), { env: { ICA_CONFIRM_SECRET: secret, ICA_CONFIRM: "required" } });
    const b = await connectTools(sandbox(), { env: { ICA_CONFIRM_SECRET: secret, ICA_CONFIRM: "required" } });
    try {
      const fromProcessKey = (
        await call(noForm, "ica_start_analysis", { ...germline("confirm-proc"), dryRun: true })
      ).structuredContent as unknown as LaunchResult;
      const refused = await call(a, "ica_start_analysis", {
        ...germline("confirm-proc"),
        confirmationToken: fromProcessKey.confirmationToken,
      });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toContain("issued by another server process");
      const shared = (await call(a, "ica_start_analysis", { ...germline("confirm-proc"), dryRun: true }))
        .structuredContent as unknown as LaunchResult;
      const accepted = await call(b, "ica_start_analysis", {
        ...germline("confirm-proc"),
        confirmationToken: shared.confirmationToken,
      });
      expect((accepted.structuredContent as unknown as LaunchResult).outcome).toBe("started");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("expires after 10 minutes, and any change of the bound request or kind is refused", () => {
    const binding = { endpoint: "analysis:cwl", projectId: "p", body: { userReference: "x", n: 1 } };
    const t0 = 1_800_000_000_000;
    const token = issueConfirmationToken({}, "launch", binding, t0);
    expect(checkConfirmationToken({}, token, "launch", binding, t0 + TOKEN_TTL_MS)).toEqual({ ok: true });
    expect(checkConfirmationToken({}, token, "launch", binding, t0 + TOKEN_TTL_MS + 1)).toMatchObject({
      ok: false,
      reason: "expired",
    });
    const changed = { ...binding, body: { ...binding.body, n: 2 } };
    expect(checkConfirmationToken({}, token, "launch", changed, t0)).toMatchObject({ reason: "changed" });
    expect(checkConfirmationToken({}, token, "abort", binding, t0)).toMatchObject({ reason: "changed" });
    // Key order does not matter; a forged expiry breaks the MAC.
    const reordered = { body: { n: 1, userReference: "x" }, projectId: "p", endpoint: "analysis:cwl" };
    expect(checkConfirmationToken({}, token, "launch", reordered, t0)).toEqual({ ok: true });
    const parts = token.split(".");
    parts[1] = (t0 + 10 * TOKEN_TTL_MS).toString(36);
    expect(
      checkConfirmationToken({}, parts.join("."), "launch", binding, t0 + 2 * TOKEN_TTL_MS),
    ).toMatchObject({
      reason: "changed",
    });
    expect(checkConfirmationToken({}, "garbage", "launch", binding, t0)).toMatchObject({
      reason: "malformed",
    });
    expect(
      checkConfirmationToken({ confirmSecret: "another-secret-0123456789" }, token, "launch", binding, t0),
    ).toMatchObject({ reason: "other_process" });
  });
});

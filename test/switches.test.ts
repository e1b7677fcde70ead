import { describe, expect, it } from "vitest";
import { OPTIONS, parseConfig } from "../src/config.js";
import { selectTools } from "../src/mcp/server.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { listed } from "./helpers/columnar.js";
import { connectTools, textOf } from "./helpers/mcp.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";
import { runCli } from "./helpers/spawn.js";

const sandbox = useSandbox();
const UUID_A = "0b8c6a3e-5d1f-4c2a-9e7b-1a2b3c4d5e6f";
const UUID_B = "1c9d7b4f-6e2a-4d3b-8f8c-2b3c4d5e6f70";
const UUID_C = "2d0e8c5a-7f3b-4e4c-9a9d-3c4d5e6f7081";

function config(env: Record<string, string>, argv: string[] = []) {
  const r = parseConfig(argv, env);
  if (!r.ok) throw new Error(r.message);
  return r.config;
}

describe("safety switches", () => {
  it("read-only mode registers only read-only tools (plus ica_call_api when present)", async () => {
    const selected = selectTools(config({ ICA_READ_ONLY: "true" }));
    expect(selected.length).toBeGreaterThan(0);
    for (const t of selected) expect(t.annotations.readOnlyHint || t.name === "ica_call_api").toBe(true);
    const writers = ALL_TOOLS.filter((t) => !t.annotations.readOnlyHint && t.name !== "ica_call_api");
    for (const w of writers) expect(selected).not.toContain(w);
    const c = await connectTools(sandbox(), { env: { ICA_READ_ONLY: "1" } });
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(selected.map((t) => t.name).sort());
    await c.close();
  });

  it("--read-only as a flag does the same", () => {
    expect(
      selectTools(config({}, ["--read-only"])).every(
        (t) => t.annotations.readOnlyHint || t.name === "ica_call_api",
      ),
    ).toBe(true);
  });

  it("ICA_TOOLS and ICA_EXCLUDE_TOOLS allow and deny tools", () => {
    expect(
      selectTools(config({ ICA_TOOLS: "ica_get_project, ica_list_projects" }))
        .map((t) => t.name)
        .sort(),
    ).toEqual(["ica_get_project", "ica_list_projects"]);
    const excluded = selectTools(config({ ICA_EXCLUDE_TOOLS: "ica_get_project" })).map((t) => t.name);
    expect(excluded).not.toContain("ica_get_project");
    expect(excluded.length).toBe(ALL_TOOLS.length - 1);
  });

  it("an unknown tool name stops the server, listing the valid ones", async () => {
    expect(() => selectTools(config({ ICA_TOOLS: "ica_list_projcts" }))).toThrow(
      /unknown tool name\(s\) ica_list_projcts; valid names: .*ica_list_projects/,
    );
    const res = await runCli([], {
      ICA_EXCLUDE_TOOLS: "ica_nope",
      ICA_API_KEY: TEST_API_KEY,
      ICA_BASE_URL: sandbox().url,
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /ICA_EXCLUDE_TOOLS: unknown tool name\(s\) ica_nope; valid names: ica_list_projects/,
    );
    expect(res.stdout).toBe("");
  });

  it("ICA_ALLOWED_PROJECTS limits listings and refuses other projects before any request", async () => {
    const [allowed, other] = [...sandbox().state.projects.values()];
    const c = await connectTools(sandbox(), { env: { ICA_ALLOWED_PROJECTS: allowed!.id } });
    const list = await c.client.callTool({ name: "ica_list_projects", arguments: { pageSize: 100 } });
    expect(listed<{ items: { id: string }[] }>(list).items.map((p) => p.id)).toEqual([allowed!.id]);
    const before = sandbox().requestLog.length;
    const denied = await c.client.callTool({ name: "ica_get_project", arguments: { projectId: other!.id } });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toMatch(/not in ICA_ALLOWED_PROJECTS/);
    expect(sandbox().requestLog.length).toBe(before);
    const ok = await c.client.callTool({ name: "ica_get_project", arguments: { projectId: allowed!.id } });
    expect(ok.isError).toBeFalsy();
    await c.close();
  });

  it("an ICA_PROJECT_ID outside ICA_ALLOWED_PROJECTS fails at startup", async () => {
    const env = { ICA_ALLOWED_PROJECTS: `${UUID_A},${UUID_B}`, ICA_PROJECT_ID: UUID_C };
    const r = parseConfig([], env);
    expect(!r.ok && r.message).toMatch(
      new RegExp(`ICA_PROJECT_ID: ${UUID_C} is not in ICA_ALLOWED_PROJECTS`),
    );
    const res = await runCli([], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/ICA_PROJECT_ID/);
  });
});

describe("switches that cannot silently do nothing", () => {
  it("a boolean that is not one of the eight words stops the server with one line naming it", async () => {
    const r = parseConfig([], { ICA_READ_ONLY: "banana" });
    expect(!r.ok && r.message).toBe(
      'invalid ICA_READ_ONLY: must be true/false, 1/0, yes/no or on/off (got "banana")',
    );
    const flag = parseConfig(["--read-only=maybe"], {});
    expect(!flag.ok && flag.message).toMatch(/^invalid --read-only: must be true\/false/);
    const res = await runCli([], {
      ICA_READ_ONLY: "banana",
      ICA_API_KEY: TEST_API_KEY,
      ICA_BASE_URL: sandbox().url,
    });
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split("\n")).toEqual([
      'ica-mcp: invalid ICA_READ_ONLY: must be true/false, 1/0, yes/no or on/off (got "banana")',
    ]);
    expect(res.stdout).toBe("");
  });

  it("accepts the eight words in any case", () => {
    for (const [word, value] of [
      ["TRUE", true],
      ["Yes", true],
      ["on", true],
      ["1", true],
      ["False", false],
      ["NO", false],
      ["off", false],
      ["0", false],
    ] as const) {
      expect(config({ ICA_READ_ONLY: word }).readOnly, word).toBe(value);
      expect(config({}, [`--read-only=${word}`]).readOnly, word).toBe(value);
    }
  });

  it("an empty value means unset for every optional variable (what an MCP Bundle sends for a blank field)", () => {
    const blank: Record<string, string> = {};
    for (const o of OPTIONS) for (const name of [o.env, ...(o.aliases ?? [])]) if (name) blank[name] = "";
    const r = parseConfig([], blank);
    expect(r.ok, !r.ok ? r.message : "").toBe(true);
    expect(r.ok && r.config).toEqual(
      parseConfig([], {}).ok && (parseConfig([], {}) as { config: unknown }).config,
    );
    const spaces = parseConfig([], { ICA_READ_ONLY: "  ", ICA_PROJECT_ID: " ", ICA_ALLOWED_PROJECTS: "" });
    expect(spaces.ok && spaces.config.readOnly).toBe(false);
    expect(spaces.ok && spaces.config.projectId).toBeUndefined();
  });

  it("a malformed ICA_PROJECT_ID or ICA_ALLOWED_PROJECTS entry stops the server", () => {
    const r = parseConfig([], { ICA_PROJECT_ID: "../steps" });
    expect(!r.ok && r.message).toMatch(
      /^invalid ICA_PROJECT_ID: must be a project id .*\(got "\.\.\/steps"\)/,
    );
    const list = parseConfig([], { ICA_ALLOWED_PROJECTS: `${UUID_A},my project` });
    expect(!list.ok && list.message).toMatch(
      /^invalid ICA_ALLOWED_PROJECTS: must be a project id .*\(got "my project"\)/,
    );
  });

  it("--check fails when ICA_ALLOWED_PROJECTS matches none of the visible projects, or ICA_PROJECT_ID is malformed", async () => {
    const base = { ICA_API_KEY: TEST_API_KEY, ICA_BASE_URL: sandbox().url };
    const none = await runCli(["--check"], { ...base, ICA_ALLOWED_PROJECTS: `${UUID_A},${UUID_B}` });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /^ica-mcp --check: FAIL: authenticated .*ICA_ALLOWED_PROJECTS matches none of the visible projects/m,
    );
    const visible = [...sandbox().state.projects.values()][0]!.id;
    const some = await runCli(["--check"], { ...base, ICA_ALLOWED_PROJECTS: `${visible},${UUID_A}` });
    expect(some.code).toBe(0);
    expect(some.stderr).toMatch(new RegExp(`OK: .*ICA_ALLOWED_PROJECTS: not visible to this key: ${UUID_A}`));
    const malformed = await runCli(["--check"], { ...base, ICA_PROJECT_ID: "wgs project" });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/^ica-mcp --check: FAIL: invalid ICA_PROJECT_ID: must be a project id/m);
    const unknown = await runCli(["--check"], { ...base, ICA_PROJECT_ID: UUID_C });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      new RegExp(`FAIL: .*ICA_PROJECT_ID ${UUID_C} is not a project this key can see`),
    );
    for (const r of [none, some, malformed, unknown]) expect(r.stdout).toBe("");
  });

  it("read-only mode registers ica_call_api as read-only, with a description that says it only reads", async () => {
    const c = await connectTools(sandbox(), { env: { ICA_READ_ONLY: "true" } });
    const { tools } = await c.client.listTools();
    const callApi = tools.find((t) => t.name === "ica_call_api")!;
    expect(callApi.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(callApi.description).toMatch(/^Reads from ICA/);
    expect(callApi.description).not.toMatch(/change or delete/);
    await c.close();
    const rw = await connectTools(sandbox());
    const writable = (await rw.client.listTools()).tools.find((t) => t.name === "ica_call_api")!;
    expect(writable.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    await rw.close();
  });
});

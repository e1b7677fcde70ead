import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { selectTools } from "../src/mcp/server.js";
import { ALL_TOOLS } from "../src/tools/index.js";
import { listed } from "./helpers/columnar.js";
import { connectTools, textOf } from "./helpers/mcp.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";
import { runCli } from "./helpers/spawn.js";

const sandbox = useSandbox();

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
    const r = parseConfig([], { ICA_ALLOWED_PROJECTS: "a,b", ICA_PROJECT_ID: "c" });
    expect(!r.ok && r.message).toMatch(/ICA_PROJECT_ID: c is not in ICA_ALLOWED_PROJECTS/);
    const res = await runCli([], { ICA_ALLOWED_PROJECTS: "a,b", ICA_PROJECT_ID: "c" });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/ICA_PROJECT_ID/);
  });
});

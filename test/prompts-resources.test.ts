import { describe, expect, it } from "vitest";
import { ALL_TOOLS } from "../src/tools/index.js";
import { connectTools } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();

describe("prompts", () => {
  it("lists the workflow prompts and renders them with their arguments", async () => {
    const c = await connectTools(sandbox());
    const { prompts } = await c.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual([
      "launch_pipeline",
      "triage_failed_analyses",
      "triage_failures",
    ]);
    const triage = await c.client.getPrompt({
      name: "triage_failed_analyses",
      arguments: { projectId: "p-123", days: "3" },
    });
    const text = (triage.messages[0]!.content as { text: string }).text;
    expect(text).toContain("project p-123");
    expect(text).toContain("last 3 days");
    expect(text).toContain("ica_get_analysis_steps");
    const launch = await c.client.getPrompt({
      name: "launch_pipeline",
      arguments: { pipeline: "DRAGEN Germline", data: "/fastq/" },
    });
    const launchText = (launch.messages[0]!.content as { text: string }).text;
    expect(launchText).toContain('"DRAGEN Germline"');
    expect(launchText).toMatch(/dryRun: true/);
    // Every tool a prompt names exists.
    for (const name of `${text}\n${launchText}`.match(/ica_[a-z_]+/g) ?? []) {
      expect(ALL_TOOLS.map((t) => t.name)).toContain(name);
    }
    await c.close();
  });
});

describe("resources", () => {
  it("reads a project by URI, the same as ica_get_project shows it", async () => {
    const c = await connectTools(sandbox());
    const { resourceTemplates } = await c.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain("ica://projects/{projectId}");
    const project = [...sandbox().state.projects.values()][0]!;
    const read = await c.client.readResource({ uri: `ica://projects/${project.id}` });
    const body = JSON.parse((read.contents[0] as { text: string }).text) as { id: string; name: string };
    expect(body).toMatchObject({ id: project.id, name: project.name });
    await expect(c.client.readResource({ uri: "ica://projects/does-not-exist" })).rejects.toThrow(/404/);
    await c.close();
  });

  it("reads an analysis by URI", async () => {
    const c = await connectTools(sandbox());
    const { resourceTemplates } = await c.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain(
      "ica://projects/{projectId}/analyses/{analysisId}",
    );
    const analysis = sandbox().state.analyses.where(() => true)[0]!;
    const read = await c.client.readResource({
      uri: `ica://projects/${analysis.projectId}/analyses/${analysis.id}`,
    });
    const body = JSON.parse((read.contents[0] as { text: string }).text) as { id: string; reference: string };
    expect(body).toMatchObject({ id: analysis.id, reference: analysis.reference });
    await c.close();
  });

  it("applies ICA_ALLOWED_PROJECTS to resources too", async () => {
    const [allowed, other] = [...sandbox().state.projects.values()];
    const c = await connectTools(sandbox(), { env: { ICA_ALLOWED_PROJECTS: allowed!.id } });
    await expect(c.client.readResource({ uri: `ica://projects/${other!.id}` })).rejects.toThrow(
      /ICA_ALLOWED_PROJECTS/,
    );
    await c.close();
  });
});

import { describe, expect, it } from "vitest";
import { ALL_TOOLS } from "../src/tools/index.js";
import { listed } from "./helpers/columnar.js";
import { connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();

type ProjectItem = { id: string; name: string };
type ListResult = {
  items: ProjectItem[];
  paging: string;
  nextPageToken?: string;
  remainingRecords?: number;
  nextPageOffset?: number;
  totalItemCount?: number;
};

describe("tools over MCP: listing", () => {
  it("lists every registered tool with a title, all four annotations and strict schemas", async () => {
    const c = await connectTools(sandbox());
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(ALL_TOOLS.map((t) => t.name));
    for (const tool of tools) {
      expect(tool.title).toBeTruthy();
      expect(tool.annotations).toMatchObject({
        readOnlyHint: expect.any(Boolean),
        destructiveHint: expect.any(Boolean),
        idempotentHint: expect.any(Boolean),
        openWorldHint: expect.any(Boolean),
      });
      expect(tool.inputSchema.additionalProperties).toBe(false);
      expect(tool.outputSchema?.type).toBe("object");
    }
    await c.close();
  });
});

describe("ica_list_projects", () => {
  it("pages with cursors by default and reaches every visible project exactly once", async () => {
    const c = await connectTools(sandbox());
    const seen: string[] = [];
    let pageToken: string | undefined;
    for (let i = 0; i < 20; i++) {
      const res = await c.client.callTool({
        name: "ica_list_projects",
        arguments: { pageSize: 2, ...(pageToken ? { pageToken } : {}) },
      });
      expect(res.isError).toBeFalsy();
      const s = listed(res) as ListResult;
      expect(s.paging).toBe("cursor");
      expect(s.totalItemCount).toBeUndefined();
      seen.push(...s.items.map((p) => p.id));
      if (!s.nextPageToken) {
        expect(textOf(res)).toContain("No more pages");
        break;
      }
      expect(textOf(res)).toContain(`pageToken="${s.nextPageToken}"`);
      pageToken = s.nextPageToken;
    }
    const visible = [...sandbox().state.projects.values()].filter((p) => p.active !== false);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(visible.map((p) => p.id)));
    const sent = sandbox().exchanges.filter((e) => e.path === "/api/projects");
    expect(sent.at(-1)!.query.some(([k]) => k === "pageToken")).toBe(true);
    expect(sent.every((e) => !e.query.some(([k]) => k === "pageOffset"))).toBe(true);
    await c.close();
  });

  it("switches to offset paging when sorted, and sends the sort", async () => {
    const c = await connectTools(sandbox());
    const res = await c.client.callTool({
      name: "ica_list_projects",
      arguments: { sort: "name desc", pageSize: 3 },
    });
    const s = listed(res) as ListResult;
    expect(s.paging).toBe("offset");
    expect(s.totalItemCount).toBeGreaterThan(3);
    expect(s.nextPageOffset).toBe(3);
    const names = s.items.map((p) => p.name);
    expect(names).toEqual([...names].sort().reverse());
    const q = new URLSearchParams(sandbox().exchanges.at(-1)!.query);
    expect(q.get("sort")).toBe("name desc");
    expect(q.get("pageOffset")).toBe("0");
    expect(q.get("pageSize")).toBe("3");
    expect(q.has("pageToken")).toBe(false);
    await c.close();
  });

  it("filters with search", async () => {
    const c = await connectTools(sandbox());
    const target = [...sandbox().state.projects.values()].find((p) => p.active !== false)!;
    const word = target.name.split(/[-\s]/)[0]!;
    const res = await c.client.callTool({ name: "ica_list_projects", arguments: { search: word } });
    const s = listed(res) as ListResult;
    expect(s.items.map((p) => p.id)).toContain(target.id);
    expect(new URLSearchParams(sandbox().exchanges.at(-1)!.query).get("search")).toBe(word);
    await c.close();
  });

  it("refuses sort with cursor paging, and pageToken with pageOffset, before sending anything", async () => {
    const c = await connectTools(sandbox());
    await c.client.callTool({ name: "ica_list_projects", arguments: {} }); // mint the token first
    const before = sandbox().requestLog.length;
    const a = await c.client.callTool({
      name: "ica_list_projects",
      arguments: { sort: "name", paging: "cursor" },
    });
    expect(a.isError).toBe(true);
    expect(textOf(a)).toMatch(/sort needs offset paging/);
    const b = await c.client.callTool({
      name: "ica_list_projects",
      arguments: { pageToken: "abc", pageOffset: 10 },
    });
    expect(b.isError).toBe(true);
    expect(textOf(b)).toMatch(/cannot be combined/);
    const d = await c.client.callTool({ name: "ica_list_projects", arguments: { sort: "colour" } });
    expect(textOf(d)).toMatch(/not sortable.*name, shortDescription, information/);
    expect(sandbox().requestLog.length).toBe(before);
    await c.close();
  });

  it("refuses an offset at or past 200,000 with a pointer to cursor paging", async () => {
    const c = await connectTools(sandbox());
    const res = await c.client.callTool({ name: "ica_list_projects", arguments: { pageOffset: 200_000 } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/200,000.*cursor paging/);
    await c.close();
  });

  it("rejects unknown arguments instead of silently dropping them", async () => {
    const c = await connectTools(sandbox());
    const res = await c.client.callTool({ name: "ica_list_projects", arguments: { projectID: "x" } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/projectID/);
    await c.close();
  });

  it("turns an upstream failure into an actionable error", async () => {
    const c = await connectTools(sandbox(), {
      clientOptions: { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 } },
    });
    sandbox().faults.add({
      kind: "status",
      status: 503,
      times: 2,
      match: { method: "GET", path: "/api/projects" },
    });
    const res = await c.client.callTool({ name: "ica_list_projects", arguments: {} });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/503/);
    expect(textOf(res)).toMatch(/Next step/);
    await c.close();
  });
});

describe("ica_get_project", () => {
  it("returns one project, compact", async () => {
    const c = await connectTools(sandbox());
    const project = [...sandbox().state.projects.values()][0]!;
    const res = await c.client.callTool({ name: "ica_get_project", arguments: { projectId: project.id } });
    expect(res.isError).toBeFalsy();
    const s = res.structuredContent as Record<string, unknown>;
    expect(s.id).toBe(project.id);
    expect(s.name).toBe(project.name);
    expect(Array.isArray(s.userTags)).toBe(true);
    expect(s).not.toHaveProperty("tenantId");
    expect(textOf(res)).toContain(project.name);
    await c.close();
  });

  it("uses ICA_PROJECT_ID when projectId is omitted", async () => {
    const project = [...sandbox().state.projects.values()][1]!;
    const c = await connectTools(sandbox(), { env: { ICA_PROJECT_ID: project.id } });
    const res = await c.client.callTool({ name: "ica_get_project", arguments: {} });
    expect((res.structuredContent as { id: string }).id).toBe(project.id);
    await c.close();
  });

  it("asks for a projectId when there is no default", async () => {
    const c = await connectTools(sandbox());
    const res = await c.client.callTool({ name: "ica_get_project", arguments: {} });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/projectId is required.*ICA_PROJECT_ID/);
    await c.close();
  });

  it("explains a 404 and how to find valid ids", async () => {
    const c = await connectTools(sandbox());
    const res = await c.client.callTool({
      name: "ica_get_project",
      arguments: { projectId: "00000000-0000-0000-0000-000000000000" },
    });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/404/);
    expect(textOf(res)).toMatch(/ica_list_projects/);
    await c.close();
  });
});

describe("without credentials", () => {
  it("still lists tools, and each call names the variables to set", async () => {
    const c = await connectTools(sandbox(), { env: { ICA_API_KEY: "" } });
    const { tools } = await c.client.listTools();
    expect(tools.length).toBeGreaterThan(0);
    const res = await c.client.callTool({ name: "ica_list_projects", arguments: {} });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/ICA_API_KEY/);
    expect(textOf(res)).toMatch(/ICA_ACCESS_TOKEN/);
    expect(textOf(res)).toMatch(/--sandbox/);
    await c.close();
  });
});

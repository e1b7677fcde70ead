/**
 * What a newcomer meets first: --help and --version in a terminal, a portal URL given as ICA_BASE_URL, and
 * the API catalogue of a sandbox that has no copy of ICA's document (an installed package).
 */
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCatalogue } from "../src/ica/openapi/catalogue.js";
import { DESCRIBED_QUERY_OPERATIONS, describeRoutes } from "../src/sandbox/catalogue.js";
import { allRoutes } from "../src/sandbox/routes/index.js";
import { rowsOf } from "./helpers/columnar.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";
import { childEnv, requireBuild, SERVER_ENTRY } from "./helpers/spawn.js";

describe("--help and --version", () => {
  for (const flag of ["--help", "-h", "--version", "-v"]) {
    it(`${flag} prints on stdout and exits without serving the protocol`, async () => {
      requireBuild();
      // stdin stays open: a server that started serving would never exit, and the timeout would fail the test.
      const child = execFile(process.execPath, [SERVER_ENTRY, flag], { env: childEnv({}), timeout: 15_000 });
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (d) => {
        stdout += d;
      });
      child.stderr!.on("data", (d) => {
        stderr += d;
      });
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(code).toBe(0);
      expect(stderr).toBe("");
      if (flag === "--help" || flag === "-h") {
        expect(stdout).toMatch(/^Usage: ica-mcp/);
        expect(stdout).toContain("--sandbox");
      } else {
        expect(stdout).toMatch(/^ica-mcp \d+\.\d+\.\d+\n$/);
      }
    });
  }
});

describe("a portal URL as ICA_BASE_URL", () => {
  const sandbox = useSandbox();

  it("gets a hint to add /ica/rest instead of 'check the ids you passed'", async () => {
    const portal = sandbox().origin; // the sandbox's REST API lives at <origin>/ica/rest
    const c = await connectTools(sandbox(), {
      env: { ICA_BASE_URL: portal },
      clientOptions: { baseUrl: portal },
    });
    try {
      const res = await c.client.callTool({
        name: "ica_get_project",
        arguments: { projectId: sandbox().seed.projects.wgs },
      });
      expect(res.isError).toBe(true);
      const text = textOf(res);
      expect(text).not.toContain("check the ids you passed");
      expect(text).toContain(`ICA_BASE_URL (${portal}) does not end in /ica/rest`);
      expect(text).toContain(`ICA_BASE_URL=${portal}/ica/rest`);
    } finally {
      await c.close();
    }
  });
});

describe("the sandbox's own description of its operations", () => {
  it("covers every route, and its query table names only real routes", () => {
    const doc = describeRoutes(allRoutes) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids)).toEqual(new Set(allRoutes.map((r) => r.operationId)));
    const routeIds = new Set(allRoutes.map((r) => r.operationId));
    for (const id of DESCRIBED_QUERY_OPERATIONS) expect(routeIds.has(id), id).toBe(true);
    const catalogue = buildCatalogue(doc);
    expect(catalogue.operations).toHaveLength(allRoutes.length);
    const list = catalogue.byId.get("getProjectDataList")!;
    expect(list.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining([
        "path:projectId",
        "query:parentFolderPath",
        "query:pageSize",
        "query:filename",
      ]),
    );
  });

  describe("published by a sandbox started without ICA's document", () => {
    const sandbox = useSandbox({ describeRoutes: true });
    let c: Connected;
    beforeAll(async () => {
      c = await connectTools(sandbox());
    });
    afterAll(async () => {
      await c?.close();
    });

    it("lets ica_search_api find and ica_call_api call what the sandbox implements", async () => {
      const search = await c.client.callTool({
        name: "ica_search_api",
        arguments: { query: "list project data" },
      });
      expect(search.isError, textOf(search)).toBeFalsy();
      const matches = rowsOf<{ operationId: string }>(search, "matches");
      expect(matches.map((m) => m.operationId)).toContain("getProjectDataList");

      const projects = await c.client.callTool({
        name: "ica_call_api",
        arguments: { operationId: "getProjects", query: { pageSize: 2 } },
      });
      expect(projects.isError, textOf(projects)).toBeFalsy();
      expect(textOf(projects)).toContain("200");

      const data = await c.client.callTool({
        name: "ica_call_api",
        arguments: {
          operationId: "getProjectDataList",
          path: { projectId: sandbox().seed.projects.wgs },
          query: { parentFolderPath: "/", pageSize: 3 },
        },
      });
      expect(data.isError, textOf(data)).toBeFalsy();
      const unknown = await c.client.callTool({
        name: "ica_call_api",
        arguments: { operationId: "getWorkflowSessions" },
      });
      expect(unknown.isError).toBe(true);
      expect(textOf(unknown)).toContain(
        `is not an operation of this ICA instance (${allRoutes.length} operations)`,
      );
    });
  });

  describe("a sandbox that publishes nothing", () => {
    const sandbox = useSandbox();

    it("the catalogue's error names the server's own reason, not ICA", async () => {
      const c = await connectTools(sandbox());
      try {
        const res = await c.client.callTool({ name: "ica_search_api", arguments: { query: "projects" } });
        expect(res.isError).toBe(true);
        const text = textOf(res);
        expect(text).not.toContain("ICA does not publish");
        expect(text).toContain(`${sandbox().origin} has no OpenAPI document`);
        expect(text).toContain("This sandbox publishes no OpenAPI document");
      } finally {
        await c.close();
      }
    });
  });
});

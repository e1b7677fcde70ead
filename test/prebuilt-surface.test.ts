/**
 * The bundle answers tools/list from a catalogue generated at build time and loads the tool modules on the
 * first call (src/mcp/prebuilt-surface.ts). This compares what the built server publishes with what the code
 * builds now, for several selections, so a stale or wrong catalogue fails here; and it runs a call and a
 * resource read through the lazily loaded tools.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { surfaceFor } from "../src/mcp/server.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";
import { initialize, type RawServer, spawnServer } from "./helpers/spawn.js";

const sandbox = useSandbox();
let server: RawServer | undefined;
afterEach(() => {
  server?.child.kill("SIGTERM");
  server = undefined;
});

function expectedList(env: Record<string, string>) {
  const parsed = parseConfig([], { ICA_API_KEY: TEST_API_KEY, ...env });
  if (!parsed.ok) throw new Error(parsed.message);
  // Through JSON, as the client receives it.
  return JSON.parse(JSON.stringify(surfaceFor(parsed.config).list));
}

async function started(env: Record<string, string>): Promise<RawServer> {
  server = spawnServer([], { ICA_BASE_URL: sandbox().url, ICA_API_KEY: TEST_API_KEY, ...env });
  await initialize(server);
  return server;
}

describe("the bundle's prebuilt tools/list", () => {
  for (const [label, env] of [
    ["every tool", {}],
    ["read-only (with ica_call_api's read-only variant)", { ICA_READ_ONLY: "true" }],
    ["ICA_TOOLS", { ICA_TOOLS: "ica_get_project,ica_call_api,ica_list_analyses" }],
    ["ICA_EXCLUDE_TOOLS", { ICA_EXCLUDE_TOOLS: "ica_start_analysis" }],
  ] as const) {
    it(`is exactly what the code builds: ${label}`, async () => {
      const s = await started(env);
      const list = await s.call("tools/list");
      expect(list.result).toEqual(expectedList(env));
    });
  }

  it("rejects an unknown ICA_TOOLS name before serving, as selectTools does", async () => {
    server = spawnServer([], { ICA_API_KEY: TEST_API_KEY, ICA_TOOLS: "ica_nope" });
    const exit = await server.exited;
    expect(exit.code).toBe(1);
    expect(server.stderr()).toContain("invalid ICA_TOOLS: unknown tool name(s) ica_nope");
    expect(server.stdoutLines).toEqual([]);
  });

  it("loads the tools on the first resource read", async () => {
    const s = await started({});
    const project = [...sandbox().state.projects.values()][0]!;
    const read = (await s.call("resources/read", { uri: `ica://projects/${project.id}` })) as {
      result: { contents: { text: string }[] };
    };
    expect(JSON.parse(read.result.contents[0]!.text)).toMatchObject({ id: project.id, name: project.name });
  });

  it("loads the tools on the first call: strict arguments and results work", async () => {
    const s = await started({});
    const projects = (await s.call("tools/call", {
      name: "ica_list_projects",
      arguments: { pageSize: 1 },
    })) as { result: { isError?: boolean; structuredContent: { items: { rows: unknown[][] } } } };
    expect(projects.result.isError).toBeFalsy();
    expect(projects.result.structuredContent.items.rows.length).toBe(1);
    const strict = (await s.call("tools/call", { name: "ica_get_project", arguments: { surprise: 1 } })) as {
      result: { isError?: boolean; content: { text: string }[] };
    };
    expect(strict.result.isError).toBe(true);
    expect(strict.result.content[0]!.text).toContain('unknown parameter(s) "surprise"');
  });
});

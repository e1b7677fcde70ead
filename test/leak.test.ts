import { describe, expect, it } from "vitest";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";
import { initialize, spawnServer } from "./helpers/spawn.js";

const SECRET_KEY = "ica-secret-key-0f9e8d7c6b5a4d3c2b1a";
const sandbox = useSandbox({ apiKeys: [TEST_API_KEY, SECRET_KEY] });

describe("secrets never leave the process", () => {
  it("keeps the API key and every JWT out of stdout, stderr and results, through successes, errors and auth failures", async () => {
    const minted = await fetch(`${sandbox().url}/api/tokens`, {
      method: "POST",
      headers: { "x-api-key": SECRET_KEY, accept: "application/vnd.illumina.v3+json" },
    });
    const givenToken = ((await minted.json()) as { token: string }).token;
    expect(givenToken).toMatch(/^eyJ/);

    const server = spawnServer([], {
      ICA_BASE_URL: sandbox().url,
      ICA_API_KEY: SECRET_KEY,
      ICA_ACCESS_TOKEN: givenToken,
      ICA_LOG_LEVEL: "debug",
    });
    await initialize(server);
    const results: unknown[] = [];
    const call = async (name: string, args: Record<string, unknown>) => {
      const res = await server.call("tools/call", { name, arguments: args });
      results.push(res);
      return res as { result: { isError?: boolean } };
    };
    const project = [...sandbox().state.projects.values()][0]!;
    expect((await call("ica_list_projects", {})).result.isError).toBeFalsy();
    expect((await call("ica_get_project", { projectId: project.id })).result.isError).toBeFalsy();
    expect((await call("ica_get_project", { projectId: "missing" })).result.isError).toBe(true);
    sandbox().faults.add({ kind: "status", status: 429, times: 2, match: { path: "/api/projects" } });
    sandbox().faults.expireTokens(); // the given token dies; the key must take over
    expect((await call("ica_list_projects", { pageSize: 2 })).result.isError).toBeFalsy();
    sandbox().faults.expireTokens();
    sandbox().faults.revokeApiKey(SECRET_KEY); // now nothing works: one clear error
    const denied = await call("ica_list_projects", {});
    expect(denied.result.isError).toBe(true);
    expect(JSON.stringify(denied)).toMatch(/ICA_API_KEY/);

    server.child.stdin.end();
    await server.exited;
    const everything = [server.stdoutLines.join("\n"), server.stderr(), JSON.stringify(results)].join("\n");
    expect(server.stderr()).toMatch(/debug/); // debug logging really was on
    expect(everything).not.toContain(SECRET_KEY);
    expect(everything).not.toContain(givenToken);
    expect(everything).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\./);
    // Every JWT the sandbox handed out during the run is absent too.
    for (const ex of sandbox().exchanges) {
      const token = (ex.responseBody as { token?: string } | undefined)?.token;
      if (token) expect(everything).not.toContain(token);
    }
  });
});

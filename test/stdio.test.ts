import { describe, expect, it } from "vitest";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";
import { initialize, runCli, spawnServer } from "./helpers/spawn.js";

const sandbox = useSandbox();
/** Generous: the point is that it exits at all (orphaned servers pile up otherwise). */
const EXIT_BOUND_MS = 10_000;

function withinBound<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  return Promise.race([p, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms))]);
}

describe("the built server over stdio", () => {
  it("--sandbox serves tools with no credentials; stdout carries only JSON-RPC; exits when stdin closes", async () => {
    const server = spawnServer(["--sandbox"], {});
    await initialize(server);
    const list = (await server.call("tools/list")) as { result: { tools: { name: string }[] } };
    expect(list.result.tools.map((t) => t.name)).toContain("ica_list_projects");
    const call = (await server.call("tools/call", {
      name: "ica_list_projects",
      arguments: { pageSize: 3 },
    })) as {
      result: { isError?: boolean; structuredContent: { items: { rows: unknown[] } } };
    };
    expect(call.result.isError).toBeFalsy();
    expect(call.result.structuredContent.items.rows.length).toBe(3);
    // An error path too: it must also stay on the protocol.
    const bad = (await server.call("tools/call", {
      name: "ica_get_project",
      arguments: { projectId: "nope" },
    })) as {
      result: { isError?: boolean };
    };
    expect(bad.result.isError).toBe(true);

    server.child.stdin.end();
    const exit = await withinBound(server.exited, EXIT_BOUND_MS);
    expect(exit).not.toBe("timeout");
    expect(server.stdoutLines.length).toBeGreaterThanOrEqual(4);
    for (const line of server.stdoutLines) {
      const msg = JSON.parse(line) as { jsonrpc?: string };
      expect(msg.jsonrpc).toBe("2.0");
    }
    expect(server.stderr()).toMatch(/sandbox ICA listening/);
  });

  it("--sandbox says on stderr that it ignores real credentials", async () => {
    const server = spawnServer(["--sandbox"], {
      ICA_API_KEY: "real-key-should-be-ignored",
      ICA_BASE_URL: "https://example.invalid/ica/rest",
    });
    await initialize(server);
    const call = (await server.call("tools/call", {
      name: "ica_list_projects",
      arguments: { pageSize: 1 },
    })) as {
      result: { isError?: boolean };
    };
    expect(call.result.isError).toBeFalsy();
    server.child.kill("SIGTERM");
    const exit = await withinBound(server.exited, EXIT_BOUND_MS);
    expect(exit).not.toBe("timeout");
    expect(server.stderr()).toMatch(/ignoring the configured ICA credentials/);
    expect(server.stderr()).not.toContain("real-key-should-be-ignored");
  });

  it("starts without credentials, answers tools/list, and each call names the variables", async () => {
    const server = spawnServer([], { ICA_BASE_URL: sandbox().url });
    await initialize(server);
    const list = (await server.call("tools/list")) as { result: { tools: unknown[] } };
    expect(list.result.tools.length).toBeGreaterThan(0);
    const call = (await server.call("tools/call", { name: "ica_list_projects", arguments: {} })) as {
      result: { isError?: boolean; content: { text: string }[] };
    };
    expect(call.result.isError).toBe(true);
    expect(call.result.content[0]!.text).toMatch(/ICA_API_KEY/);
    server.child.stdin.end();
    expect(await withinBound(server.exited, EXIT_BOUND_MS)).not.toBe("timeout");
  });

  it("exits with a one-line message naming the variable when configuration is invalid", async () => {
    const res = await runCli([], { ICA_MAX_REQUESTS_PER_SECOND: "fast" });
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(/ICA_MAX_REQUESTS_PER_SECOND/);
    expect(res.stdout).toBe("");
  });

  it("--check passes against the sandbox", async () => {
    const res = await runCli(["--check"], { ICA_BASE_URL: sandbox().url, ICA_API_KEY: TEST_API_KEY });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe("");
    const verdicts = res.stderr.split("\n").filter((l) => l.startsWith("ica-mcp --check: "));
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]).toMatch(
      /^ica-mcp --check: OK: authenticated to ICA at http:\/\/127\.0\.0\.1:\d+; \d+ project\(s\) visible$/,
    );
  });

  it("--check fails clearly on a bad key", async () => {
    const res = await runCli(["--check"], { ICA_BASE_URL: sandbox().url, ICA_API_KEY: "wrong-key-value-42" });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    const verdicts = res.stderr.split("\n").filter((l) => l.startsWith("ica-mcp --check: "));
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]).toMatch(/^ica-mcp --check: FAIL: .*ICA_API_KEY/);
    expect(res.stdout + res.stderr).not.toContain("wrong-key-value-42");
  });
});

import { describe, expect, it } from "vitest";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";
import { initialize, spawnServer } from "./helpers/spawn.js";

const sandbox = useSandbox();
const EXIT_BOUND_MS = 10_000;

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms))]);

describe("the stdio server under bad input and shutdown", () => {
  it("survives malformed JSON-RPC lines and unknown methods", async () => {
    const server = spawnServer(["--sandbox"], {});
    await initialize(server);
    server.child.stdin.write("{this is not json\n");
    server.child.stdin.write("[]\n");
    server.child.stdin.write('{"jsonrpc":"2.0","method":42}\n');
    const unknown = await server.call("does/not/exist", {});
    expect(unknown.error).toMatchObject({ code: -32601 });
    const list = (await server.call("tools/list")) as { result: { tools: unknown[] } };
    expect(list.result.tools.length).toBeGreaterThan(0);
    for (const line of server.stdoutLines)
      expect((JSON.parse(line) as { jsonrpc: string }).jsonrpc).toBe("2.0");
    server.child.stdin.end();
    expect(await within(server.exited, EXIT_BOUND_MS)).not.toBe("timeout");
  });

  it("exits when stdin closes while calls are in flight, aborting their HTTP requests", async () => {
    const server = spawnServer([], { ICA_BASE_URL: sandbox().url, ICA_API_KEY: TEST_API_KEY });
    await initialize(server);
    await server.call("tools/call", { name: "ica_list_projects", arguments: { pageSize: 1 } });
    const handle = sandbox().faults.add({
      kind: "hang",
      times: 3,
      match: { method: "GET", path: "/api/projects" },
    });
    const pending = [1, 2, 3].map(() =>
      server
        .call("tools/call", { name: "ica_list_projects", arguments: {} }, 20_000)
        .catch(() => "no answer"),
    );
    // Wait until the requests are really hanging at the sandbox.
    for (let i = 0; i < 100 && handle.hits < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(handle.hits).toBe(3);
    const started = Date.now();
    server.child.stdin.end();
    const exit = await within(server.exited, EXIT_BOUND_MS);
    expect(exit).not.toBe("timeout");
    console.log(`exited ${Date.now() - started} ms after stdin closed with 3 calls in flight`);
    await Promise.all(pending);
  });

  it("exits by itself when the transport closes on an over-long line, saying why on stderr", async () => {
    const server = spawnServer(["--sandbox"], {});
    await initialize(server);
    // 11 MB without a newline: over the SDK's 10 MB read buffer, which then closes the transport and stops
    // reading stdin. stdin stays open here: the process must not wait for its end.
    const chunk = "x".repeat(1024 * 1024);
    // The child goes away while the rest is still buffered: that write error is expected.
    server.child.stdin.on("error", () => {});
    for (let i = 0; i < 11; i++) server.child.stdin.write(chunk);
    const exit = await within(server.exited, EXIT_BOUND_MS);
    if (exit === "timeout") server.child.kill("SIGKILL");
    expect(exit).not.toBe("timeout");
    expect(server.stderr()).toMatch(
      /shutting down \(the stdio transport closed after: ReadBuffer exceeded maximum size/,
    );
    for (const line of server.stdoutLines)
      expect((JSON.parse(line) as { jsonrpc: string }).jsonrpc).toBe("2.0");
  });

  it("exits on SIGTERM", async () => {
    const server = spawnServer(["--sandbox"], {});
    await initialize(server);
    server.child.kill("SIGTERM");
    expect(await within(server.exited, EXIT_BOUND_MS)).not.toBe("timeout");
  });
});

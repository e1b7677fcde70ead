import { describe, expect, it } from "vitest";
import { connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
const match = { method: "GET", path: "/api/projects" };
/** An error result must stay small whatever ICA (or a proxy) sent. */
const MAX_ERROR_CHARS = 2_000;

async function listWithFault(
  fault: Parameters<ReturnType<typeof sandbox>["faults"]["add"]>[0],
  clientOptions = {},
) {
  const c = await connectTools(sandbox(), {
    clientOptions: { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 }, ...clientOptions },
  });
  await c.client.callTool({ name: "ica_list_projects", arguments: { pageSize: 1 } }); // token minted first
  sandbox().faults.add(fault);
  const res = await c.client.callTool({ name: "ica_list_projects", arguments: { pageSize: 50 } });
  await c.close();
  return res;
}

describe("hostile upstream answers become clear, bounded errors", () => {
  it("an HTML error page from a proxy", async () => {
    const res = await listWithFault({ kind: "html", status: 502, times: 2, match });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/502.*proxy or gateway/s);
    expect(textOf(res)).not.toMatch(/<html|nginx/);
    expect(textOf(res).length).toBeLessThan(MAX_ERROR_CHARS);
  });

  it("truncated JSON", async () => {
    const res = await listWithFault({ kind: "truncate", times: 2, match });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/malformed or truncated JSON/);
    expect(textOf(res).length).toBeLessThan(MAX_ERROR_CHARS);
  });

  it("a JSON body with the wrong content type", async () => {
    const res = await listWithFault({ kind: "wrongType", times: 2, match });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/expected JSON .* but got text\/plain/);
  });

  it("a hanging connection", async () => {
    const res = await listWithFault({ kind: "hang", times: 2, match }, { timeoutMs: 300 });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/did not answer .* within 300 ms/);
    expect(textOf(res)).toMatch(/ICA_TIMEOUT_MS/);
  });

  it("an enormous response", async () => {
    const res = await listWithFault(
      { kind: "huge", bytes: 3 * 1024 * 1024, times: 2, match },
      { maxResponseBytes: 1024 * 1024 },
    );
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/exceeded 1 MB and was not read/);
    expect(textOf(res).length).toBeLessThan(MAX_ERROR_CHARS);
  });
});

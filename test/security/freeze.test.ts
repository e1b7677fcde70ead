/**
 * One call must not freeze the server. A body key of "eyJ" × 200,000 sent the JWT-shaped redaction pattern into
 * quadratic backtracking (over 180 s with every other call waiting); now arguments are bounded before any
 * pattern runs and the redaction is a linear scan. The hostile call and an ordinary one are sent together:
 * the ordinary one is answered, and so is the hostile one, with a bound error.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type Connected, connectTools, textOf } from "../helpers/mcp.js";
import { type HostileIca, SPEC_YAML, startHostileIca } from "./hostile-ica.js";

const HAVE_SPEC = existsSync(SPEC_YAML);
const P = "0a0a0a0a-1111-4111-8111-aaaaaaaaaaaa";
const MB_KEY = "eyJ".repeat(350_000); // ~1 MB

describe.skipIf(!HAVE_SPEC)("a 1 MB hostile argument", () => {
  let ica: HostileIca;
  let c: Connected;
  beforeAll(async () => {
    ica = await startHostileIca();
    ica.route("GET /api/projects", { body: { items: [{ id: P, name: "p" }], totalItemCount: 1 } });
    // A hostile upstream answering with a megabyte of "eyJ" in its problem detail and parameters.
    ica.route(`GET /api/projects/${P}`, {
      status: 400,
      body: {
        status: 400,
        title: "eyJ".repeat(10_000),
        detail: MB_KEY,
        parameters: { [MB_KEY.slice(0, 300_000)]: MB_KEY },
      },
    });
    c = await connectTools({ url: ica.url } as Sandbox);
    // Load the catalogue once, so that the race below is about the hostile call only.
    await c.client.callTool({ name: "ica_search_api", arguments: { query: "getProjects" } });
  });
  afterAll(async () => {
    await c?.close();
    await ica?.close();
  });

  it("is refused by its bounds while another call is answered", async () => {
    const hostile = c.client.callTool({
      name: "ica_call_api",
      arguments: { operationId: "searchAnalyses", path: { projectId: P }, body: { [MB_KEY]: 1 } },
    });
    const other = c.client.callTool({ name: "ica_list_projects", arguments: {} });
    const answered = await other;
    expect(answered.isError, textOf(answered)).toBeFalsy();
    const refused = await hostile;
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/a key of 1050000 characters \("eyJeyJ.*"\); at most 256/);
    expect(textOf(refused).length).toBeLessThan(2_000);
  });

  it("bounds long values, deep nesting and huge counts the same way, before validation", async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { a: deep };
    const cases: [unknown, RegExp][] = [
      [{ reference: "eyJ".repeat(100_000) }, /body\.reference: 300000 characters; at most 20000/],
      [deep, /nested deeper than 32 levels/],
      [{ many: Array.from({ length: 30_000 }, () => 0) }, /more than 20000 values/],
    ];
    for (const [body, expected] of cases) {
      const res = await c.client.callTool({
        name: "ica_call_api",
        arguments: {
          operationId: "searchAnalyses",
          path: { projectId: P },
          body: body as Record<string, unknown>,
        },
      });
      expect(res.isError).toBe(true);
      expect(textOf(res)).toMatch(expected);
    }
  });

  it("a megabyte of eyJ in an ICA error comes back as a bounded error, quickly enough to answer others", async () => {
    const hostile = c.client.callTool({ name: "ica_get_project", arguments: { projectId: P } });
    const other = c.client.callTool({ name: "ica_list_projects", arguments: {} });
    expect((await other).isError).toBeFalsy();
    const res = await hostile;
    expect(res.isError).toBe(true);
    expect(textOf(res).length).toBeLessThan(10_000);
  });
});

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ALL_TOOLS } from "../src/tools/index.js";
import { type Connected, connectTools } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
let c: Connected;
const stdoutWrites: unknown[] = [];

beforeAll(async () => {
  c = await connectTools(sandbox(), { clientOptions: { retry: { maxAttempts: 1 }, timeoutMs: 2_000 } });
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: unknown) => {
    stdoutWrites.push(chunk);
    return true;
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await c.close();
});

const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "",
    "/",
    "s3://bucket/key",
    "../../etc/passwd",
    "x".repeat(300),
    "FAILED_FINAL",
    "fil.123",
    "NaN",
  ),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }),
  fc.array(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), {
    maxLength: 3,
  }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

function argsFor(keys: string[]) {
  return fc
    .tuple(
      fc.subarray(keys),
      fc.array(value, { minLength: keys.length, maxLength: keys.length }),
      fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), value), { nil: undefined }),
    )
    .map(([chosen, values, extra]) => {
      const args: Record<string, unknown> = {};
      chosen.forEach((k, i) => {
        args[k] = values[i];
      });
      if (extra) args[extra[0]] = extra[1];
      return args;
    });
}

describe("every tool answers random and malformed arguments with a well-formed result", () => {
  for (const tool of ALL_TOOLS) {
    it(tool.name, async () => {
      const keys = Object.keys(tool.inputSchema);
      await fc.assert(
        fc.asyncProperty(argsFor(keys), async (args) => {
          const res = (await c.client.callTool({ name: tool.name, arguments: args })) as {
            isError?: boolean;
            content?: { type: string; text?: string }[];
            structuredContent?: unknown;
          };
          expect(Array.isArray(res.content)).toBe(true);
          expect(res.content!.length).toBeGreaterThan(0);
          expect(res.content![0]!.type).toBe("text");
          expect((res.content![0]!.text ?? "").length).toBeGreaterThan(0);
          if (res.isError) {
            expect(res.content![0]!.text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack traces
          } else {
            expect(typeof res.structuredContent).toBe("object");
          }
        }),
        { numRuns: 10, seed: 20261129 },
      );
      expect(stdoutWrites).toEqual([]);
    });
  }
});

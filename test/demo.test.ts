import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { requireBuild } from "./helpers/spawn.js";

const demo = fileURLToPath(new URL("../dist/demo.js", import.meta.url));

describe("npm run demo", () => {
  it("drives the sandbox server through the whole session without an error", {
    timeout: 60_000,
  }, async () => {
    requireBuild();
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(process.execPath, [demo], { timeout: 50_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end();
    });
    expect(code, stderr).toBe(0);
    const steps = stdout.match(/^\d+\. /gm) ?? [];
    expect(steps.length).toBeGreaterThanOrEqual(8);
    expect(stdout).not.toMatch(/^ {2}ERROR:|skipped/m); // a tool error is printed as "  ERROR: …"
    expect(stdout).toMatch(/exit code 137/); // the failed step's cause is shown
    expect(stdout).not.toContain("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    // Long values are cut visibly: the pipelines' descriptions are longer than a list line shows.
    expect(stdout).toMatch(/description=[^\n]{30,}…/);
    // A single result is shown field by field, each rendering whole (cut only between fields, marked "…").
    const fieldLines = stdout.split("\n").filter((l) => /^ {4}\w+: [[{]/.test(l));
    expect(fieldLines.length).toBeGreaterThan(0);
    for (const line of fieldLines) expect(line, line).toMatch(/[\]}]$/);
    // The launch is confirmed by the user through a form that shows the resolved plan and its estimate.
    expect(stdout).toMatch(/confirmation asked of the user:\n\s+Launch DRAGEN_Germline_4-3-6 \(CWL\)/);
    expect(stdout).toMatch(/cost: estimate: median [\d.]+ iCredit/);
    expect(stdout).toMatch(/ok: Started DRAGEN_Germline_4-3-6/);
    // It ends by saying what was shown and what to try next.
    const closing = stdout.trimEnd().split("\n").slice(-6).join("\n");
    expect(closing).toMatch(/^Shown: 8 of 8 calls answered/m);
    expect(closing).toMatch(/^Next: /m);
    expect(closing).toContain("--sandbox");
  });
});

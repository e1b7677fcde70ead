import { vi } from "vitest";
import { setLogLevel } from "../../src/log.js";

/**
 * Turns on debug logging and records every chunk this process writes to stderr (still passing it through),
 * so a test can prove what the in-process server logged. Call in beforeAll; `restore` in afterAll.
 */
export function captureDebugStderr(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  setLogLevel("debug");
  const write = process.stderr.write.bind(process.stderr);
  const spy = vi.spyOn(process.stderr, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write);
  return {
    lines,
    restore() {
      spy.mockRestore();
      setLogLevel("info");
    },
  };
}

import { afterAll, beforeAll } from "vitest";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../src/sandbox/index.js";
import { assertExchangesConform } from "./openapi/index.js";

export const TEST_API_KEY = "sandbox-api-key";

/**
 * Starts a recording sandbox for the file's tests and, after them, checks every recorded request and
 * response against ICA's OpenAPI document (skipped with a notice when ../shared is absent).
 */
export function useSandbox(options: SandboxOptions = {}): () => Sandbox {
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ apiKeys: [TEST_API_KEY], ...options, record: true });
  });
  afterAll(async () => {
    if (!sandbox) return;
    try {
      // Injected faults (429s, proxy HTML pages, drops) are deliberately off-contract: check only their requests.
      // A "drop" fault closes the socket before the body is read: nothing of such a request can be checked.
      const checkable = sandbox.exchanges.filter(
        (e) => !(e.injected && e.status === 0 && e.requestBody === undefined && e.method !== "GET"),
      );
      assertExchangesConform(checkable.map((e) => (e.injected ? { ...e, status: 0 } : e)));
    } finally {
      await sandbox.close();
    }
  });
  return () => {
    if (!sandbox) throw new Error("sandbox not started");
    return sandbox;
  };
}

/**
 * Runs in every test file: whatever this process writes to stdout or stderr during the file (our logger, the
 * in-process server, the sandbox) must not contain a registered secret (API keys, JWTs the client minted or
 * was given, AWS secret keys) or anything JWT-shaped. Tool results are checked in test/helpers/mcp.ts.
 */
import { afterAll } from "vitest";
import { registeredSecrets } from "../../src/redact.js";

const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/;
const written: string[] = [];

for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    written.push(
      typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : String(chunk),
    );
    return original(chunk, ...rest);
  }) as typeof stream.write;
}

export function findLeaks(text: string): string[] {
  const leaks = registeredSecrets().filter((s) => text.includes(s));
  const jwt = JWT.exec(text);
  if (jwt) leaks.push(`a JWT-shaped value (${jwt[0].slice(0, 12)}…)`);
  return leaks.map((s) => (s.length > 12 ? `${s.slice(0, 6)}…` : s));
}

afterAll(() => {
  const leaks = findLeaks(written.join(""));
  if (leaks.length > 0)
    throw new Error(`secrets reached stdout/stderr in this test file: ${leaks.join(", ")}`);
});

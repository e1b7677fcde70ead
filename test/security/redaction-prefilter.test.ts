/**
 * The fast paths of the result path (adapter.ts redactStructured, untrusted.ts escapeInvisible) must never
 * skip work the full path would do: whenever mayHoldSecret says no, redactDeep changes nothing, and
 * escapeInvisible's pre-scan never lets through a character isInvisible flags.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeInvisible, isInvisible } from "../../src/mcp/untrusted.js";
import { mayHoldSecret, redactDeep, registerSecret } from "../../src/redact.js";

const SECRET = "sk-Zq3v9XbT2mL8pR4wYc7N1hJ6dF0gK5sA";
registerSecret(SECRET);

/** Text made of pieces of the secret (heads, tails, middles, the whole) and ordinary text. */
const piece = fc.oneof(
  fc.constantFrom(SECRET, "abc", '"', "\\", " ", "\n", "é", "\u202e"),
  fc.nat({ max: SECRET.length }).map((n) => SECRET.slice(0, n)),
  fc.nat({ max: SECRET.length }).map((n) => SECRET.slice(n)),
  fc
    .tuple(fc.nat({ max: SECRET.length }), fc.nat({ max: SECRET.length }))
    .map(([a, b]) => SECRET.slice(Math.min(a, b), Math.max(a, b))),
);
const text = fc.array(piece, { maxLength: 6 }).map((p) => p.join(""));
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    text,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(text, tie("value"), { maxKeys: 4 }),
  ),
})).value;

describe("result fast paths", () => {
  it("mayHoldSecret answers true whenever redactDeep would change the value", () => {
    fc.assert(
      fc.property(json, (value) => {
        if (!mayHoldSecret(JSON.stringify(value))) expect(redactDeep(value)).toEqual(value);
      }),
      { numRuns: 3000 },
    );
  });

  it("sees a secret in a key and in a cut head or tail", () => {
    expect(mayHoldSecret(JSON.stringify({ [SECRET]: 1 }))).toBe(true);
    expect(mayHoldSecret(JSON.stringify({ a: `x${SECRET.slice(0, 22)}` }))).toBe(true);
    expect(mayHoldSecret(JSON.stringify({ a: `${SECRET.slice(-22)}x` }))).toBe(true);
    expect(mayHoldSecret(JSON.stringify({ a: "nothing secret here" }))).toBe(false);
  });

  it("escapeInvisible's pre-scan misses no character isInvisible flags", () => {
    const reference = (s: string) => {
      let out = "";
      for (const ch of s) {
        const cp = ch.codePointAt(0)!;
        out += isInvisible(cp)
          ? ch.length === 2
            ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}\\u${ch.charCodeAt(1).toString(16).padStart(4, "0")}`
            : `\\u${cp.toString(16).padStart(4, "0")}`
          : ch;
      }
      return out;
    };
    // Every code point of the BMP and the tag block, one at a time and inside ordinary text.
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const s = `a${String.fromCodePoint(cp)}b`;
      if (escapeInvisible(s) !== reference(s)) throw new Error(`U+${cp.toString(16)} handled differently`);
    }
    for (let cp = 0xe0000; cp <= 0xe007f; cp++) {
      const s = `a${String.fromCodePoint(cp)}b`;
      expect(escapeInvisible(s)).toBe(reference(s));
    }
  });
});

describe("a scope's secrets (HTTP mode)", () => {
  it("are seen inside the scope only, as redactKnown sees them", async () => {
    const { SecretScope } = await import("../../src/redact.js");
    const scope = new SecretScope();
    const scoped = "scoped-Wq8vN3bT6mK1pR9x";
    scope.run(() => registerSecret(scoped));
    const json = JSON.stringify({ a: `x${scoped}` });
    expect(scope.run(() => mayHoldSecret(json))).toBe(true);
    expect(mayHoldSecret(json)).toBe(false);
    scope.dispose();
  });
});

describe("a secret holding a character JSON escapes", () => {
  it("makes mayHoldSecret always answer true (the walk then decides)", () => {
    registerSecret('quote"inside-secret-value');
    expect(mayHoldSecret("{}")).toBe(true);
  });
});

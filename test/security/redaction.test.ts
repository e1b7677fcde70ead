/**
 * Redaction as a pure function: the scanners match what the old patterns matched, in linear time (the JWT
 * pattern backtracked quadratically on "eyJeyJ…"), keys and cut edges are covered, and the registry of values
 * learned from generic calls cannot be poisoned with ordinary words.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  looksRandom,
  maskSignedQuery,
  redact,
  redactDeep,
  redactJwtShaped,
  redactKnown,
  registerLikelySecret,
  registerSecret,
} from "../../src/redact.js";

const OLD_JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g;
const OLD_SIGNED =
  /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=)[^&\s"'\t\r\n]+/gi;

describe("redaction scanners", () => {
  it("redact the same JWT-shaped spans as the old pattern", () => {
    const alphabet = fc.constantFrom(
      "e",
      "y",
      "J",
      "a",
      "Z",
      "0",
      "_",
      "-",
      ".",
      " ",
      '"',
      "eyJ",
      "eyJhbGci",
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        const text = parts.join("");
        expect(redactJwtShaped(text)).toBe(text.replace(OLD_JWT, "[REDACTED]"));
      }),
      { numRuns: 2000 },
    );
  });

  it("mask the same signature parameters as the old pattern", () => {
    const alphabet = fc.constantFrom(
      "?",
      "&",
      "X-Amz-Signature=",
      "signature=",
      "AWSAccessKeyId=",
      "abc",
      " ",
      "=",
      "'",
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 30 }), (parts) => {
        const text = parts.join("");
        expect(maskSignedQuery(text)).toBe(text.replace(OLD_SIGNED, "$1[REDACTED]"));
      }),
      { numRuns: 2000 },
    );
  });

  it("finish a 600,000-character eyJeyJ… text (the old pattern froze on it)", () => {
    const hostile = "eyJ".repeat(200_000);
    expect(redact(hostile)).toBe(hostile);
    expect(redact(`${hostile}.abcdef.ghijkl`)).toBe("[REDACTED]");
    expect(redact(`&signature=${"?&signature=".repeat(50_000)}`)).toContain("[REDACTED]");
  });
});

describe("registered secrets", () => {
  it("are redacted in object keys as well as values", () => {
    registerSecret("Key-In-A-Key-9f8e7d6c5b4a");
    const out = redactDeep({
      "Key-In-A-Key-9f8e7d6c5b4a": "v",
      nested: [{ x: "Key-In-A-Key-9f8e7d6c5b4a" }],
    });
    expect(JSON.stringify(out)).not.toContain("9f8e7d6c5b4a");
    expect(Object.keys(out)).toEqual(["[REDACTED]", "nested"]);
  });

  it("are redacted when a cut left only their head or tail at an edge", () => {
    const secret = "Zq8Xw2Lm4Np6Rt1Vy3Bc5Df7Gh9Jk0MsA3e"; // 35 characters
    registerSecret(secret);
    expect(redactKnown(`detail: key ${secret.slice(0, 33)}`)).toBe("detail: key [REDACTED]");
    expect(redactKnown(`${secret.slice(5)} was refused`)).toBe("[REDACTED] was refused");
    expect(redactKnown("an ordinary text")).toBe("an ordinary text");
    // A shared prefix is not a cut secret: the tenant "sandbox-lab" next to the key "sandbox-api-key".
    registerSecret("sandbox-api-key");
    expect(redactKnown("tenant sandbox-lab")).toBe("tenant sandbox-lab");
    expect(redactKnown(`tenant ${secret.slice(0, 12)}`)).toBe(`tenant ${secret.slice(0, 12)}`);
  });

  it("learned from generic calls must look random: FAILED under a password key hides nothing", () => {
    expect(registerLikelySecret("FAILED")).toBe(false);
    expect(registerLikelySecret("FAILED_FINAL")).toBe(false);
    expect(registerLikelySecret("SUCCEEDED")).toBe(false);
    expect(registerLikelySecret("aaaaaaaaaaaaaaaa")).toBe(false);
    expect(looksRandom("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).toBe(true);
    expect(redact("status FAILED_FINAL")).toBe("status FAILED_FINAL");
  });
});

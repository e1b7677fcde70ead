/**
 * Classifies IP addresses for presigned-URL fetches: only globally routable unicast addresses may be
 * connected to. IPv4-mapped, IPv4-compatible, NAT64 and 6to4 IPv6 forms are judged by the IPv4 address they
 * carry, so "::ffff:127.0.0.1" is loopback like 127.0.0.1.
 */
import { isIP } from "node:net";

/** The 4 or 16 bytes of an IP address in text form (brackets and an IPv6 zone allowed); undefined otherwise. */
export function parseIp(text: string): Uint8Array | undefined {
  let t = text.trim();
  if (t.startsWith("[") && t.endsWith("]")) t = t.slice(1, -1);
  const zone = t.indexOf("%");
  if (zone >= 0) t = t.slice(0, zone);
  const kind = isIP(t);
  if (kind === 4) return Uint8Array.from(t.split(".").map(Number));
  if (kind !== 6) return undefined;
  let tail: number[] = [];
  const lastColon = t.lastIndexOf(":");
  if (t.slice(lastColon + 1).includes(".")) {
    tail = t
      .slice(lastColon + 1)
      .split(".")
      .map(Number);
    t = `${t.slice(0, lastColon + 1)}0:0`; // placeholder groups, overwritten below
  }
  const [head = "", rest] = t.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const fill = 8 - left.length - right.length;
  const all = [...left, ...Array.from({ length: rest === undefined ? 0 : fill }, () => 0), ...right];
  if (all.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

type Range4 = [a: number, b: number, c: number, d: number, bits: number, why: string];
const V4_BLOCKED: Range4[] = [
  [0, 0, 0, 0, 8, "a 'this network' address"],
  [10, 0, 0, 0, 8, "a private address"],
  [100, 64, 0, 0, 10, "a carrier-grade NAT address"],
  [127, 0, 0, 0, 8, "a loopback address"],
  [169, 254, 0, 0, 16, "a link-local address"],
  [172, 16, 0, 0, 12, "a private address"],
  [192, 0, 0, 0, 24, "an IETF protocol address"],
  [192, 0, 2, 0, 24, "a documentation address"],
  [192, 88, 99, 0, 24, "a 6to4 relay address"],
  [192, 168, 0, 0, 16, "a private address"],
  [198, 18, 0, 0, 15, "a benchmarking address"],
  [198, 51, 100, 0, 24, "a documentation address"],
  [203, 0, 113, 0, 24, "a documentation address"],
  [224, 0, 0, 0, 4, "a multicast address"],
  [240, 0, 0, 0, 4, "a reserved or broadcast address"],
];

function inPrefix(bytes: Uint8Array, prefix: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((bytes[byte]! & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

function v4Problem(b: Uint8Array): string | undefined {
  for (const [a, b2, c, d, bits, why] of V4_BLOCKED) if (inPrefix(b, [a, b2, c, d], bits)) return why;
  return undefined;
}

/** Why `address` must not be connected to (e.g. "a loopback address"), or undefined for a public address. */
export function addressProblem(address: string): string | undefined {
  const b = parseIp(address);
  if (!b) return "not an IP address";
  if (b.length === 4) return v4Problem(b);
  const hex = (i: number) => (b[i]! << 8) | b[i + 1]!;
  const embedded = (offset: number) => b.slice(offset, offset + 4);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated; :: and ::1 fall in here too).
  if (inPrefix(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96)) return v4Problem(embedded(12));
  if (inPrefix(b, [], 96)) {
    if (inPrefix(b, [], 127)) return b[15] === 1 ? "a loopback address" : "the unspecified address";
    return "an IPv4-compatible address";
  }
  if (inPrefix(b, [0, 0x64, 0xff, 0x9b], 96)) return v4Problem(embedded(12)); // NAT64 well-known prefix
  if (inPrefix(b, [0, 0x64, 0xff, 0x9b, 0, 1], 48)) return "a local NAT64 address";
  if (inPrefix(b, [0x20, 0x02], 16)) return v4Problem(embedded(2)); // 6to4
  if (inPrefix(b, [0x01, 0x00], 64)) return "a discard-only address";
  if (inPrefix(b, [0x20, 0x01, 0, 0], 32)) return "a Teredo address";
  if (inPrefix(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return "a documentation address";
  if (inPrefix(b, [0x20, 0x01, 0, 0x10], 28)) return "an ORCHID address";
  if (inPrefix(b, [0xfc], 7)) return "a unique local (private) address";
  if (inPrefix(b, [0xfe, 0x80], 10)) return "a link-local address";
  if (inPrefix(b, [0xfe, 0xc0], 10)) return "a site-local address";
  if (inPrefix(b, [0xff], 8)) return "a multicast address";
  if (hex(0) < 0x2000 || hex(0) > 0x3fff) return "not a global unicast address";
  return undefined;
}

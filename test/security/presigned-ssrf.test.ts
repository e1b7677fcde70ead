/**
 * Presigned URLs are fetched only from https on public addresses (issue 12 item 6), checked on the address
 * connected to; the one exception is an explicitly allowed origin (the sandbox's own download listener).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addressProblem } from "../../src/ica/address.js";
import { guardedLookup } from "../../src/ica/download.js";
import { IcaResponseError } from "../../src/ica/errors.js";
import { sandboxClient } from "../helpers/client.js";
import { type FakeIca, sendJson, startFakeIca } from "../helpers/fake-ica.js";
import { connectTools } from "../helpers/mcp.js";

const PROJECT = "11111111-2222-3333-4444-555555555555";
const ANALYSIS = "22222222-3333-4444-5555-666666666666";

describe("address classifier", () => {
  const blocked = [
    "127.0.0.1",
    "127.255.0.9",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "::1",
    "::",
    "[::1]",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "0:0:0:0:0:ffff:c0a8:0101",
    "::127.0.0.1",
    "64:ff9b::127.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "2002:7f00:1::",
    "2002:c0a8:101::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
    "100::1",
    "not-an-ip",
  ];
  const allowed = [
    "52.216.1.1",
    "3.5.140.2",
    "8.8.8.8",
    "172.32.0.1",
    "192.169.0.1",
    "100.128.0.1",
    "2600:1f18::1",
    "2a05:d018::1",
    "::ffff:52.216.1.1",
    "64:ff9b::808:808",
    "2002:3418:101::1",
  ];
  it("refuses loopback, private, link-local and other non-public forms, IPv4-mapped IPv6 included", () => {
    for (const a of blocked) expect(addressProblem(a), a).toBeDefined();
  });
  it("accepts public unicast addresses", () => {
    for (const a of allowed) expect(addressProblem(a), a).toBeUndefined();
  });
});

describe("guarded lookup (the address actually connected to)", () => {
  type Addr = { address: string; family: number };
  const resolver =
    (addresses: Addr[]) =>
    (_h: string, _o: unknown, cb: (err: NodeJS.ErrnoException | null, a: Addr[]) => void) =>
      cb(null, addresses);
  const run = (addresses: Addr[], all: boolean) =>
    new Promise<{ err: Error | null; result: unknown }>((resolve) =>
      guardedLookup(resolver(addresses) as never)(
        "s3.example.test",
        { all },
        (err: Error | null, result: unknown) => resolve({ err, result }),
      ),
    );
  it("passes a name whose every address is public", async () => {
    const one = await run([{ address: "52.216.1.1", family: 4 }], false);
    expect(one.err).toBeNull();
    expect(one.result).toBe("52.216.1.1");
    const all = await run(
      [
        { address: "52.216.1.1", family: 4 },
        { address: "2600:1f18::1", family: 6 },
      ],
      true,
    );
    expect(all.err).toBeNull();
    expect(all.result).toHaveLength(2);
  });
  it("refuses a name with any private address (rebinding to loopback or metadata)", async () => {
    for (const bad of ["127.0.0.1", "169.254.169.254", "::ffff:10.0.0.1", "fd00::1"]) {
      const r = await run(
        [
          { address: "52.216.1.1", family: 4 },
          { address: bad, family: bad.includes(":") ? 6 : 4 },
        ],
        true,
      );
      expect(r.err?.message, bad).toMatch(/resolves to/);
    }
  });
});

describe("downloadText against a hostile target on loopback", () => {
  let target: Server;
  let port: number;
  let connections = 0;
  beforeEach(async () => {
    connections = 0;
    target = createServer((_req, res) => res.end("secret from another local service"));
    target.on("connection", () => connections++);
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    port = (target.address() as AddressInfo).port;
  });
  afterEach(async () => {
    target.closeAllConnections();
    await new Promise<void>((resolve) => target.close(() => resolve()));
  });
  const client = () =>
    sandboxClient({ url: "http://127.0.0.1:9/ica/rest", downloadOrigin: "http://127.0.0.1:9" } as never);

  it("refuses http, loopback literals, IPv4-mapped loopback and names resolving to loopback, without connecting", async () => {
    const ica = client();
    const urls = [
      `http://127.0.0.1:${port}/log`,
      `https://127.0.0.1:${port}/log`,
      `https://[::1]:${port}/log`,
      `https://[::ffff:127.0.0.1]:${port}/log`,
      `https://0x7f.0.0.1:${port}/log`,
      `https://2130706433:${port}/log`,
      `https://localhost:${port}/log`,
      `https://user:pw@52.216.1.1/log`,
      "file:///etc/passwd",
      "not a url",
    ];
    for (const url of urls) {
      const err = await ica.downloadText(url).catch((e: unknown) => e);
      expect(err, url).toBeInstanceOf(IcaResponseError);
      expect((err as Error).message, url).toMatch(/refusing to fetch|not a URL/);
    }
    expect(connections).toBe(0);
    await ica.close();
  });

  it("fetches an explicitly allowed origin (the sandbox's download listener)", async () => {
    const ica = sandboxClient({
      url: "http://127.0.0.1:9/ica/rest",
      downloadOrigin: `http://127.0.0.1:${port}`,
    } as never);
    const got = await ica.downloadText(`http://127.0.0.1:${port}/log`);
    expect(got.text).toBe("secret from another local service");
    // The allowance is exact: another port on the same host is still refused.
    await expect(ica.downloadText(`http://127.0.0.1:${port + 1}/log`)).rejects.toThrow(/refusing to fetch/);
    await ica.close();
  });

  it("ica_get_analysis_steps never returns a body fetched from a URL ICA pointed at a local port", async () => {
    let fake: FakeIca | undefined;
    fake = await startFakeIca((req, res) => {
      if (req.path.endsWith("/steps")) {
        sendJson(res, 200, {
          items: [
            {
              id: "s1",
              name: "align",
              status: "FAILED",
              logs: { stdErrData: { id: "fil.err", details: { name: "stderr", fileSizeInBytes: 100 } } },
            },
          ],
        });
      } else if (req.path.endsWith(":createDownloadUrl")) {
        sendJson(res, 200, { url: `http://127.0.0.1:${port}/log` });
      }
    });
    const c = await connectTools(fake.asSandbox(), { env: { ICA_PROJECT_ID: PROJECT } });
    const res = await c.client.callTool({
      name: "ica_get_analysis_steps",
      arguments: { analysisId: ANALYSIS },
    });
    expect(res.isError).toBeFalsy();
    expect(JSON.stringify(res)).not.toMatch(/secret from another local service/);
    expect(JSON.stringify(res.structuredContent)).toMatch(/refusing to fetch/);
    expect(connections).toBe(0);
    await c.close();
    await fake.close();
    fake = undefined;
  });
});

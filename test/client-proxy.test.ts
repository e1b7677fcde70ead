import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IcaClient } from "../src/ica/client.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
const PROXY_VARS = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];
let proxy: Server;
let proxyUrl = "";
const tunnels: string[] = [];
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  // A minimal CONNECT proxy, as corporate proxies are, on loopback.
  proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on("connect", (req, clientSocket, head) => {
    tunnels.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      clientSocket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    upstream.on("error", () => clientSocket.destroy());
    clientSocket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
  const address = proxy.address() as { port: number };
  proxyUrl = `http://127.0.0.1:${address.port}`;
  for (const v of PROXY_VARS) saved[v] = process.env[v];
});

afterAll(async () => {
  for (const v of PROXY_VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  proxy.closeAllConnections();
  await new Promise((r) => proxy.close(r));
});

function clientWithEnv(env: Record<string, string>): IcaClient {
  for (const v of PROXY_VARS) delete process.env[v];
  Object.assign(process.env, env);
  return new IcaClient({ baseUrl: sandbox().url, apiKey: TEST_API_KEY, maxRps: 100, timeoutMs: 5_000 });
}

describe("proxies from the environment", () => {
  it("sends ICA requests through HTTP(S)_PROXY", async () => {
    const ica = clientWithEnv({ HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl });
    const before = tunnels.length;
    const res = await ica.request({ method: "GET", path: "/api/projects", query: { pageSize: "1" } });
    expect(res.status).toBe(200);
    expect(tunnels.length).toBeGreaterThan(before);
    expect(tunnels.at(-1)).toBe(new URL(sandbox().url).host);
    await ica.close();
  });

  it("bypasses the proxy for hosts in NO_PROXY", async () => {
    const ica = clientWithEnv({ HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, NO_PROXY: "127.0.0.1" });
    const before = tunnels.length;
    const res = await ica.request({ method: "GET", path: "/api/projects", query: { pageSize: "1" } });
    expect(res.status).toBe(200);
    expect(tunnels.length).toBe(before);
    await ica.close();
  });
});

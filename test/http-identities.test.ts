/**
 * Two ICA identities through one `--http` server, interleaved: their JWTs, throttle budgets, API catalogues and
 * secrets never cross. Plus the identity pool's bounds and the per-identity secret scopes.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { IdentityPool, IdentityPoolFullError, identityId } from "../src/http/identities.js";
import { MAX_SECRETS, redact, registerSecret, SecretScope } from "../src/redact.js";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { startTestHttp, type TestHttp } from "./helpers/http.js";
import { useSandbox } from "./helpers/sandbox.js";

const KEY_A = "team-key-of-sam-0001";
const KEY_B = "team-key-of-alex-0002";
const sandbox = useSandbox({
  apiKeys: [KEY_A, KEY_B],
  apiKeyUsers: { [KEY_B]: "alex.rivera@example.com" },
  describeRoutes: true,
});
const RPS = 3;

let http: TestHttp;
beforeAll(async () => {
  http = await startTestHttp(sandbox(), { env: { ICA_MAX_REQUESTS_PER_SECOND: String(RPS) } });
});
afterAll(async () => {
  await http?.close();
});

const userOf = (email: string) => sandbox().state.users.find((u) => u.email === email)!.id;

/** The most requests of `entries` inside any sliding window of `ms`. */
function busiest(times: number[], ms = 1_000): number {
  const t = [...times].sort((x, y) => x - y);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe("two identities interleaved", () => {
  it("each request goes out with its own identity's JWT, minted once per identity", async () => {
    const a = await http.connect({ "X-ICA-API-Key": KEY_A });
    const b = await http.connect({ "X-ICA-API-Key": KEY_B });
    const from = sandbox().requestLog.length;
    const calls = [];
    for (let i = 0; i < 4; i++) {
      calls.push(a.callTool({ name: "ica_list_projects", arguments: {} }));
      calls.push(b.callTool({ name: "ica_list_projects", arguments: {} }));
    }
    const results = await Promise.all(calls);
    for (const r of results) expect(r.isError).toBeFalsy();
    const log = sandbox().requestLog.slice(from);
    const sam = userOf("sandbox@example.com");
    const alex = userOf("alex.rivera@example.com");
    const listings = log.filter((e) => e.path === "/api/projects");
    expect(listings.filter((e) => e.userId === sam)).toHaveLength(4);
    expect(listings.filter((e) => e.userId === alex)).toHaveLength(4);
    const mints = log.filter((e) => e.path === "/api/tokens");
    expect(mints.filter((e) => e.userId === sam)).toHaveLength(1);
    expect(mints.filter((e) => e.userId === alex)).toHaveLength(1);

    // Throttle: neither identity ever exceeds its budget, yet together they do (the budgets are separate).
    const times = (user: string) => log.filter((e) => e.userId === user).map((e) => e.t);
    expect(busiest(times(sam))).toBeLessThanOrEqual(RPS);
    expect(busiest(times(alex))).toBeLessThanOrEqual(RPS);
    expect(busiest(log.map((e) => e.t))).toBeGreaterThan(RPS);
  });

  it("each identity reads the API catalogue for itself, once", async () => {
    const a = await http.connect({ "X-ICA-API-Key": KEY_A });
    const b = await http.connect({ "X-ICA-API-Key": KEY_B });
    const docs = () =>
      sandbox().requestLog.filter((e) => e.path.endsWith("/openapi_public.yaml") && e.method === "GET")
        .length;
    const before = docs();
    const first = await a.callTool({ name: "ica_search_api", arguments: { query: "list projects" } });
    expect(first.isError).toBeFalsy();
    const perIdentity = docs() - before;
    expect(perIdentity).toBeGreaterThan(0);
    await a.callTool({ name: "ica_search_api", arguments: { query: "get project" } });
    expect(docs() - before).toBe(perIdentity);
    const other = await b.callTool({ name: "ica_search_api", arguments: { query: "list projects" } });
    expect(other.isError).toBeFalsy();
    expect(docs() - before).toBe(2 * perIdentity);
  });

  it("each identity's launch estimate is its own (the dry run's usage reads are not served from another's cache)", async () => {
    const a = await http.connect({ "X-ICA-API-Key": KEY_A });
    const b = await http.connect({ "X-ICA-API-Key": KEY_B });
    const project = sandbox().state.projectByName(SEED_PROJECTS.training)!.id;
    const pipeline = sandbox().state.pipelines.find((p) => p.code === "DRAGEN_Germline_4-3-6")!.id;
    const args = {
      projectId: project,
      pipelineId: pipeline,
      userReference: "team-estimate",
      inputs: [
        {
          parameterCode: "fastqs",
          dataIds: [
            "/tutorial/NA12878-chr20/NA12878_S1_L001_R1_001.fastq.gz",
            "/tutorial/NA12878-chr20/NA12878_S1_L001_R2_001.fastq.gz",
          ],
        },
        { parameterCode: "reference_tar", dataIds: ["/reference/dragen-hg38-chr20-v4-3.tar"] },
      ],
      parameters: [{ code: "sample_name", value: "NA12878" }],
      dryRun: true,
    };
    const usage = (email: string) =>
      sandbox().requestLog.filter((e) => e.path.endsWith("/usage") && e.userId === userOf(email)).length;
    const dry = await a.callTool({ name: "ica_start_analysis", arguments: args });
    expect(dry.isError).toBeFalsy();
    const readByA = usage("sandbox@example.com");
    expect(readByA).toBeGreaterThan(0);
    await a.callTool({ name: "ica_start_analysis", arguments: args });
    expect(usage("sandbox@example.com")).toBe(readByA);
    expect(usage("alex.rivera@example.com")).toBe(0);
    const other = await b.callTool({ name: "ica_start_analysis", arguments: args });
    expect(other.isError).toBeFalsy();
    expect(usage("alex.rivera@example.com")).toBe(readByA);
  });

  it("keeps each identity's secrets in its own scope", async () => {
    const a = await http.connect({ "X-ICA-API-Key": KEY_A });
    const secretA = "a1B2c3D4e5F6g7H8i9J0identityAsecret";
    await a.callTool({
      name: "ica_create_storage_credentials",
      arguments: { name: "team_a_bucket", accessKeyId: "AKIATEAMAAAA00000001", secretAccessKey: secretA },
    });
    const leaseA = http.handle.pool.lease({ apiKey: KEY_A });
    const leaseB = http.handle.pool.lease({ apiKey: KEY_B });
    try {
      expect(leaseA.identity.scope.secrets.has(secretA)).toBe(true);
      expect(leaseA.identity.scope.secrets.has(KEY_A)).toBe(true);
      expect(leaseB.identity.scope.secrets.has(secretA)).toBe(false);
      expect(leaseB.identity.scope.secrets.has(KEY_A)).toBe(false);
      expect(leaseA.identity.client).not.toBe(leaseB.identity.client);
      expect(leaseA.identity.id).not.toContain(KEY_A);
    } finally {
      leaseA.release();
      leaseB.release();
    }
  });
});

const flood = (i: number) => createHash("sha256").update(`flood ${i}`).digest("hex").slice(0, 24);

describe("secret scopes", () => {
  it("one scope's registrations never evict another's, nor the process's", () => {
    const a = new SecretScope();
    const b = new SecretScope();
    const global = "process-wide-secret-value-0001";
    registerSecret(global);
    a.run(() => registerSecret("secret-of-identity-a-0001"));
    b.run(() => {
      for (let i = 0; i <= MAX_SECRETS + 10; i++) registerSecret(flood(i));
    });
    expect(a.run(() => redact("x secret-of-identity-a-0001 y"))).toBe("x [REDACTED] y");
    expect(a.run(() => redact(global))).toBe("[REDACTED]");
    // B's scope stayed bounded, and A's secret is not B's business.
    expect(b.secrets.size).toBe(MAX_SECRETS);
    // B's own oldest one went (its bound), A's did not.
    expect(b.run(() => redact(flood(0)))).toBe(flood(0));
    expect(b.run(() => redact(flood(MAX_SECRETS)))).toBe("[REDACTED]");
    expect(b.run(() => redact("secret-of-identity-a-0001"))).toBe("secret-of-identity-a-0001");
    a.dispose();
    b.dispose();
  });
});

describe("the identity pool", () => {
  const parsed = parseConfig(["--http"], { ICA_BASE_URL: "http://127.0.0.1:9/ica/rest" });
  if (!parsed.ok) throw new Error(parsed.message);
  const config = parsed.config;

  it("one entry per identity, keyed by a hash; busy entries are never evicted, idle ones after a minute", async () => {
    let now = 1_000_000;
    const pool = new IdentityPool({ config, maxIdentities: 2, now: () => now });
    const a = pool.lease({ apiKey: "pool-key-a-000001" });
    const a2 = pool.lease({ apiKey: "pool-key-a-000001" });
    expect(a2.identity).toBe(a.identity);
    expect(a.identity.id).toBe(identityId({ apiKey: "pool-key-a-000001" }));
    const b = pool.lease({ apiKey: "pool-key-b-000002" });
    expect(b.identity).not.toBe(a.identity);
    // Full, both busy: a third identity is refused rather than evicting someone's entry.
    expect(() => pool.lease({ apiKey: "pool-key-c-000003" })).toThrow(IdentityPoolFullError);
    b.release();
    now += 30_000;
    // Idle, but only briefly: still not evicted (its throttle window and token stay).
    expect(() => pool.lease({ apiKey: "pool-key-c-000003" })).toThrow(IdentityPoolFullError);
    now += 31_000;
    const c = pool.lease({ apiKey: "pool-key-c-000003" });
    expect(pool.size).toBe(2);
    // b's entry made room: b would now be a new entry, and there is no room for one.
    expect(() => pool.lease({ apiKey: "pool-key-b-000002" })).toThrow(IdentityPoolFullError);
    c.release();
    a.release();
    a2.release();
    await pool.close();
  });
});

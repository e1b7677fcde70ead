/**
 * Where the API catalogue comes from: the sandbox publishes ICA's OpenAPI document outside the REST base path,
 * the client fetches it (absolute same-origin URL, YAML as text), and the catalogue is cached per process with
 * failures remembered for a minute.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { IcaResponseError } from "../src/ica/errors.js";
import { CatalogueUnavailableError, documentUrl, getCatalogue } from "../src/ica/openapi/document.js";
import { sandboxClient } from "./helpers/client.js";
import { useSandbox } from "./helpers/sandbox.js";

const SPEC_YAML = fileURLToPath(new URL("../../shared/ica-openapi/openapi_public.yaml", import.meta.url));
const HAVE_SPEC = existsSync(SPEC_YAML);
if (!HAVE_SPEC)
  console.warn("API catalogue tests skipped: ../shared/ica-openapi/openapi_public.yaml not found");
const DOC_PATH = "/ica/api/swagger/openapi_public.yaml";

describe("documentUrl", () => {
  it("replaces a trailing /rest of the base URL and falls back to the origin's /ica", () => {
    expect(documentUrl("https://ica.illumina.com/ica/rest")).toBe(
      "https://ica.illumina.com/ica/api/swagger/openapi_public.yaml",
    );
    expect(documentUrl("https://eu.ica.example.com/ica/rest/")).toBe(
      "https://eu.ica.example.com/ica/api/swagger/openapi_public.yaml",
    );
    expect(documentUrl("http://127.0.0.1:9999/gateway")).toBe(
      "http://127.0.0.1:9999/ica/api/swagger/openapi_public.yaml",
    );
  });
});

describe.skipIf(!HAVE_SPEC)("the sandbox publishes the document it is given", () => {
  const sandbox = useSandbox({ openapiPath: SPEC_YAML });

  it("serves the YAML unauthenticated outside /ica/rest, gzipped on request, and records no exchange", async () => {
    const sb = sandbox();
    const before = sb.exchanges.length;
    const res = await fetch(`${sb.origin}${DOC_PATH}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/yaml");
    const text = await res.text();
    expect(text).toBe(readFileSync(SPEC_YAML, "utf8"));
    const gz = await fetch(`${sb.origin}${DOC_PATH}`, { headers: { "accept-encoding": "gzip" } });
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(await gz.text()).toBe(text); // fetch gunzips
    const post = await fetch(`${sb.origin}${DOC_PATH}`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(sb.exchanges.length).toBe(before);
    expect(sb.requestLog.filter((r) => r.path === DOC_PATH).length).toBeGreaterThanOrEqual(3);
  });

  it("the client fetches it as text from an absolute same-origin URL and refuses other origins", async () => {
    const sb = sandbox();
    const ica = sandboxClient(sb);
    try {
      const res = await ica.request<string>({
        method: "GET",
        path: "/api/swagger/openapi_public.yaml",
        url: `${sb.origin}${DOC_PATH}`,
        accept: "application/yaml",
        responseType: "text",
        auth: false,
      });
      expect(res.status).toBe(200);
      expect(res.body.startsWith("openapi: 3.0.1")).toBe(true);
      await expect(
        ica.request({
          method: "GET",
          path: "/x",
          url: "http://127.0.0.2:1/ica/api/swagger/x.yaml",
          auth: false,
        }),
      ).rejects.toBeInstanceOf(IcaResponseError);
    } finally {
      await ica.close();
    }
  });

  it("loads the catalogue once per client, even for concurrent first calls", async () => {
    const sb = sandbox();
    const ica = sandboxClient(sb);
    try {
      const fetchesBefore = sb.requestLog.filter((r) => r.path === DOC_PATH).length;
      const [a, b] = await Promise.all([getCatalogue(ica), getCatalogue(ica)]);
      const c = await getCatalogue(ica);
      expect(a).toBe(b);
      expect(c).toBe(a);
      expect(a.operations.length).toBe(307);
      expect(a.byId.get("searchAnalyses")).toMatchObject({
        method: "POST",
        path: "/api/projects/{projectId}/analysis:search",
        changesNothing: true,
      });
      expect(a.byId.get("createProject")?.changesNothing).toBe(false);
      expect(sb.requestLog.filter((r) => r.path === DOC_PATH).length).toBe(fetchesBefore + 1);
      // Fetched without credentials: no token was minted for it.
      expect(sb.requestLog.filter((r) => r.path === "/api/tokens").length).toBe(0);
    } finally {
      await ica.close();
    }
  });

  it("remembers a failure for the retry window (no refetch), then recovers", async () => {
    const sb = sandbox();
    const ica = sandboxClient(sb, { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 } });
    const fault = sb.faults.add({ kind: "status", status: 503, match: { path: DOC_PATH }, times: 1000 });
    try {
      const count = () => sb.requestLog.filter((r) => r.path === DOC_PATH).length;
      const before = count();
      const first = await getCatalogue(ica).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(CatalogueUnavailableError);
      expect((first as Error).message).toBe(
        "the ICA API catalogue is unavailable: fetching the OpenAPI document failed with 503 Service Unavailable: The service answered 503 Service Unavailable",
      );
      expect(count()).toBe(before + 2); // the client's own retry of a safe GET
      const second = await getCatalogue(ica).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(CatalogueUnavailableError);
      expect((second as CatalogueUnavailableError).retryInSeconds).toBeGreaterThan(50);
      expect(count()).toBe(before + 2);
      fault.remove();
      const recovered = await getCatalogue(ica, { retryAfterMs: 0 });
      expect(recovered.operations.length).toBe(307);
      expect(count()).toBe(before + 3);
    } finally {
      fault.remove();
      await ica.close();
    }
  });
});

describe("a sandbox without a document", () => {
  const sandbox = useSandbox();

  it("answers 404 and the catalogue says it is unavailable and why", async () => {
    const sb = sandbox();
    const res = await fetch(`${sb.origin}${DOC_PATH}`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const ica = sandboxClient(sb);
    try {
      const err = (await getCatalogue(ica).catch((e: unknown) => e)) as CatalogueUnavailableError;
      expect(err).toBeInstanceOf(CatalogueUnavailableError);
      expect(err.reason).toBe(
        `${sb.origin} has no OpenAPI document at /ica/api/swagger/openapi_public.yaml (404: This sandbox publishes no OpenAPI document (start it with the openapiPath or describeRoutes option))`,
      );
      expect(err.nextStep).toContain("the curated ica_* tools still work");
      expect(err.nextStep).toContain(`${sb.origin}${DOC_PATH}`);
    } finally {
      await ica.close();
    }
  });
});

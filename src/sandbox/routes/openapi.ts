/**
 * GET /ica/api/swagger/openapi_public.yaml: the OpenAPI document an ICA instance publishes about itself.
 *
 * Served OUTSIDE the REST base path (`/ica/rest`), without authentication, like ICA's swagger UI files. The
 * sandbox publishes the document given by its `openapiPath` option (read on first request and kept). Without
 * one, or when the file cannot be read, it publishes its own description (catalogue.ts: the operations it
 * implements, from its route table) when started with `describeRoutes`, and otherwise answers 404. These
 * exchanges are not recorded for the contract check: the path is not an operation of the document.
 */
import { readFile } from "node:fs/promises";
import type { Reply } from "../context.js";
import { ProblemError } from "../problem.js";

/** Full request path (below the origin) of the published document. */
export const OPENAPI_DOCUMENT_PATH = "/ica/api/swagger/openapi_public.yaml";

const YAML_TYPE = "application/yaml";

/** Reads and keeps the document of one sandbox. */
export class OpenApiDocumentSource {
  private text: Promise<string | undefined> | undefined;

  /** `fallback` makes the text published when there is no file or it cannot be read (JSON is valid YAML). */
  constructor(
    private readonly file: string | undefined,
    private readonly fallback?: () => string,
  ) {}

  get configured(): boolean {
    return this.file !== undefined || this.fallback !== undefined;
  }

  load(): Promise<string | undefined> {
    const fallback = this.fallback;
    const read: Promise<string | undefined> = this.file
      ? readFile(this.file, "utf8").catch(() => undefined)
      : Promise.resolve(undefined);
    this.text ??= read.then((text) => text ?? fallback?.());
    return this.text;
  }
}

/** The reply for a request to OPENAPI_DOCUMENT_PATH. */
export async function openapiDocumentReply(method: string, source: OpenApiDocumentSource): Promise<Reply> {
  if (method !== "GET" && method !== "HEAD") {
    throw new ProblemError(
      405,
      "Method Not Allowed",
      `${method} is not supported on ${OPENAPI_DOCUMENT_PATH}`,
      {},
      {
        allow: "GET",
      },
    );
  }
  const text = await source.load();
  if (text === undefined) {
    throw new ProblemError(
      404,
      "Not Found",
      source.configured
        ? "The OpenAPI document of this sandbox could not be read"
        : "This sandbox publishes no OpenAPI document (start it with the openapiPath or describeRoutes option)",
    );
  }
  return { status: 200, raw: method === "HEAD" ? "" : text, contentType: YAML_TYPE };
}

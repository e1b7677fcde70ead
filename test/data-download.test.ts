import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";
import { captureDebugStderr } from "./helpers/stderr.js";

const sandbox = useSandbox();
let c: Connected;
let capture: ReturnType<typeof captureDebugStderr>;
const stderr = () => capture.lines;

beforeAll(async () => {
  c = await connectTools(sandbox(), { env: { ICA_LOG_LEVEL: "debug" } });
  capture = captureDebugStderr();
});
afterAll(async () => {
  capture.restore();
  await c.close();
});

const wgs = () => sandbox().state.projectByName(SEED_PROJECTS.wgs)!;
const at = (path: string) =>
  sandbox().state.data.find((d) => d.projectId === wgs().id && sandbox().state.fullPath(d) === path)!;
const mints = () => sandbox().exchanges.filter((e) => e.path.endsWith(":createDownloadUrl"));

type Result = {
  url: string;
  expiresInSeconds?: number;
  file: { id: string; name: string; path: string; sizeBytes?: number; status?: string };
};

describe("ica_create_download_url", () => {
  it("returns a working presigned URL for a file, with its path, size and expiry, and never logs it", async () => {
    const readme = at("/README.txt");
    const res = await c.client.callTool({
      name: "ica_create_download_url",
      arguments: { projectId: wgs().id, dataId: readme.id },
    });
    expect(res.isError).toBeFalsy();
    const s = res.structuredContent as Result;
    expect(s.file).toEqual({
      id: readme.id,
      name: "README.txt",
      path: "/README.txt",
      sizeBytes: readme.fileSizeInBytes,
      status: "AVAILABLE",
    });
    expect(s.url.startsWith(sandbox().downloadOrigin)).toBe(true);
    expect(s.expiresInSeconds).toBe(Number(new URL(s.url).searchParams.get("X-Amz-Expires")));
    expect(textOf(res)).toMatch(/Download URL for \/README\.txt, valid for \d+ min\. It grants access/);
    expect(mints().length).toBe(1);
    expect(mints()[0]!.path).toBe(`/api/projects/${wgs().id}/data/${readme.id}:createDownloadUrl`);
    // The URL works, and downloads the file's content.
    const body = await (await fetch(s.url)).text();
    expect(body).toBe(readme.content);
    // It is a credential: the signature never reaches the log.
    const signature = new URL(s.url).searchParams.get("X-Amz-Signature")!;
    expect(signature.length).toBeGreaterThan(10);
    expect(stderr().join("")).toMatch(/debug: ICA request/);
    expect(stderr().join("")).not.toContain(signature);
  });

  it("refuses a folder with a pointer to ica_list_data, without asking ICA for a URL", async () => {
    const before = mints().length;
    const folder = at("/runs/main/");
    const res = await c.client.callTool({
      name: "ica_create_download_url",
      arguments: { projectId: wgs().id, dataId: folder.id },
    });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(
      new RegExp(`${folder.id} is the folder /runs/main/; download URLs exist only for files`),
    );
    expect(textOf(res)).toContain('ica_list_data parentFolderPath="/runs/main/"');
    expect(mints().length).toBe(before);
  });

  it("passes on ICA's refusal for an archived file, and a 404 for an unknown id", async () => {
    const archived = sandbox().state.data.find((d) => d.projectId === wgs().id && d.status === "ARCHIVED")!;
    const res = await c.client.callTool({
      name: "ica_create_download_url",
      arguments: { projectId: wgs().id, dataId: archived.id },
    });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/400/);
    expect(textOf(res)).toMatch(/ARCHIVED/);
    const unknown = await c.client.callTool({
      name: "ica_create_download_url",
      arguments: { projectId: wgs().id, dataId: "fil.00000000000000000000000000000000" },
    });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/404/);
  });
});

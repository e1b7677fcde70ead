import { describe, expect, it } from "vitest";
import { IcaApiError } from "../src/ica/errors.js";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { sandboxClient } from "./helpers/client.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();

type Item = {
  projectId: string;
  data: { id: string; details: { name: string; path: string; dataType: string } };
};
type PageBody = { items: Item[]; nextPageToken?: string; remainingRecords?: number; totalItemCount?: number };

const wgs = () => sandbox().state.projectByName(SEED_PROJECTS.wgs)!;

async function list(query: Record<string, string | string[]>) {
  const ica = sandboxClient(sandbox());
  try {
    const res = await ica.request<PageBody>({
      method: "GET",
      path: "/api/projects/{projectId}/data",
      pathParams: { projectId: wgs().id },
      query,
    });
    return res.body;
  } finally {
    await ica.close();
  }
}

const fullPaths = (b: PageBody) =>
  b.items.map(
    (i) => `${i.data.details.path}${i.data.details.name}${i.data.details.dataType === "FOLDER" ? "/" : ""}`,
  );

describe("sandbox: GET /api/projects/{projectId}/data", () => {
  it("lists one folder non-recursively with parentFolderPath", async () => {
    const body = await list({ parentFolderPath: "/runs/main/" });
    expect(fullPaths(body).sort()).toEqual([
      "/runs/main/file1.txt",
      "/runs/main/file2.txt",
      "/runs/main/folder1/",
    ]);
    expect(body.items.every((i) => i.projectId === wgs().id)).toBe(true);
    expect(body.remainingRecords).toBe(0);
  });

  it("lists the direct children of a folder id with parentFolderId", async () => {
    const folder = sandbox().state.data.find((d) => d.projectId === wgs().id && d.name === "folder1")!;
    const body = await list({ parentFolderId: [folder.id] });
    expect(fullPaths(body)).toEqual(["/runs/main/folder1/file1.txt"]);
  });

  it("refuses a parentFolderPath that does not start and end with '/'", async () => {
    const err = await list({ parentFolderPath: "/runs/main" }).catch((e) => e);
    expect(err).toBeInstanceOf(IcaApiError);
    expect((err as IcaApiError).status).toBe(400);
    expect((err as IcaApiError).parameters).toEqual({ parentFolderPath: "/runs/main" });
  });

  it("matches file names exactly, fuzzily (case-insensitive substring) or excludes them", async () => {
    const exact = await list({ filename: ["file1.txt"], filenameMatchMode: "EXACT" });
    expect(fullPaths(exact).sort()).toEqual([
      "/runs/file1.txt",
      "/runs/main/file1.txt",
      "/runs/main/folder1/file1.txt",
    ]);
    const fuzzy = await list({
      filename: ["FILE"],
      filenameMatchMode: "FUZZY",
      parentFolderPath: "/runs/main/",
    });
    expect(fullPaths(fuzzy).sort()).toEqual(["/runs/main/file1.txt", "/runs/main/file2.txt"]);
    const excluded = await list({
      filename: ["file1.txt"],
      filenameMatchMode: "EXCLUDE",
      parentFolderPath: "/runs/main/",
    });
    expect(fullPaths(excluded).sort()).toEqual(["/runs/main/file2.txt", "/runs/main/folder1/"]);
  });

  it("matches filePath on the full path: STARTS_WITH (recursive, the default) and FULL, case-insensitively", async () => {
    const under = await list({ filePath: ["/RUNS/MAIN/"] });
    expect(fullPaths(under).sort()).toEqual([
      "/runs/main/",
      "/runs/main/file1.txt",
      "/runs/main/file2.txt",
      "/runs/main/folder1/",
      "/runs/main/folder1/file1.txt",
    ]);
    const full = await list({
      filePath: ["/Runs/Main/Folder1/"],
      filePathMatchMode: "FULL_CASE_INSENSITIVE",
    });
    expect(fullPaths(full)).toEqual(["/runs/main/folder1/"]);
  });

  it("filters on status, type, formatCode and id", async () => {
    const archived = await list({ status: ["ARCHIVED", "UNARCHIVING"], type: "FILE" });
    const expected = sandbox().state.data.where(
      (d) => d.projectId === wgs().id && (d.status === "ARCHIVED" || d.status === "UNARCHIVING"),
    );
    expect(archived.items.map((i) => i.data.id).sort()).toEqual(expected.map((d) => d.id).sort());
    expect(expected.length).toBe(4);
    const bed = await list({ formatCode: ["BED"] });
    expect(fullPaths(bed)).toEqual(["/reference/wgs_calling_regions.hg38.bed"]);
    const ids = expected.slice(0, 2).map((d) => d.id);
    const byId = await list({ id: ids });
    expect(byId.items.map((i) => i.data.id)).toEqual(ids);
  });

  it("pages with cursors (complete, unique) and with offsets (sorted, totalItemCount)", async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    for (let i = 0; i < 20; i++) {
      const body: PageBody = await list({
        filePath: ["/fastq/"],
        pageSize: "7",
        ...(pageToken ? { pageToken } : {}),
      });
      seen.push(...body.items.map((x) => x.data.id));
      if (!body.nextPageToken) break;
      pageToken = body.nextPageToken;
    }
    const all = sandbox().state.data.where(
      (d) => d.projectId === wgs().id && sandbox().state.fullPath(d).startsWith("/fastq/"),
    );
    expect(seen).toEqual(all.map((d) => d.id));

    const sorted = await list({
      filePath: ["/results-2025/"],
      type: "FILE",
      sort: "fileSizeInBytes desc",
      pageSize: "3",
    });
    expect(sorted.totalItemCount).toBe(12);
    expect(sorted.nextPageToken).toBe("");
    const sizes = sorted.items.map((i) => sandbox().state.data.get(i.data.id)!.fileSizeInBytes!);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(sizes[0]).toBe(
      Math.max(
        ...sandbox()
          .state.data.where((d) => d.path === "/results-2025/")
          .map((d) => d.fileSizeInBytes!),
      ),
    );
  });

  it("answers 404 problems for an unknown project or data id, and returns one item with an ETag", async () => {
    const ica = sandboxClient(sandbox());
    const file = sandbox().state.data.find((d) => d.projectId === wgs().id && d.name === "file2.txt")!;
    const res = await ica.request<Item>({
      method: "GET",
      path: "/api/projects/{projectId}/data/{dataId}",
      pathParams: { projectId: wgs().id, dataId: file.id },
    });
    expect(res.body.data.id).toBe(file.id);
    expect(res.body.data.details.path).toBe("/runs/main/");
    expect(res.headers.etag).toMatch(/^".+"$/);
    const missing = await ica
      .request({
        method: "GET",
        path: "/api/projects/{projectId}/data/{dataId}",
        pathParams: { projectId: wgs().id, dataId: "fil.doesnotexist" },
      })
      .catch((e) => e);
    expect((missing as IcaApiError).status).toBe(404);
    const other = sandbox().state.data.find((d) => d.projectId !== wgs().id)!;
    const elsewhere = await ica
      .request({
        method: "GET",
        path: "/api/projects/{projectId}/data/{dataId}",
        pathParams: { projectId: wgs().id, dataId: other.id },
      })
      .catch((e) => e);
    expect((elsewhere as IcaApiError).status).toBe(404);
    await ica.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { listed } from "./helpers/columnar.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";

const sandbox = useSandbox();
let c: Connected;
beforeAll(async () => {
  c = await connectTools(sandbox());
});
afterAll(async () => {
  await c.close();
});

type Item = {
  id: string;
  name: string;
  path: string;
  type: string;
  sizeBytes?: number;
  status?: string;
  format?: string;
};
type ListResult = {
  items: Item[];
  paging: string;
  nextPageToken?: string;
  remainingRecords?: number;
  nextPageOffset?: number;
  totalItemCount?: number;
};

const wgs = () => sandbox().state.projectByName(SEED_PROJECTS.wgs)!;
const lastQuery = () => {
  const ex = sandbox()
    .exchanges.filter((e) => e.path === `/api/projects/${wgs().id}/data`)
    .at(-1)!;
  return ex.query;
};

async function listData(args: Record<string, unknown>) {
  const res = await c.client.callTool({ name: "ica_list_data", arguments: { projectId: wgs().id, ...args } });
  return { res, s: listed(res) as ListResult };
}

describe("ica_list_data", () => {
  it("browses one folder (non-recursive), adding the trailing slash, with compact items", async () => {
    const { res, s } = await listData({ parentFolderPath: "/runs/main" });
    expect(res.isError).toBeFalsy();
    expect(lastQuery()).toEqual([
      ["parentFolderPath", "/runs/main/"],
      ["pageSize", "50"],
    ]);
    const file2 = sandbox().state.data.find((d) => d.projectId === wgs().id && d.name === "file2.txt")!;
    const folder1 = sandbox().state.data.find((d) => d.projectId === wgs().id && d.name === "folder1")!;
    expect(s.items.find((i) => i.name === "file2.txt")).toEqual({
      id: file2.id,
      name: "file2.txt",
      path: "/runs/main/file2.txt",
      type: "FILE",
      sizeBytes: file2.fileSizeInBytes,
      status: "AVAILABLE",
      format: "TXT",
    });
    expect(s.items.find((i) => i.name === "folder1")).toEqual({
      id: folder1.id,
      name: "folder1",
      path: "/runs/main/folder1/",
      type: "FOLDER",
      status: "AVAILABLE",
    });
    expect(s.items.map((i) => i.path).sort()).toEqual([
      "/runs/main/file1.txt",
      "/runs/main/file2.txt",
      "/runs/main/folder1/",
    ]);
    expect(s.paging).toBe("cursor");
    expect(textOf(res)).toMatch(/3 item\(s\) in \/runs\/main\/\. No more pages\./);
  });

  it("searches by file name across the project, fuzzily by default, or exactly", async () => {
    const fuzzy = await listData({ filename: "FILE1" });
    expect(lastQuery()).toEqual([
      ["filename", "FILE1"],
      ["filenameMatchMode", "FUZZY"],
      ["pageSize", "50"],
    ]);
    expect(fuzzy.s.items.map((i) => i.path).sort()).toEqual([
      "/runs/file1.txt",
      "/runs/main/file1.txt",
      "/runs/main/folder1/file1.txt",
    ]);
    const exact = await listData({ filename: "FILE1.txt", filenameMatchMode: "EXACT" });
    expect(exact.s.items).toEqual([]);
    const exact2 = await listData({
      filename: "file1.txt",
      filenameMatchMode: "EXACT",
      parentFolderPath: "/runs/",
    });
    expect(exact2.s.items.map((i) => i.path)).toEqual(["/runs/file1.txt"]);
  });

  it("filters on type, status and format", async () => {
    const { s } = await listData({ status: ["ARCHIVED"], type: "FILE", formatCode: ["BAM"] });
    expect(lastQuery()).toEqual([
      ["type", "FILE"],
      ["status", "ARCHIVED"],
      ["formatCode", "BAM"],
      ["pageSize", "50"],
    ]);
    const expected = sandbox().state.data.where(
      (d) => d.projectId === wgs().id && d.status === "ARCHIVED" && d.formatCode === "BAM",
    );
    expect(s.items.map((i) => i.id)).toEqual(expected.map((d) => d.id));
    expect(expected.length).toBe(3);
  });

  it("pages with cursors through every item exactly once", async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    for (; pages < 30; pages++) {
      const { res, s } = await listData({
        filename: "fastq.gz",
        pageSize: 20,
        ...(pageToken ? { pageToken } : {}),
      });
      expect(s.paging).toBe("cursor");
      seen.push(...s.items.map((i) => i.id));
      if (!s.nextPageToken) break;
      expect(textOf(res)).toContain(`pageToken="${s.nextPageToken}"`);
      pageToken = s.nextPageToken;
    }
    const all = sandbox().state.data.where((d) => d.projectId === wgs().id && d.name.includes("fastq.gz"));
    expect(all.length).toBe(60);
    expect(pages).toBe(2);
    expect(seen).toEqual(all.map((d) => d.id));
  });

  it("switches to offset paging when sorted and continues with pageOffset", async () => {
    const first = await listData({
      parentFolderPath: "/results-2025/",
      sort: "fileSizeInBytes desc",
      pageSize: 5,
    });
    expect(lastQuery()).toEqual([
      ["parentFolderPath", "/results-2025/"],
      ["pageSize", "5"],
      ["pageOffset", "0"],
      ["sort", "fileSizeInBytes desc"],
    ]);
    expect(first.s.paging).toBe("offset");
    expect(first.s.totalItemCount).toBe(12);
    expect(first.s.nextPageOffset).toBe(5);
    expect(textOf(first.res)).toContain('pageOffset=5 and sort="fileSizeInBytes desc"');
    const third = await listData({
      parentFolderPath: "/results-2025/",
      sort: "fileSizeInBytes desc",
      pageSize: 5,
      pageOffset: 10,
    });
    expect(third.s.items.length).toBe(2);
    expect(third.s.nextPageOffset).toBeUndefined();
    const sizes = [...first.s.items, ...third.s.items].map((i) => i.sizeBytes!);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
  });

  it("refuses bad input before sending anything", async () => {
    await listData({}); // token minted
    const before = sandbox().requestLog.length;
    const relative = await listData({ parentFolderPath: "runs/main/" });
    expect(textOf(relative.res)).toMatch(/parentFolderPath must be a full folder path starting with "\/"/);
    const mode = await listData({ filenameMatchMode: "EXACT" });
    expect(textOf(mode.res)).toMatch(/filenameMatchMode needs filename/);
    const sort = await listData({ sort: "size" });
    expect(textOf(sort.res)).toMatch(/not sortable.*fileSizeInBytes/);
    const mixed = await listData({ sort: "name", paging: "cursor" });
    expect(textOf(mixed.res)).toMatch(/sort needs offset paging/);
    for (const r of [relative, mode, sort, mixed]) expect(r.res.isError).toBe(true);
    expect(sandbox().requestLog.length).toBe(before);
  });

  it("says when a folder is empty or missing", async () => {
    const { res, s } = await listData({ parentFolderPath: "/no-such-folder/" });
    expect(s.items).toEqual([]);
    expect(textOf(res)).toMatch(/empty or does not exist: browse from parentFolderPath="\/"/);
  });

  it("respects ICA_ALLOWED_PROJECTS", async () => {
    const other = sandbox().state.projectByName(SEED_PROJECTS.rna)!;
    const limited = await connectTools(sandbox(), { allowedProjects: new Set([other.id]) });
    const res = await limited.client.callTool({ name: "ica_list_data", arguments: { projectId: wgs().id } });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/not in ICA_ALLOWED_PROJECTS/);
    await limited.close();
  });
});

describe("ica_get_data", () => {
  it("gets a file by id with details", async () => {
    const vcf = sandbox().state.data.find(
      (d) => d.projectId === wgs().id && d.willBeArchivedAt !== null && d.name.endsWith(".vcf.gz"),
    )!;
    const res = await c.client.callTool({
      name: "ica_get_data",
      arguments: { projectId: wgs().id, dataId: vcf.id },
    });
    expect(res.isError).toBeFalsy();
    const s = res.structuredContent as Record<string, unknown>;
    expect(s).toMatchObject({
      id: vcf.id,
      name: vcf.name,
      path: `/results-2025/${vcf.name}`,
      type: "FILE",
      sizeBytes: vcf.fileSizeInBytes,
      status: vcf.status,
      format: "VCF",
      owningProjectId: wgs().id,
      willBeArchivedAt: vcf.willBeArchivedAt,
      timeCreated: vcf.timeCreated,
    });
    expect(s.urn).toMatch(new RegExp(`:data:${vcf.id}#/results-2025/`));
    expect(sandbox().exchanges.at(-1)!.path).toBe(`/api/projects/${wgs().id}/data/${vcf.id}`);
    expect(textOf(res)).toMatch(/ica_create_download_url with dataId=/);
  });

  it("gets a file by path (case-insensitive) and a folder with or without the trailing slash", async () => {
    const file = sandbox().state.data.find(
      (d) => d.projectId === wgs().id && d.path === "/runs/main/folder1/",
    )!;
    const byPath = await c.client.callTool({
      name: "ica_get_data",
      arguments: { projectId: wgs().id, path: "/RUNS/main/folder1/FILE1.txt" },
    });
    expect((byPath.structuredContent as { id: string }).id).toBe(file.id);
    const folder = sandbox().state.data.find((d) => d.projectId === wgs().id && d.name === "folder1")!;
    for (const path of ["/runs/main/folder1", "/runs/main/folder1/"]) {
      const res = await c.client.callTool({ name: "ica_get_data", arguments: { projectId: wgs().id, path } });
      expect(res.structuredContent).toMatchObject({
        id: folder.id,
        type: "FOLDER",
        path: "/runs/main/folder1/",
      });
      expect(textOf(res)).toContain('ica_list_data parentFolderPath="/runs/main/folder1/"');
    }
    const q = new URLSearchParams(sandbox().exchanges.at(-2)!.query);
    expect(q.getAll("filePath")).toEqual(["/runs/main/folder1", "/runs/main/folder1/"]);
    expect(q.get("filePathMatchMode")).toBe("FULL_CASE_INSENSITIVE");
  });

  it("needs exactly one of dataId and path, and explains a missing path", async () => {
    const neither = await c.client.callTool({ name: "ica_get_data", arguments: { projectId: wgs().id } });
    expect(textOf(neither)).toMatch(/exactly one of dataId and path/);
    const both = await c.client.callTool({
      name: "ica_get_data",
      arguments: { projectId: wgs().id, dataId: "fil.x", path: "/x" },
    });
    expect(textOf(both)).toMatch(/exactly one of dataId and path/);
    const missing = await c.client.callTool({
      name: "ica_get_data",
      arguments: { projectId: wgs().id, path: "/runs/main/nothing.txt" },
    });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/nothing at path \/runs\/main\/nothing\.txt/);
    expect(textOf(missing)).toContain('ica_list_data parentFolderPath="/runs/main/"');
    const unknown = await c.client.callTool({
      name: "ica_get_data",
      arguments: { projectId: wgs().id, dataId: "fil.00000000000000000000000000000000" },
    });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/404/);
  });
});

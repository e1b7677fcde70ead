import { describe, expect, it } from "vitest";
import { applyDuplicateRule, folderDepth } from "../src/tools/samples/duplicates.js";

const f = (id: string, path: string) => ({ id, path, name: path.slice(path.lastIndexOf("/") + 1) });

describe("the duplicate-file rule (pure)", () => {
  it("counts folders above a file", () => {
    expect([folderDepth("/file1"), folderDepth("/main/file1"), folderDepth("/main/folder1/file1")]).toEqual([
      0, 1, 2,
    ]);
  });

  it("keeps main/file2 and main/folder1/file1 of the guide's example and ignores main/file1", () => {
    const out = applyDuplicateRule([
      [f("a", "/main/file1"), f("b", "/main/file2"), f("c", "/main/folder1/file1")],
    ]);
    expect(out.used).toEqual([[f("b", "/main/file2"), f("c", "/main/folder1/file1")]]);
    expect(out.ignored).toEqual([[{ ...f("a", "/main/file1"), duplicateOf: "/main/folder1/file1" }]]);
    expect(out.ties).toEqual([]);
  });

  it("ignores root copies, links the same file once per sample, and does not call one file a tie with itself", () => {
    const deep = f("d", "/x/y/z.txt");
    const out = applyDuplicateRule([[f("r", "/z.txt"), deep, deep], [deep]]);
    expect(out.used).toEqual([[deep], [deep]]);
    expect(out.ignored[0]!.map((x) => x.id)).toEqual(["r"]);
    expect(out.ties).toEqual([]);
  });

  it("reports ties between different files at the deepest level of one sample and uses them all", () => {
    const out = applyDuplicateRule([[f("1", "/a/b/n.txt"), f("2", "/c/d/n.txt"), f("3", "/c/n.txt")]]);
    expect(out.used.map((u) => u.map((x) => x.id))).toEqual([["1", "2"]]);
    expect(out.ignored[0]!).toEqual([{ ...f("3", "/c/n.txt"), duplicateOf: "/a/b/n.txt" }]);
    expect(out.ties).toEqual([{ sample: 0, name: "n.txt", paths: ["/a/b/n.txt", "/c/d/n.txt"] }]);
  });

  it("applies the rule within each sample: sample A keeps /runs/file1.txt although sample B links a deeper file1.txt", () => {
    const shallow = f("s", "/runs/file1.txt");
    const deep = f("d", "/runs/main/folder1/file1.txt");
    const other = f("o", "/runs/main/file2.txt");
    const out = applyDuplicateRule([[shallow], [deep, other]]);
    expect(out.used).toEqual([[shallow], [deep, other]]);
    expect(out.ignored).toEqual([[], []]);
    expect(out.ties).toEqual([]);
    // The clash between samples is reported, and decides nothing.
    expect(out.clashes).toEqual([
      { name: "file1.txt", samples: [0, 1], paths: ["/runs/file1.txt", "/runs/main/folder1/file1.txt"] },
    ]);
  });

  it("reports no clash when samples share the very same file", () => {
    const same = f("x", "/a/x.txt");
    expect(applyDuplicateRule([[same], [same]]).clashes).toEqual([]);
  });
});

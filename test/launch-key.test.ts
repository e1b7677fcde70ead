/**
 * The launch key: what the caller asked for, normalised; never what ICA chose, never dryRun, rerun or a
 * confirmation token. Pure functions, checked on their own (the end-to-end behaviour is in launch-existing).
 */
import { describe, expect, it } from "vitest";
import {
  type LaunchRequest,
  launchKey,
  launchTag,
  normalizeLaunchRequest,
  rerunKey,
} from "../src/tools/launch/key.js";

const P = "0f8e9d6c-1b2a-4c3d-8e7f-112233445566";
const base: LaunchRequest = {
  pipelineCode: "nf-core-scrnaseq-2-7-1",
  userReference: "run 1",
  inputs: [
    { parameterCode: "fastqs", dataIds: ["fil.b", "fil.a"] },
    { parameterCode: "sheet", dataIds: ["/sheets/a.csv"] },
  ],
  parameters: [
    { code: "aligner", value: "star" },
    { code: "tools", multiValue: ["x", "y"] },
  ],
  tags: { userTags: ["b", "a"], technicalTags: ["t"] },
  analysisOutput: [{ sourcePath: "out/", targetPath: "/res/" }],
};
const key = (req: LaunchRequest, project = P) => launchKey(req, project);

describe("launchKey", () => {
  it("is a 64-digit hex sha256, stable for the same request", () => {
    expect(key(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(key(structuredClone(base))).toBe(key(base));
  });

  it("ignores the order of inputs, data within an input, parameters and tags, and the case of codes and ids", () => {
    const shuffled: LaunchRequest = {
      ...base,
      pipelineCode: "NF-CORE-scrnaseq-2-7-1",
      inputs: [
        { parameterCode: "sheet", dataIds: ["/sheets/a.csv"] },
        { parameterCode: "fastqs", dataIds: ["fil.a", "fil.b"] },
      ],
      parameters: [...base.parameters!].reverse(),
      tags: { userTags: ["a", "b", "a"], technicalTags: ["t"] },
    };
    expect(key(shuffled)).toBe(key(base));
    expect(key(base, P.toUpperCase())).toBe(key(base));
  });

  it("spells out the defaults that are sent: an output mapping's project and OVERWRITE", () => {
    const explicit: LaunchRequest = {
      ...base,
      analysisOutput: [
        { sourcePath: "out/", targetPath: "/res/", targetProjectId: P, actionOnExist: "Overwrite" },
      ],
    };
    expect(key(explicit)).toBe(key(base));
  });

  it("leaves out dryRun, rerun, confirmation tokens and anything else that does not define the launch", () => {
    const withExtras = { ...base, dryRun: true, rerun: true, confirmationToken: "abc", somethingNew: 1 };
    expect(key(withExtras as LaunchRequest)).toBe(key(base));
    expect(JSON.stringify(normalizeLaunchRequest(withExtras as LaunchRequest, P))).not.toMatch(
      /dryRun|rerun|confirmation|somethingNew/,
    );
  });

  it("differs for anything the caller asked differently", () => {
    const variants: LaunchRequest[] = [
      { ...base, userReference: "run 2" },
      { ...base, pipelineCode: "nf-core-rnaseq-3-14-0" },
      { ...base, inputs: [{ parameterCode: "fastqs", dataIds: ["fil.a"] }] },
      { ...base, parameters: [{ code: "aligner", value: "kallisto" }] },
      { ...base, parameters: [...base.parameters!.slice(0, 1), { code: "tools", multiValue: ["y", "x"] }] },
      { ...base, analysisStorageName: "Small" },
      { ...base, activationCodeDetailId: "5a1b2c3d-0000-4000-8000-000000000001" },
      { ...base, tags: { userTags: ["a"] } },
      { ...base, outputParentFolderId: "fol.1" },
      { ...base, analysisOutput: [{ sourcePath: "out/", targetPath: "/res/", actionOnExist: "SKIP" }] },
    ];
    const keys = new Set([key(base), ...variants.map((v) => key(v))]);
    expect(keys.size).toBe(variants.length + 1);
    expect(key(base, "another-project")).not.toBe(key(base));
  });

  it("the tag carries the key's hash, not the key; a rerun key is new every time", () => {
    const k = key(base);
    const tag = launchTag(k);
    expect(tag).toMatch(/^ica-mcp-launch:[0-9a-f]{40}$/);
    expect(tag).not.toContain(k.slice(0, 40));
    expect(launchTag(k)).toBe(tag);
    expect(rerunKey(k)).not.toBe(rerunKey(k));
    expect(rerunKey(k, "n")).toBe(rerunKey(k, "n"));
    expect(rerunKey(k)).toMatch(/^[0-9a-f]{64}$/);
  });
});

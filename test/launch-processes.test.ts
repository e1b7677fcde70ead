/**
 * Recognising a launch holds across processes: two separately spawned servers (a second assistant) and a
 * restarted one share nothing but ICA, and still start exactly one analysis for the same request.
 */
import { describe, expect, it } from "vitest";
import { SEED_PROJECTS } from "../src/sandbox/index.js";
import { TEST_API_KEY, useSandbox } from "./helpers/sandbox.js";
import { initialize, type RawServer, spawnServer } from "./helpers/spawn.js";

const sandbox = useSandbox();

type CallResult = {
  result?: { isError?: boolean; structuredContent?: { outcome: string; analysis?: { id: string } } };
};

async function server(): Promise<RawServer> {
  const s = spawnServer([], { ICA_BASE_URL: sandbox().url, ICA_API_KEY: TEST_API_KEY });
  await initialize(s);
  return s;
}

async function stop(s: RawServer): Promise<void> {
  s.child.stdin.end();
  await s.exited;
}

describe("a launch repeated by other processes", () => {
  it("a second server and a restarted one both report the analysis the first started", async () => {
    const project = sandbox().state.projectByName(SEED_PROJECTS.singleCell)!;
    const dataIds = sandbox()
      .state.data.where(
        (d) => d.projectId === project.id && d.formatCode === "FASTQ" && d.status === "AVAILABLE",
      )
      .slice(0, 2)
      .map((d) => d.id);
    const args = {
      projectId: project.id,
      pipelineCode: "nf-core-scrnaseq-2-7-1",
      userReference: "three processes",
      inputs: [{ parameterCode: "fastqs", dataIds }],
    };
    const launch = async (s: RawServer) =>
      ((await s.call("tools/call", { name: "ica_start_analysis", arguments: args }, 30_000)) as CallResult)
        .result!;
    const a = await server();
    const b = await server();
    try {
      const first = await launch(a);
      expect(first.isError).toBeFalsy();
      expect(first.structuredContent!.outcome).toBe("started");
      const id = first.structuredContent!.analysis!.id;
      const second = await launch(b);
      expect(second.structuredContent).toMatchObject({ outcome: "existing", analysis: { id } });
      await stop(a);
      const restarted = await server();
      try {
        const third = await launch(restarted);
        expect(third.structuredContent).toMatchObject({ outcome: "existing", analysis: { id } });
      } finally {
        await stop(restarted);
      }
      const created = sandbox().exchanges.filter(
        (e) => e.method === "POST" && e.path === `/api/projects/${project.id}/analysis:nextflow`,
      );
      expect(created).toHaveLength(1);
      expect(
        sandbox().state.analyses.where(
          (x) => x.projectId === project.id && x.userReference === "three processes",
        ),
      ).toHaveLength(1);
    } finally {
      if (a.child.exitCode === null) await stop(a);
      await stop(b);
    }
  });
});

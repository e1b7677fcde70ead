// "Launch this pipeline on these 24 samples": tool calls, ICA requests and result bytes with the batch form of
// ica_start_analysis (one analysisCreationBatch) and with 24 single launches, against the sandbox on loopback.
// Each way runs in a fresh sandbox (same seed) and a fresh server, with the default throttle. Usage:
// npm run build && node scripts/measure-batch.mjs
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";

const DIST = new URL("../dist/", import.meta.url);
const { startSandbox, SEED_PROJECTS } = await import(new URL("sandbox/index.js", DIST).href);
const { parseConfig } = await import(new URL("config.js", DIST).href);
const { clientFromConfig } = await import(new URL("ica/from-config.js", DIST).href);
const { buildServer } = await import(new URL("mcp/server.js", DIST).href);
const KEY = "sandbox-api-key";

function samples(sb, projectId) {
  const pairs = [];
  for (const r1 of sb.state.data.where(
    (d) => d.projectId === projectId && d.dataType === "FILE" && d.name.endsWith("_R1_001.fastq.gz"),
  )) {
    const r2 = sb.state.data.find((d) => d.path === r1.path && d.name === r1.name.replace("_R1_", "_R2_"));
    if (r2?.status === "AVAILABLE")
      pairs.push({ sample: r1.name.split("_")[0], r1: sb.state.fullPath(r1), r2: sb.state.fullPath(r2) });
  }
  return pairs.slice(0, 24);
}

async function run(way) {
  const sb = await startSandbox({ apiKeys: [KEY] });
  const parsed = parseConfig([], { ICA_BASE_URL: sb.url, ICA_API_KEY: KEY, ICA_CONFIRM: "off" });
  const ica = clientFromConfig(parsed.config);
  const server = buildServer({ config: parsed.config, ica });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "measure", version: "1" });
  await Promise.all([server.connect(b), client.connect(a)]);
  const project = sb.state.projectByName(SEED_PROJECTS.wgs);
  const tar = sb.state.data.find(
    (d) => d.projectId === project.id && d.name.endsWith(".tar") && d.status === "AVAILABLE",
  );
  const shared = {
    projectId: project.id,
    pipelineCode: "DRAGEN_Germline_4-3-6",
    inputs: [{ parameterCode: "reference_tar", dataIds: [sb.state.fullPath(tar)] }],
  };
  const list = samples(sb, project.id);
  const before = sb.requestLog.length;
  const t0 = performance.now();
  let calls = 0;
  let bytes = 0;
  const call = async (args) => {
    calls++;
    const res = await client.callTool({ name: "ica_start_analysis", arguments: args });
    if (res.isError) throw new Error(JSON.stringify(res.content));
    bytes += Buffer.byteLength(JSON.stringify(res));
  };
  if (way === "batch") {
    await call({
      ...shared,
      items: list.map((s) => ({
        userReference: `m-${s.sample}`,
        inputs: { fastqs: [s.r1, s.r2] },
        parameters: { sample_name: s.sample },
      })),
    });
  } else {
    for (const s of list) {
      await call({
        ...shared,
        userReference: `m-${s.sample}`,
        inputs: [...shared.inputs, { parameterCode: "fastqs", dataIds: [s.r1, s.r2] }],
        parameters: [{ code: "sample_name", value: s.sample }],
      });
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const requests = sb.requestLog.length - before;
  await client.close();
  await server.close();
  await ica.close();
  await sb.close();
  return { way, analyses: list.length, calls, requests, bytes, seconds: Math.round(seconds * 10) / 10 };
}

for (const way of ["batch", "single"]) console.log(JSON.stringify(await run(way)));
process.exit(0);

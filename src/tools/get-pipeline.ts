import { z } from "zod";
import {
  getConfigurationParameters,
  getInputParameters,
  type IcaConfigurationParameter,
  resolvePipeline,
} from "../ica/api/pipelines.js";
import { getProjectPipelineReferenceSets, type IcaReferenceSet } from "../ica/api/reference-sets.js";
import { IcaApiError, UserInputError } from "../ica/errors.js";
import { defineTool } from "../mcp/adapter.js";
import { columnar } from "./columnar.js";
import { pipelineCodeParam, pipelineIdParam, projectIdParam } from "./params.js";

const MAX_PARAMETERS = 200;
const MAX_OPTIONS = 50;
const DESCRIPTION_CHARS = 1000;
const MAX_SETS = 20;
const MAX_REFERENCE_DATA = 50;

const referenceSetShape = z.object({
  id: z.string(),
  name: z.string().optional(),
  data: z.array(z.object({ id: z.string(), name: z.string().optional(), version: z.string().optional() })),
});

/** The reference data a launch may pass as referenceDataParameters, per set (bounded). */
function referenceSetSummary(s: IcaReferenceSet): z.input<typeof referenceSetShape> {
  const data = (s.referenceDataList?.items ?? []).flatMap((d) =>
    d?.id
      ? [
          {
            id: d.id,
            ...(d.name ? { name: d.name.slice(0, 255) } : {}),
            ...(d.version ? { version: d.version.slice(0, 100) } : {}),
          },
        ]
      : [],
  );
  return {
    id: s.id,
    ...(s.name ? { name: s.name.slice(0, 255) } : {}),
    data: data.slice(0, MAX_REFERENCE_DATA),
  };
}
/** Input parameters are short; configuration parameters (with options) get the rest of the result's room. */
const INPUT_TABLE_CHARS = 12_000;

const configShape = z.object({
  code: z.string(),
  type: z.string(),
  required: z.boolean(),
  multiValue: z.boolean(),
  defaults: z.array(z.string()).optional(),
  options: z.array(z.string()).optional(),
});

const inputTable = columnar({ code: z.string(), required: z.boolean(), multiValue: z.boolean() });
const configTable = columnar(configShape.shape);

export function configSummary(c: IcaConfigurationParameter): z.input<typeof configShape> {
  const defaults = (c.settings?.defaultValues ?? []).map(String);
  const options = c.settings?.options ?? [];
  return {
    code: c.code,
    type: c.type,
    required: c.required,
    multiValue: c.multiValue,
    ...(defaults.length > 0 ? { defaults: defaults.slice(0, MAX_OPTIONS) } : {}),
    ...(options.length > 0
      ? {
          options:
            options.length > MAX_OPTIONS
              ? [...options.slice(0, MAX_OPTIONS), `… ${options.length - MAX_OPTIONS} more`]
              : options,
        }
      : {}),
  };
}

export const getPipelineTool = defineTool({
  name: "ica_get_pipeline",
  title: "Get a pipeline and what a launch needs",
  description:
    "What a launch needs: language, input parameters (code, required, multiValue), configuration parameters (type, required, defaults, options) and the default storage. Next: ica_start_analysis with dryRun.",
  inputSchema: {
    projectId: projectIdParam.optional(),
    pipelineId: pipelineIdParam.optional(),
    pipelineCode: pipelineCodeParam.optional(),
  },
  outputSchema: {
    id: z.string(),
    code: z.string(),
    language: z.string().optional(),
    languageVersion: z.string().optional(),
    status: z.string().optional(),
    description: z.string().optional(),
    defaultStorage: z
      .object({ id: z.string(), name: z.string().optional(), description: z.string().optional() })
      .optional(),
    inputParameters: inputTable.schema,
    configurationParameters: configTable.schema,
    referenceSets: z.array(referenceSetShape).optional(),
    truncated: z.string().optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const projectId = ctx.projectId(args.projectId);
    if (!args.pipelineId && !args.pipelineCode) {
      throw new UserInputError("pass pipelineId or pipelineCode (both come from ica_list_pipelines)");
    }
    const p = await resolvePipeline(ctx.ica, projectId, args, ctx.signal);
    const [inputs, configs, sets] = await Promise.all([
      getInputParameters(ctx.ica, projectId, p.id, ctx.signal),
      getConfigurationParameters(ctx.ica, projectId, p.id, ctx.signal),
      // Reference sets are an extra: a refusal (old ICA, no permission) leaves them out, not the pipeline.
      getProjectPipelineReferenceSets(ctx.ica, projectId, p.id, ctx.signal).catch((err: unknown) => {
        if (err instanceof IcaApiError) return [];
        throw err;
      }),
    ]);
    const inputRows = inputTable.fit(
      inputs
        .slice(0, MAX_PARAMETERS)
        .map((i) => ({ code: i.code, required: i.required, multiValue: i.multiValue })),
      INPUT_TABLE_CHARS,
    ).table;
    const configRows = configTable.fit(configs.slice(0, MAX_PARAMETERS).map(configSummary)).table;
    const cut: string[] = [];
    if (inputs.length > inputRows.rows.length)
      cut.push(`${inputs.length - inputRows.rows.length} input parameters`);
    if (configs.length > configRows.rows.length)
      cut.push(`${configs.length - configRows.rows.length} configuration parameters`);
    if (sets.length > MAX_SETS) cut.push(`${sets.length - MAX_SETS} reference sets`);
    const description = p.description ?? "";
    const storage = p.analysisStorage;
    const required = inputs.filter((i) => i.required).map((i) => i.code);
    const requiredConfig = configs
      .filter((c) => c.required && (c.settings?.defaultValues ?? []).length === 0)
      .map((c) => c.code);
    return {
      structured: {
        id: p.id,
        code: p.code,
        ...(p.language ? { language: p.language } : {}),
        ...(p.languageVersion?.name ? { languageVersion: p.languageVersion.name } : {}),
        ...((p.statusAsString ?? p.status) ? { status: (p.statusAsString ?? p.status) as string } : {}),
        ...(description
          ? {
              description:
                description.length > DESCRIPTION_CHARS
                  ? `${description.slice(0, DESCRIPTION_CHARS)}…`
                  : description,
            }
          : {}),
        ...(storage
          ? {
              defaultStorage: {
                id: storage.id,
                ...(storage.name ? { name: storage.name } : {}),
                ...(storage.description ? { description: storage.description } : {}),
              },
            }
          : {}),
        inputParameters: inputRows,
        configurationParameters: configRows,
        ...(sets.length > 0 ? { referenceSets: sets.slice(0, MAX_SETS).map(referenceSetSummary) } : {}),
        ...(cut.length > 0 ? { truncated: `not shown: ${cut.join(", ")}` } : {}),
      },
      summary: `Pipeline ${p.code} (${p.language ?? "unknown language"}): required inputs ${required.join(", ") || "none"}; required settings without default ${requiredConfig.join(", ") || "none"}; default storage ${storage?.name ?? "none"}${sets.length > 0 ? `; reference data from ${sets.length} reference set(s) (referenceDataParameters)` : ""}. Next: ica_start_analysis with pipelineId="${p.id}" and dryRun: true.`,
    };
  },
});

/** @deprecated moved to params.ts; re-exported so tools written against the old place still build. */
export { pipelineCodeParam, pipelineIdParam } from "./params.js";

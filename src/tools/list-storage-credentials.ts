import { z } from "zod";
import { listStorageCredentials } from "../ica/api/credentials.js";
import { defineTool } from "../mcp/adapter.js";
import { columnar } from "./columnar.js";

/** ICA does not page this list; a tenant rarely has many, but the result stays bounded. */
const MAX_ITEMS = 200;

export const credentialSummaryShape = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string().optional(),
  timeCreated: z.string().optional(),
  timeModified: z.string().optional(),
});

const credentialTable = columnar(credentialSummaryShape.shape);

export const listStorageCredentialsTool = defineTool({
  name: "ica_list_storage_credentials",
  title: "List S3 storage credentials",
  description:
    "Lists stored AWS key pairs (storage credentials): id, name, type, dates; never secrets. Pass an id as storageCredentialsId to ica_start_analysis for s3:// inputs; none fits: ica_create_storage_credentials.",
  inputSchema: {},
  outputSchema: {
    items: credentialTable.schema,
    total: z.number(),
    truncated: z.boolean(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(_args, ctx) {
    const all = await listStorageCredentials(ctx.ica, ctx.signal);
    const items = all.slice(0, MAX_ITEMS).map((c) => ({
      id: c.id,
      name: c.name,
      ...(c.type ? { type: c.type } : {}),
      ...(c.timeCreated ? { timeCreated: c.timeCreated } : {}),
      ...(c.timeModified ? { timeModified: c.timeModified } : {}),
    }));
    const { table } = credentialTable.fit(items);
    const truncated = table.rows.length < all.length;
    const next =
      all.length === 0
        ? "Next: register a key pair with ica_create_storage_credentials."
        : "Next: pass an id as storageCredentialsId to ica_start_analysis for s3:// inputs.";
    return {
      structured: { items: table, total: all.length, truncated },
      summary: `${all.length} storage credential(s)${truncated ? ` (first ${table.rows.length} shown)` : ""}. ${next}`,
    };
  },
});

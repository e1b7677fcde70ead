import { z } from "zod";
import { createStorageCredential } from "../ica/api/credentials.js";
import { UserInputError } from "../ica/errors.js";
import { defineTool } from "../mcp/adapter.js";
import {
  accessKeyIdParam,
  credentialNameProblems,
  keyProblems,
  maskKeyId,
  protectKeys,
  scrubKeysFromError,
  secretAccessKeyParam,
} from "./credentials/keys.js";

export const createStorageCredentialsTool = defineTool({
  name: "ica_create_storage_credentials",
  title: "Register S3 storage credentials",
  description:
    "Stores an AWS key pair (AWS_USER) so analyses can read the user's S3 bucket (ICA cannot read public buckets without one). Returns the id for ica_start_analysis's storageCredentialsId. Names are unique. The secret is never shown.",
  inputSchema: {
    name: z.string().describe('Name chosen by the user: 1-150 letters, digits, "_" or "-".'),
    accessKeyId: accessKeyIdParam,
    secretAccessKey: secretAccessKeyParam,
  },
  outputSchema: {
    id: z.string(),
    name: z.string(),
    type: z.string(),
    accessKeyId: z.string(),
    timeCreated: z.string().optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler(args, ctx) {
    const keys = { accessKeyId: args.accessKeyId, secretAccessKey: args.secretAccessKey };
    protectKeys(keys);
    const problems = [...credentialNameProblems(args.name), ...keyProblems(keys)];
    if (problems.length > 0) throw new UserInputError(problems);
    let created: Awaited<ReturnType<typeof createStorageCredential>>;
    try {
      created = await createStorageCredential(ctx.ica, args.name, keys, ctx.signal);
    } catch (err) {
      throw scrubKeysFromError(err, keys);
    }
    return {
      structured: {
        id: created.id,
        name: created.name ?? args.name,
        type: created.type ?? "AWS_USER",
        accessKeyId: maskKeyId(keys.accessKeyId),
        ...(created.timeCreated ? { timeCreated: created.timeCreated } : {}),
      },
      summary: `Created storage credentials "${created.name ?? args.name}" (id ${created.id}). Next: pass storageCredentialsId="${created.id}" to ica_start_analysis for s3:// inputs.`,
    };
  },
});

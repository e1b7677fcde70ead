import { z } from "zod";
import { getStorageCredential, updateStorageCredentialSecrets } from "../ica/api/credentials.js";
import { IcaApiError, UserInputError } from "../ica/errors.js";
import { defineTool } from "../mcp/adapter.js";
import {
  accessKeyIdParam,
  keyProblems,
  maskKeyId,
  protectKeys,
  scrubKeysFromError,
  secretAccessKeyParam,
} from "./credentials/keys.js";

export const rotateStorageCredentialsTool = defineTool({
  name: "ica_rotate_storage_credentials",
  title: "Rotate S3 storage credential secrets",
  description:
    "Replaces the AWS key pair of existing storage credentials (id and name stay; the old keys are overwritten). Owner only. The secret is never shown.",
  inputSchema: {
    storageCredentialsId: z.string().min(1).max(100).describe("Id from ica_list_storage_credentials."),
    accessKeyId: accessKeyIdParam,
    secretAccessKey: secretAccessKeyParam,
  },
  outputSchema: {
    id: z.string(),
    name: z.string().optional(),
    accessKeyId: z.string(),
    timeModified: z.string().optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const keys = { accessKeyId: args.accessKeyId, secretAccessKey: args.secretAccessKey };
    protectKeys(keys);
    const problems = keyProblems(keys);
    if (problems.length > 0) throw new UserInputError(problems);
    try {
      await updateStorageCredentialSecrets(ctx.ica, args.storageCredentialsId, keys, ctx.signal);
    } catch (err) {
      if (err instanceof IcaApiError && err.status === 404) {
        throw new UserInputError(
          `storageCredentialsId ${args.storageCredentialsId} was not found (ICA answered 404)`,
          "find the id with ica_list_storage_credentials, or register new credentials with ica_create_storage_credentials.",
        );
      }
      throw scrubKeysFromError(err, keys);
    }
    // The update has happened; a failing read-back must not turn it into an error.
    const after = await getStorageCredential(ctx.ica, args.storageCredentialsId, ctx.signal).catch(
      () => undefined,
    );
    const label = after?.name ? `"${after.name}" (${args.storageCredentialsId})` : args.storageCredentialsId;
    return {
      structured: {
        id: args.storageCredentialsId,
        ...(after?.name ? { name: after.name } : {}),
        accessKeyId: maskKeyId(keys.accessKeyId),
        ...(after?.timeModified ? { timeModified: after.timeModified } : {}),
      },
      summary: `Rotated the keys of storage credentials ${label}. Next: analyses started from now on (ica_start_analysis with this storageCredentialsId) use the new keys.`,
    };
  },
});

import { createHash } from "node:crypto";
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
import {
  confirmationTokenParam,
  confirmedText,
  confirmStep,
  issueConfirmationToken,
  notConfirmedText,
  planNeeded,
} from "./launch/confirm.js";

export const rotateStorageCredentialsTool = defineTool({
  name: "ica_rotate_storage_credentials",
  title: "Rotate S3 storage credential secrets",
  description:
    "Replaces the AWS key pair of existing storage credentials (id and name stay; the old keys are overwritten). Owner only. The secret is never shown.",
  inputSchema: {
    storageCredentialsId: z.string().min(1).max(100).describe("Id from ica_list_storage_credentials."),
    accessKeyId: accessKeyIdParam,
    secretAccessKey: secretAccessKeyParam,
    dryRun: z
      .boolean()
      .optional()
      .describe("Show what would change and a confirmationToken; change nothing."),
    confirmationToken: confirmationTokenParam,
  },
  outputSchema: {
    id: z.string(),
    name: z.string().optional(),
    accessKeyId: z.string(),
    timeModified: z.string().optional(),
    rotated: z.boolean().optional(),
    plan: z.string().optional(),
    confirmationToken: z.string().optional(),
    confirmation: z.string().optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const keys = { accessKeyId: args.accessKeyId, secretAccessKey: args.secretAccessKey };
    protectKeys(keys);
    const problems = keyProblems(keys);
    if (problems.length > 0) throw new UserInputError(problems);
    let confirmation: string | undefined;
    let plan: string | undefined;
    const token = args.confirmationToken;
    if (planNeeded(ctx, { dryRun: args.dryRun, token })) {
      const current = await getStorageCredential(ctx.ica, args.storageCredentialsId, ctx.signal).catch(
        (err: unknown) => {
          if (err instanceof IcaApiError && err.status === 404) {
            throw new UserInputError(
              `storageCredentialsId ${args.storageCredentialsId} was not found (ICA answered 404)`,
              "find the id with ica_list_storage_credentials, or register new credentials with ica_create_storage_credentials.",
            );
          }
          throw err;
        },
      );
      const label = current.name
        ? `"${current.name}" (${args.storageCredentialsId})`
        : args.storageCredentialsId;
      plan = `Replace the AWS key pair of storage credentials ${label} with access key ${maskKeyId(keys.accessKeyId)}; the old keys are overwritten, and analyses started from then on use the new ones.`;
      // Bound to the new keys too (hashed: the token never carries the secret).
      const binding = {
        id: args.storageCredentialsId,
        accessKeyId: keys.accessKeyId,
        secret: createHash("sha256").update(keys.secretAccessKey).digest("hex"),
      };
      const shown = {
        id: args.storageCredentialsId,
        ...(current.name ? { name: current.name } : {}),
        accessKeyId: maskKeyId(keys.accessKeyId),
        plan,
      };
      if (args.dryRun) {
        return {
          structured: {
            ...shown,
            rotated: false,
            confirmationToken: issueConfirmationToken(ctx.config, "rotate", binding),
          },
          summary: `Dry run: nothing was changed. ${plan} Next: show this to the user; to rotate call again without dryRun (with confirmationToken).`,
        };
      }
      const c = await confirmStep(ctx, { kind: "rotate", plan, binding, ...(token ? { token } : {}) });
      if (!c.go) {
        return {
          structured: { ...shown, rotated: false },
          summary: notConfirmedText(c, "the keys stay as they are"),
        };
      }
      confirmation = confirmedText(c);
    } else {
      const c = await confirmStep(ctx, { kind: "rotate", plan: "", binding: {} });
      if (c.go && c.via !== "client" && c.via !== "off") confirmation = confirmedText(c);
    }
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
        ...(plan ? { plan } : {}),
        ...(confirmation ? { rotated: true, confirmation } : {}),
      },
      summary: `Rotated the keys of storage credentials ${label}. Next: analyses started from now on (ica_start_analysis with this storageCredentialsId) use the new keys.`,
    };
  },
});

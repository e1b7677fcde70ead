/**
 * Storage credentials (tag "Storage Credentials"): GET /api/storageCredentials, GET …/{storageCredentialId},
 * POST /api/storageCredentials (201) and POST …/{storageCredentialId}:updateSecrets (204).
 *
 * Secrets are stored and never returned. Visible: the caller's own credentials and shared ones; only the
 * owner may update secrets. Duplicate names (per owner) are a 409.
 *
 * Deliberately careless like some real servers: a rejected body is echoed in the problem's detail and
 * parameters (secret included), so that clients' redaction is exercised for real.
 */
import { createHash } from "node:crypto";
import type { RequestContext, RouteDef } from "../context.js";
import { ProblemError } from "../problem.js";
import type { StorageCredentialRecord } from "../state.js";
import { storageCredentialView } from "../views.js";

const NAME = /^[a-zA-Z0-9_-]*$/;
const KEY = /^[^=,]*$/;

interface AwsCredentialsBody {
  accessKeyId: string;
  secretAccessKey: string;
}

function etag(c: StorageCredentialRecord): string {
  const { secrets: _secrets, ...visible } = c;
  return `"${createHash("sha256").update(JSON.stringify(visible)).digest("hex").slice(0, 16)}"`;
}

/** Every string field of the body, flattened ("awsCredentials.secretAccessKey"), as a careless server echoes it. */
function echo(body: unknown, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  if (body === null || typeof body !== "object") return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object") Object.assign(out, echo(v, key));
    else if (v !== undefined) out[key] = String(v);
  }
  return out;
}

function rejected(ctx: RequestContext, status: number, reason: string): ProblemError {
  const fields = echo(ctx.body);
  const shown = Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  const title = status === 409 ? "Conflict" : status === 404 ? "Not Found" : "Bad Request";
  return new ProblemError(status, title, `${reason} (request: ${shown})`, { ...fields, reason });
}

function awsCredentials(ctx: RequestContext, value: unknown): AwsCredentialsBody {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw rejected(
      ctx,
      400,
      "awsCredentials with accessKeyId and secretAccessKey is required for type AWS_USER",
    );
  }
  const { accessKeyId, secretAccessKey } = value as Record<string, unknown>;
  for (const [name, v] of [
    ["accessKeyId", accessKeyId],
    ["secretAccessKey", secretAccessKey],
  ] as const) {
    if (typeof v !== "string" || v.length < 1 || v.length > 100 || !KEY.test(v)) {
      throw rejected(ctx, 400, `awsCredentials.${name} must be 1-100 characters without '=' or ','`);
    }
  }
  return { accessKeyId: accessKeyId as string, secretAccessKey: secretAccessKey as string };
}

function visibleOr404(ctx: RequestContext, id: string): StorageCredentialRecord {
  const c = ctx.state.storageCredentials.get(id);
  if (!c || (c.ownerId !== ctx.principal!.userId && !c.shared)) {
    throw new ProblemError(404, "Not Found", `No storage credential with id '${id}' exists`, {
      storageCredentialId: id,
    });
  }
  return c;
}

export const storageCredentialRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/api/storageCredentials",
    operationId: "getStorageCredentials",
    produces: ["v3"],
    handler(ctx) {
      const userId = ctx.principal!.userId;
      const items = ctx.state.storageCredentials.where((c) => c.ownerId === userId || c.shared);
      return ctx.json(200, { items: items.map((c) => storageCredentialView(ctx.state, c)) });
    },
  },
  {
    method: "GET",
    path: "/api/storageCredentials/{storageCredentialId}",
    operationId: "getStorageCredential",
    produces: ["v3"],
    handler(ctx) {
      const c = visibleOr404(ctx, ctx.params.storageCredentialId!);
      return ctx.json(200, storageCredentialView(ctx.state, c), { etag: etag(c) });
    },
  },
  {
    method: "POST",
    path: "/api/storageCredentials",
    operationId: "createStorageCredential",
    produces: ["v3"],
    consumes: ["v3", "json"],
    handler(ctx) {
      const body = ctx.body;
      if (body === null || typeof body !== "object" || Array.isArray(body)) {
        throw new ProblemError(
          400,
          "Bad Request",
          "The request body must be a CreateStorageCredential object",
        );
      }
      const { name, type } = body as Record<string, unknown>;
      if (typeof name !== "string" || name.length < 1 || name.length > 150 || !NAME.test(name)) {
        throw rejected(ctx, 400, "name must be 1-150 characters of letters, digits, '_' and '-'");
      }
      if (type !== "AWS_USER") throw rejected(ctx, 400, "type must be AWS_USER");
      const secrets = awsCredentials(ctx, (body as Record<string, unknown>).awsCredentials);
      const userId = ctx.principal!.userId;
      if (ctx.state.storageCredentials.find((c) => c.ownerId === userId && c.name === name)) {
        throw rejected(ctx, 409, `A storage credential named '${name}' already exists`);
      }
      const now = ctx.state.now();
      const created = ctx.state.storageCredentials.insert({
        id: ctx.state.newUuid(),
        name,
        type: "AWS_USER",
        ownerId: userId,
        timeCreated: now,
        timeModified: now,
        shared: false,
        secrets,
      });
      return ctx.json(201, storageCredentialView(ctx.state, created), { etag: etag(created) });
    },
  },
  {
    method: "POST",
    path: "/api/storageCredentials/{storageCredentialId}:updateSecrets",
    operationId: "updateStorageCredentialSecrets",
    produces: [],
    consumes: ["v3", "json"],
    handler(ctx) {
      const id = ctx.params.storageCredentialId!;
      const c = ctx.state.storageCredentials.get(id);
      if (!c || (c.ownerId !== ctx.principal!.userId && !c.shared)) {
        throw rejected(ctx, 404, `No storage credential with id '${id}' exists`);
      }
      if (c.ownerId !== ctx.principal!.userId) {
        throw new ProblemError(
          403,
          "Forbidden",
          "Only the owner of a storage credential can update its secrets",
          {
            storageCredentialId: id,
          },
        );
      }
      const body = ctx.body;
      if (body === null || typeof body !== "object" || Array.isArray(body)) {
        throw new ProblemError(
          400,
          "Bad Request",
          "The request body must be an UpdateStorageCredentialSecrets object",
        );
      }
      c.secrets = awsCredentials(ctx, (body as Record<string, unknown>).awsCredentials);
      c.timeModified = ctx.state.now();
      return ctx.noContent();
    },
  },
];

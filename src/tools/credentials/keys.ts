/**
 * Shared by ica_create_storage_credentials and ica_rotate_storage_credentials: input checks that never echo a
 * key, masking of the access key id, and scrubbing of ICA errors that echo the request body.
 */
import { z } from "zod";
import {
  AWS_KEY_FORBIDDEN,
  AWS_KEY_MAX,
  type AwsKeyPair,
  CREDENTIAL_NAME_MAX,
  CREDENTIAL_NAME_PATTERN,
} from "../../ica/api/credentials.js";
import { IcaApiError } from "../../ica/errors.js";
import { registerSecret } from "../../redact.js";

/**
 * Key inputs are plain strings on purpose: every check happens in the handler, after the values are
 * registered as secrets, so that no validation message can carry them.
 */
export const accessKeyIdParam = z
  .string()
  .describe("AWS access key id (AKIA…) that can read the bucket, from the user; shown masked.");

export const secretAccessKeyParam = z.string().describe("AWS secret access key, from the user; never shown.");

/** Registers both values for redaction; call first thing in the handler. */
export function protectKeys(keys: AwsKeyPair): void {
  registerSecret(keys.secretAccessKey);
  registerSecret(keys.accessKeyId);
}

/** "AKIAIOSFODNN7EXAMPLE" -> "AKIA…MPLE"; short ids show less. */
export function maskKeyId(accessKeyId: string): string {
  if (accessKeyId.length >= 12) return `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;
  if (accessKeyId.length >= 6) return `${accessKeyId.slice(0, 2)}…`;
  return "…";
}

/** Problems with a name, checked exactly as ICA documents it (the document's pattern is applied whole). */
export function credentialNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 1 || name.length > CREDENTIAL_NAME_MAX) {
    problems.push(`name must be 1-${CREDENTIAL_NAME_MAX} characters (got ${name.length})`);
  }
  if (name.length > 0 && !CREDENTIAL_NAME_PATTERN.test(name)) {
    const bad = [...new Set(name.replace(/[a-zA-Z0-9_-]/g, ""))].slice(0, 10).map((c) => JSON.stringify(c));
    problems.push(
      `name may contain only letters, digits, '_' and '-' (not ${bad.join(" ")}); e.g. "lab-s3-readonly"`,
    );
  }
  return problems;
}

/** Problems with a key pair; the messages describe the problem without ever including a value. */
export function keyProblems(keys: AwsKeyPair): string[] {
  const problems: string[] = [];
  for (const [field, value] of [
    ["accessKeyId", keys.accessKeyId],
    ["secretAccessKey", keys.secretAccessKey],
  ] as const) {
    if (value.length < 1 || value.length > AWS_KEY_MAX) {
      problems.push(`${field} must be 1-${AWS_KEY_MAX} characters (got ${value.length})`);
    } else if (AWS_KEY_FORBIDDEN.test(value)) {
      problems.push(
        `${field} must not contain '=' or ','; check that the whole key, and only the key, was pasted`,
      );
    } else if (value.trim() !== value) {
      problems.push(`${field} starts or ends with whitespace; paste the key without spaces or line breaks`);
    }
  }
  if (problems.length === 0 && keys.accessKeyId === keys.secretAccessKey) {
    problems.push("accessKeyId and secretAccessKey are the same value; pass the key id and its secret");
  }
  if (
    problems.length === 0 &&
    /^(AKIA|ASIA)[A-Z0-9]{12,}$/.test(keys.secretAccessKey) &&
    !/^(AKIA|ASIA)/.test(keys.accessKeyId)
  ) {
    problems.push(
      "secretAccessKey looks like an access key id (AKIA…/ASIA…) and accessKeyId does not: the two values look swapped",
    );
  }
  return problems;
}

const MIN_TAIL = 4;

function scrubText(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s === "") continue;
    out = out.split(s).join("[REDACTED]");
    // ICA error texts are cut at a length limit; a cut may leave the head of a secret at the end.
    for (let n = Math.min(s.length - 1, out.length); n >= MIN_TAIL; n--) {
      if (out.endsWith(s.slice(0, n))) {
        out = `${out.slice(0, out.length - n)}[REDACTED]`;
        break;
      }
    }
  }
  return out;
}

/**
 * ICA (or a proxy) may echo the request body in a problem's detail or parameters. The global redaction
 * already hides registered secrets; this also covers values too short to register, secrets cut in half by a
 * length limit, and parameters named after a secret field.
 */
export function scrubKeysFromError(err: unknown, keys: AwsKeyPair): unknown {
  if (!(err instanceof IcaApiError)) return err;
  const secrets = [keys.secretAccessKey, keys.accessKeyId];
  const parameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(err.parameters)) {
    parameters[k] = /secret|accesskey|password|token/i.test(k) ? "[REDACTED]" : scrubText(v, secrets);
  }
  const detail = err.detail === undefined ? undefined : scrubText(err.detail, secrets);
  const title = scrubText(err.title, secrets);
  return new IcaApiError(err.status, title, detail, parameters, err.request, err.retryAfterSeconds);
}

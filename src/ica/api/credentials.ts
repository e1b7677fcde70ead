/**
 * Storage credentials ("Using data from your own S3 Storage" in the ICA API guide): the id of a stored AWS key
 * pair is what an analysis input from s3:// needs as `storageCredentialsId`. ICA never returns the secrets.
 */
import type { IcaClient } from "../client.js";

export interface IcaStorageCredential {
  id: string;
  name: string;
  type?: string;
  ownerId?: string;
  tenantName?: string | null;
  timeCreated?: string;
  timeModified?: string;
}

export interface AwsKeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

/** CreateStorageCredential.name: 1-150 characters, `^[a-zA-Z0-9_-]*$` (anchored here: the check is meant whole). */
export const CREDENTIAL_NAME_PATTERN = /^[a-zA-Z0-9_-]+$/;
export const CREDENTIAL_NAME_MAX = 150;
/** AwsCredentials.accessKeyId / secretAccessKey: 1-100 characters without "=" or ",". */
export const AWS_KEY_MAX = 100;
export const AWS_KEY_FORBIDDEN = /[=,]/;

export async function listStorageCredentials(
  ica: IcaClient,
  signal?: AbortSignal,
): Promise<IcaStorageCredential[]> {
  const res = await ica.request<{ items?: IcaStorageCredential[] }>({
    method: "GET",
    path: "/api/storageCredentials",
    version: "v3",
    safe: true,
    signal,
  });
  return Array.isArray(res.body?.items) ? res.body.items : [];
}

export async function getStorageCredential(
  ica: IcaClient,
  storageCredentialId: string,
  signal?: AbortSignal,
): Promise<IcaStorageCredential> {
  const res = await ica.request<IcaStorageCredential>({
    method: "GET",
    path: "/api/storageCredentials/{storageCredentialId}",
    pathParams: { storageCredentialId },
    version: "v3",
    safe: true,
    signal,
  });
  return res.body;
}

/** POST /api/storageCredentials (type AWS_USER). Not idempotent: ICA takes no Idempotency-Key here. */
export async function createStorageCredential(
  ica: IcaClient,
  name: string,
  keys: AwsKeyPair,
  signal?: AbortSignal,
): Promise<IcaStorageCredential> {
  const res = await ica.request<IcaStorageCredential>({
    method: "POST",
    path: "/api/storageCredentials",
    body: {
      name,
      type: "AWS_USER",
      awsCredentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
    },
    version: "v3",
    signal,
  });
  return res.body;
}

/** POST /api/storageCredentials/{id}:updateSecrets (204). Repeating it sets the same secrets again. */
export async function updateStorageCredentialSecrets(
  ica: IcaClient,
  storageCredentialId: string,
  keys: AwsKeyPair,
  signal?: AbortSignal,
): Promise<void> {
  await ica.request({
    method: "POST",
    path: "/api/storageCredentials/{storageCredentialId}:updateSecrets",
    pathParams: { storageCredentialId },
    body: { awsCredentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } },
    version: "v3",
    signal,
  });
}

/**
 * For tools that take s3:// inputs (ica_start_analysis): ICA reads external S3 data only through stored
 * credentials ("public S3 buckets without credentials are not supported", ICA API guide).
 */
export const S3_NEEDS_CREDENTIALS =
  "ICA cannot read s3:// inputs without storage credentials, not even from public buckets: pass storageCredentialsId (find it with ica_list_storage_credentials, or register the bucket's AWS key pair with ica_create_storage_credentials)";

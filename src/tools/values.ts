/**
 * Reading ICA answers in projections. ICA's OpenAPI document allows null for many fields (and for whole
 * objects), lets optional objects be absent, adds enum values between releases and may send fields we do
 * not know. A projection takes what is usable, leaves out what is missing (never a made-up default), and
 * skips one bad nested entry instead of failing the whole result. Only an answer without what identifies
 * it (an id) is refused, with an error that names the operation.
 */
import { IcaResponseError } from "../ica/errors.js";

/** An ICA operation, as named in its OpenAPI document. */
export interface Operation {
  operationId: string;
  method: string;
  path: string;
}

/** getProjectData, read by several tools. */
export const GET_PROJECT_DATA: Operation = {
  operationId: "getProjectData",
  method: "GET",
  path: "/api/projects/{projectId}/data/{dataId}",
};

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A non-empty string, or undefined. */
export const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** A finite number, or undefined. */
export const finite = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** A boolean, or undefined (null and other types are "not given"). */
export const flag = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : undefined);

/** The strings of a list ICA gave (its null entries dropped); [] when it gave none. */
export const texts = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** The object entries of a list ICA gave (null entries dropped); [] when it gave none. */
export function records<T>(v: readonly (T | null | undefined)[] | null | undefined): NonNullable<T>[] {
  return Array.isArray(v) ? (v.filter((x) => isRecord(x)) as NonNullable<T>[]) : [];
}

/** "FILE" or "FOLDER" when ICA said so; undefined for a missing or unknown data type. */
export function dataType(v: unknown): "FILE" | "FOLDER" | undefined {
  return v === "FILE" || v === "FOLDER" ? v : undefined;
}

/** An answer that cannot be used: an actionable error naming the operation, never a validation dump. */
export function unusable(op: Operation, problem: string): IcaResponseError {
  return new IcaResponseError(
    `ICA's answer to ${op.operationId} (${op.method} ${op.path}) cannot be used: ${problem}`,
    200,
    { method: op.method, path: op.path },
  );
}

/** The answer as an object with a string `id`; otherwise an `unusable` error naming `what`. */
export function identified<T>(body: T | null | undefined, op: Operation, what: string): T & { id: string } {
  if (!isRecord(body)) throw unusable(op, `it is ${body === null ? "null" : `not a ${what}`}`);
  if (text(body.id) === undefined) throw unusable(op, `the ${what} has no id`);
  return body as T & { id: string };
}

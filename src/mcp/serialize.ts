import { untrustedJson } from "./untrusted.js";

/**
 * The ONE place where structured content becomes text for the model (the second text block of every tool
 * result, and resource bodies). Anything that must be done to every serialized result, such as escaping
 * untrusted characters, belongs here and nowhere else.
 */
export function serializeStructured(value: unknown): string {
  return untrustedJson(value);
}

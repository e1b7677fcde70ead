/**
 * yaml and Ajv serve only the API catalogue (ica_search_api / ica_call_api), so they are loaded on first use
 * instead of at start-up: together they cost about as much start time as the rest of the server. The
 * catalogue loads both before it hands out a Catalogue (document.ts), so validate.ts can use Ajv synchronously.
 */
import type * as AjvModule from "ajv";
import type * as YamlModule from "yaml";

type AjvClass = typeof AjvModule.Ajv;
type AddFormats = (ajv: InstanceType<AjvClass>) => InstanceType<AjvClass>;

export interface AjvDeps {
  Ajv: AjvClass;
  addFormats: AddFormats;
}

let yamlLoad: Promise<typeof YamlModule> | undefined;
let ajvLoad: Promise<AjvDeps> | undefined;
let ajvLoaded: AjvDeps | undefined;

export function loadYaml(): Promise<typeof YamlModule> {
  yamlLoad ??= import("yaml");
  return yamlLoad;
}

export function loadAjv(): Promise<AjvDeps> {
  ajvLoad ??= Promise.all([import("ajv"), import("ajv-formats")]).then(([ajv, formats]) => {
    // Both are CommonJS: depending on the loader the class and the plugin sit on `default` or not.
    const mod = ajv as unknown as { Ajv?: AjvClass; default?: AjvClass | { Ajv?: AjvClass } };
    const Ajv = mod.Ajv ?? (mod.default as { Ajv?: AjvClass })?.Ajv ?? (mod.default as AjvClass);
    let addFormats: unknown = formats;
    while (typeof addFormats !== "function" && addFormats && "default" in (addFormats as object)) {
      addFormats = (addFormats as { default: unknown }).default;
    }
    ajvLoaded = { Ajv, addFormats: addFormats as AddFormats };
    return ajvLoaded;
  });
  return ajvLoad;
}

/** Ajv, once loadAjv() has resolved (every Catalogue comes from getCatalogue, which awaits it). */
export function ajvDeps(): AjvDeps {
  if (!ajvLoaded) throw new Error("internal: Ajv is used before loadAjv() resolved");
  return ajvLoaded;
}

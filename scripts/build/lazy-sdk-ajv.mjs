/**
 * Bundled in place of the MCP SDK's validation/ajv-provider.js (see scripts/build.mjs): same class, but Ajv is
 * loaded and set up on the first getValidator() call instead of when the server starts. require() keeps the
 * interface synchronous; esbuild bundles the SDK's CommonJS build of the provider behind it.
 */
let Provider;

export class AjvJsonSchemaValidator {
  #ajv;
  #impl;

  constructor(ajv) {
    this.#ajv = ajv;
  }

  getValidator(schema) {
    Provider ??= require("@modelcontextprotocol/sdk/validation/ajv").AjvJsonSchemaValidator;
    this.#impl ??= new Provider(this.#ajv);
    return this.#impl.getValidator(schema);
  }
}

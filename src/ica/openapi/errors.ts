import { IcaError } from "../errors.js";

/** The catalogue cannot be had; both generic tools answer with this (the curated tools are unaffected). */
export class CatalogueUnavailableError extends IcaError {
  override name = "CatalogueUnavailableError";
  constructor(
    readonly reason: string,
    readonly documentUrl: string,
    readonly retryInSeconds?: number,
  ) {
    super(`the ICA API catalogue is unavailable: ${reason}`);
  }

  get nextStep(): string {
    const when =
      this.retryInSeconds !== undefined && this.retryInSeconds > 0
        ? `it is fetched again on a call after ${this.retryInSeconds} s`
        : "it is fetched again on the next call";
    return `the curated ica_* tools still work; ${when}. The catalogue is ICA's own OpenAPI document at ${this.documentUrl}.`;
  }
}

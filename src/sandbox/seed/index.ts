/** Builds the deterministic sandbox world. Same seed, same world (ids, names, statuses, timestamps). */
import { Rng } from "../prng.js";
import type { SandboxState } from "../state.js";
import { seedAnalyses } from "./analyses.js";
import { type CatalogIds, seedCatalog } from "./catalog.js";
import { seedData } from "./data.js";
import {
  activationCodeId,
  activationCodeKeyFor,
  seedActivationCodes,
  seedCredentialsAndSamples,
} from "./misc.js";
import { type SeedPipelineIds, seedPipelines, seedTwinActivationCodes } from "./pipelines.js";
import { type SeedProjectIds, seedProjects } from "./projects.js";

export { SEED_PROJECTS } from "./projects.js";
export type { SeedPipelineIds, SeedProjectIds };

export interface SeedSummary {
  catalog: CatalogIds;
  projects: SeedProjectIds;
  pipelines: SeedPipelineIds;
}

export function seedState(state: SandboxState): SeedSummary {
  const rng = new Rng(state.seed);
  const catalog = seedCatalog(state);
  const projects = seedProjects(state, catalog);
  const pipelines = seedPipelines(state, catalog, projects);
  const creators = {
    wgs: catalog.users.alex,
    oncology: catalog.users.priya,
    rna: catalog.users.jonas,
    training: catalog.users.sandbox,
    archive: catalog.users.alex,
    singleCell: catalog.users.jonas,
    pgx: catalog.users.priya,
  };
  const data = seedData(state, rng, projects, creators);
  const codeIds = new Map<string, string>();
  seedAnalyses(state, rng, catalog, projects, pipelines, data, (key) => {
    const cached = codeIds.get(key);
    if (cached !== undefined) return cached;
    const id = activationCodeId(state.seed, activationCodeKeyFor(key));
    codeIds.set(key, id);
    return id;
  });
  seedActivationCodes(state, catalog, pipelines.ids);
  seedTwinActivationCodes(state, catalog, pipelines.ids);
  seedCredentialsAndSamples(state, catalog, projects, data);
  return { catalog, projects, pipelines: pipelines.ids };
}

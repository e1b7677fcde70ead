/** Tenant-wide catalog: users, regions, analysis storages and data formats. */
import { SANDBOX_USER_EMAIL, SANDBOX_USER_PASSWORD } from "../auth.js";
import { BASE_TIME, iso } from "../clock.js";
import { stableUuid } from "../prng.js";
import type { SandboxState } from "../state.js";

const DAY = 86_400_000;

export interface CatalogIds {
  users: { sandbox: string; alex: string; priya: string; jonas: string };
  regions: { us: string; eu: string };
  storages: { small: string; medium: string; large: string; xlarge: string };
}

export function seedCatalog(state: SandboxState): CatalogIds {
  const seed = state.seed;
  const created = iso(BASE_TIME - 700 * DAY);

  const user = (
    key: string,
    email: string,
    firstname: string,
    lastname: string,
    admin: boolean,
    password?: string,
  ) =>
    state.users.insert({
      id: stableUuid(seed, `user:${key}`),
      username: email,
      email,
      firstname,
      lastname,
      active: true,
      tenantAdministrator: admin,
      emailVerified: true,
      twoFactorAuthentication: admin,
      timeCreated: created,
      timeModified: created,
      ...(password ? { password } : {}),
    }).id;
  const users = {
    sandbox: user("sandbox", SANDBOX_USER_EMAIL, "Sam", "Sandbox", true, SANDBOX_USER_PASSWORD),
    alex: user("alex", "alex.rivera@example.com", "Alex", "Rivera", false),
    priya: user("priya", "priya.natarajan@example.com", "Priya", "Natarajan", false),
    jonas: user("jonas", "jonas.becker@example.com", "Jonas", "Becker", false),
  };
  state.defaultUserId = users.sandbox;

  const region = (key: string, code: string, cityName: string, country: [string, string, string]) =>
    state.regions.insert({
      id: stableUuid(seed, `region:${key}`),
      code,
      cityName,
      country: {
        id: stableUuid(seed, `country:${country[0]}`),
        code: country[0],
        name: country[1],
        region: country[2],
      },
      timeCreated: created,
      timeModified: created,
    }).id;
  const regions = {
    us: region("us", "aws-us-east-1", "Virginia", ["US", "United States", "North America"]),
    eu: region("eu", "aws-eu-central-1", "Frankfurt", ["DE", "Germany", "Europe"]),
  };

  const storage = (key: string, name: string, description: string) =>
    state.analysisStorages.insert({
      id: stableUuid(seed, `storage:${key}`),
      name,
      description,
      timeCreated: created,
      timeModified: created,
    }).id;
  const storages = {
    small: storage("small", "Small", "1.2 TB"),
    medium: storage("medium", "Medium", "2.4 TB"),
    large: storage("large", "Large", "7.2 TB"),
    xlarge: storage("xlarge", "XLarge", "14.4 TB"),
  };

  const formats: [string, string, string][] = [
    ["FASTQ", "FASTQ sequence reads (usually gzip-compressed)", "application/gzip"],
    ["BAM", "Binary Alignment Map", "application/octet-stream"],
    ["CRAM", "Compressed Reference-oriented Alignment Map", "application/octet-stream"],
    ["VCF", "Variant Call Format", "text/plain"],
    ["BED", "Browser Extensible Data regions", "text/plain"],
    ["CSV", "Comma-separated values", "text/csv"],
    ["TSV", "Tab-separated values", "text/tab-separated-values"],
    ["TXT", "Plain text", "text/plain"],
    ["HTML", "HTML report", "text/html"],
    ["JSON", "JSON document", "application/json"],
    ["PDF", "PDF document", "application/pdf"],
    ["TAR", "Tar archive", "application/x-tar"],
    ["FASTA", "FASTA reference sequence", "text/plain"],
    ["GTF", "Gene transfer format annotation", "text/plain"],
    ["UNKNOWN", "Unknown format", "application/octet-stream"],
  ];
  for (const [code, description, mimeType] of formats) {
    state.formats.insert({
      id: stableUuid(seed, `format:${code}`),
      code,
      description,
      mimeType,
      timeCreated: created,
      timeModified: created,
    });
  }
  return { users, regions, storages };
}

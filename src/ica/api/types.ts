/**
 * The parts of ICA's response objects that the tools read. Deliberately loose (everything optional beyond
 * ids): ICA adds fields between releases, and a missing optional field must not break a listing.
 */
export interface IcaRegion {
  id: string;
  code?: string;
  cityName?: string;
  country?: { code?: string; name?: string };
}

export interface IcaProject {
  id: string;
  name: string;
  urn?: string | null;
  active?: boolean;
  shortDescription?: string | null;
  information?: string | null;
  region?: IcaRegion;
  billingMode?: string;
  dataSharingEnabled?: boolean | null;
  analysisPriority?: string | null;
  tags?: { technicalTags?: string[]; userTags?: string[] };
  timeCreated?: string;
  timeModified?: string;
  ownerId?: string;
}

/** Checks referenceDataParameters of a launch against the pipeline's inputs and reference sets. */
import type { IcaInputParameter } from "../../ica/api/pipelines.js";
import type { IcaReferenceSet } from "../../ica/api/reference-sets.js";

export function checkReferenceData(
  given: { parameterCode: string; referenceDataId: string }[],
  inputDefs: IcaInputParameter[],
  sets: IcaReferenceSet[] | undefined,
  problems: string[],
): { parameterCode: string; referenceDataId: string }[] {
  if (given.length === 0) return [];
  const codes = new Set(inputDefs.map((d) => d.code));
  const known = new Map<string, string>();
  for (const s of sets ?? []) {
    for (const d of s.referenceDataList?.items ?? []) {
      if (d?.id)
        known.set(d.id, `${d.name ?? d.id}${d.version ? ` ${d.version}` : ""} (set ${s.name ?? s.id})`);
    }
  }
  const shown = [...known.entries()]
    .slice(0, 10)
    .map(([id, label]) => `${id} = ${label}`)
    .join("; ");
  const out: { parameterCode: string; referenceDataId: string }[] = [];
  for (const r of given) {
    let ok = true;
    if (!codes.has(r.parameterCode)) {
      problems.push(
        `referenceData: "${r.parameterCode}" is not an input of this pipeline; its inputs: ${[...codes].join(", ")}`,
      );
      ok = false;
    }
    if (!known.has(r.referenceDataId)) {
      problems.push(
        known.size === 0
          ? `referenceData: this pipeline has no reference sets in this project, so "${r.referenceDataId}" cannot be used; give the input as data instead`
          : `referenceData: "${r.referenceDataId}" is not in this pipeline's reference sets; choose one of: ${shown} (ica_get_pipeline lists them)`,
      );
      ok = false;
    }
    if (ok) out.push({ parameterCode: r.parameterCode, referenceDataId: r.referenceDataId });
  }
  return out;
}

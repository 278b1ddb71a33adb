// What alerts say about PHI: the categories and FHIR types of the events that triggered a finding,
// merged. Detectors call these with values from events only, so they stay pure.
import { PhiCategorySchema, type Phi, type PhiCategory } from '../contracts/index.js';
import { sortedCategories } from './found.js';

export interface PhiEvidence {
  categories: PhiCategory[];
  resourceTypes: string[];
}

/**
 * Merges the PHI of several events (or an earlier merge and a new event). Undefined when none of
 * them had anything found: an alert without PHI evidence has no `phi` key at all.
 */
export function mergePhi(values: readonly (Phi | PhiEvidence | undefined)[]): PhiEvidence | undefined {
  let categories: Set<PhiCategory> | undefined;
  let types: Set<string> | undefined;
  for (const v of values) {
    if (v === undefined || v.categories.length === 0) continue;
    categories ??= new Set();
    types ??= new Set();
    for (const c of v.categories) categories.add(c);
    for (const t of v.resourceTypes) types.add(t);
  }
  if (categories === undefined || types === undefined) return undefined;
  return { categories: sortedCategories(categories), resourceTypes: [...types].sort() };
}

/**
 * `acc` with one more event's PHI merged in, for detectors that aggregate over a window. Returns
 * `acc` itself (no allocation) when the event adds nothing new, which is the usual case.
 */
export function addPhi(acc: PhiEvidence | undefined, phi: Phi | undefined): PhiEvidence | undefined {
  if (phi === undefined || phi.categories.length === 0) return acc;
  if (acc !== undefined && phi.categories.every((c) => acc.categories.includes(c)) && phi.resourceTypes.every((t) => acc.resourceTypes.includes(t))) {
    return acc;
  }
  return mergePhi([acc, phi]);
}

const LABEL: Record<PhiCategory, string | undefined> = {
  // The resource types name it better than the category does.
  'fhir-resource': undefined,
  name: 'name',
  dob: 'date of birth',
  ssn: 'SSN',
  mrn: 'MRN',
  npi: 'NPI',
};

/** " including PHI (Patient, Observation, SSN)" for a summary sentence, or '' when there is none. */
export function phiPhrase(phi: PhiEvidence | undefined): string {
  if (phi === undefined) return '';
  const parts = [...phi.resourceTypes];
  for (const c of phi.categories) {
    const label = LABEL[c];
    if (label !== undefined) parts.push(label);
  }
  return parts.length === 0 ? '' : ` including PHI (${parts.join(', ')})`;
}

/** `{ phi }` to spread into evidence, or `{}`: absent rather than empty when nothing was found. */
export function phiEvidence(phi: PhiEvidence | undefined): { phi?: PhiEvidence } {
  return phi === undefined ? {} : { phi };
}

/**
 * Reads back a `PhiEvidence` saved in a baseline row (JSON), or undefined for anything that is not
 * one: detectors keep the current window's PHI in their snapshots so a restored window still says so.
 */
export function decodePhiEvidence(v: unknown): PhiEvidence | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { categories, resourceTypes } = v as Partial<Record<keyof PhiEvidence, unknown>>;
  if (!Array.isArray(categories) || !Array.isArray(resourceTypes) || !resourceTypes.every((t) => typeof t === 'string' && t !== '')) return undefined;
  const cats: PhiCategory[] = [];
  for (const c of categories) {
    const parsed = PhiCategorySchema.safeParse(c);
    if (!parsed.success) return undefined;
    cats.push(parsed.data);
  }
  return { categories: cats, resourceTypes: [...(resourceTypes as string[])] };
}

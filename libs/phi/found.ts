import type { Phi, PhiCategory } from '../contracts/index.js';

/** What one classification collects before it is turned into the compact `Phi` value. */
export interface Found {
  categories: Set<PhiCategory>;
  resourceTypes: Set<string>;
}

export function newFound(): Found {
  return { categories: new Set(), resourceTypes: new Set() };
}

/** Report order: the strongest signal first, so summaries and stored arrays read the same everywhere. */
export const CATEGORY_ORDER: readonly PhiCategory[] = ['fhir-resource', 'name', 'dob', 'ssn', 'mrn', 'npi'];

export function sortedCategories(set: ReadonlySet<PhiCategory>): PhiCategory[] {
  return CATEGORY_ORDER.filter((c) => set.has(c));
}

/** Builds the compact value; `in` lists the bodies in which something was found. */
export function toPhi(found: Found, inBodies: Phi['in']): Phi {
  return { categories: sortedCategories(found.categories), resourceTypes: [...found.resourceTypes].sort(), in: inBodies };
}

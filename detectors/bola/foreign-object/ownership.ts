import { hllAdd, hllCount, newHll, type Hll } from '../../../libs/baseline/index.js';

/**
 * Who owns an object, relative to one cohort (same app + scope set). Ownership only means
 * something between peers: a patient app's users must not read each other's objects, while an
 * Observation a clinician wrote is legitimately read by the patient it is about (another cohort)
 * and by the next clinician (same cohort, but clinicians are learned to share).
 */
export type OwnershipSource = 'created' | 'patient_claim' | 'sole_reader';

export interface Holding {
  cohort: string;
  owner: string;
  source: OwnershipSource;
  /** Event time the owner first used the object. */
  since: number;
  /** Distinct principals of the cohort that used it, owner first (capped: see `remember`). */
  accessors: string[];
}

/** How much one cohort shares objects of one type, learned from its own traffic. */
export interface TypeShare {
  /** Objects of this type the cohort started using. */
  objects: number;
  /** Of them, objects a second principal of the cohort used without being flagged. */
  shared: number;
}

export interface CohortShare {
  principals: Hll;
  types: Map<string, TypeShare>;
}

/** Types remembered per cohort: FHIR has ~150, custom APIs a few dozen collections. */
const TYPES_CAP = 512;
/** Past this many objects the counts are halved, so the share rate follows change (a new feature). */
const DECAY_AT = 50_000;

export function newCohortShare(): CohortShare {
  return { principals: newHll(8), types: new Map() };
}

export function seePrincipal(c: CohortShare, principal: string): void {
  hllAdd(c.principals, principal);
}

export function principalsOf(c: CohortShare): number {
  return hllCount(c.principals);
}

/** The cohort's tally for a type, or undefined once the cohort holds TYPES_CAP types. */
export function typeShareOf(c: CohortShare, type: string): TypeShare | undefined {
  const hit = c.types.get(type);
  if (hit !== undefined || c.types.size >= TYPES_CAP) return hit;
  const fresh: TypeShare = { objects: 0, shared: 0 };
  c.types.set(type, fresh);
  return fresh;
}

export function countObject(t: TypeShare): void {
  t.objects++;
  if (t.objects >= DECAY_AT) {
    t.objects = Math.floor(t.objects / 2);
    t.shared = Math.floor(t.shared / 2);
  }
}

export function shareRate(t: TypeShare): number {
  return t.objects === 0 ? 0 : t.shared / t.objects;
}

/** Adds a principal to a holding, keeping at most `cap` (enough to know the object is shared). */
export function remember(h: Holding, principal: string, cap: number): void {
  if (h.accessors.length < cap) h.accessors.push(principal);
}

import { hllAdd, hllCount, newHll, type Hll } from '../../../libs/baseline/index.js';

/**
 * Who owns an object, relative to one cohort (same app + scope set). Ownership only means
 * something between peers: a patient app's users must not read each other's objects, while an
 * Observation a clinician wrote is legitimately read by the patient it is about (another cohort)
 * and by the next clinician (same cohort, but clinicians are learned to share).
 */
/**
 * - `created`: the principal created it (201 Location).
 * - `patient_claim`: the Patient a SMART patient claim binds the principal to.
 * - `sole_reader`: the first to use it, nobody else since: not an owner yet.
 * - `regular_reader`: a sole reader that came back to it at least `ownershipLearningSeconds` after
 *   its first use, with nobody else in between: the object is part of its own, recurring business
 *   (a patient's documents, a member's claims). A work item handled once (a call-centre agent's
 *   caller, an admin's ticket) never becomes one, so the next colleague to handle it is no thief.
 */
export type OwnershipSource = 'created' | 'patient_claim' | 'sole_reader' | 'regular_reader';

/**
 * One object's ownership in one cohort. Kept lean: there is one per object the detector remembers
 * (`objectCap`), and most objects are only ever used by their owner.
 */
export interface Holding {
  /** The cohort's key, the string its `CohortShare` holds (one copy per cohort, not per object). */
  cohort: string;
  owner: string;
  source: OwnershipSource;
  /** Event time the owner first used (or created) the object: when this ownership began. */
  since: number;
  /**
   * Other principals of the cohort that used it, in order; undefined until a second one does.
   * With the owner, at most `sharedMinAccessors` (see `remember`).
   */
  readers: string[] | undefined;
  /** The same object's holding in another cohort (rare: a chain, not an array per object). */
  next: Holding | undefined;
}

/** One string per object, grouping a restore's claims; split back at the first NUL (types never hold one). */
export function objectKey(type: string, id: string): string {
  return `${type}\u0000${id}`;
}

export function newHolding(cohort: string, owner: string, source: OwnershipSource, since: number, next: Holding | undefined): Holding {
  return { cohort, owner, source, since, readers: undefined, next };
}

/** This cohort's holding in an object's chain. */
export function holdingOf(head: Holding | undefined, cohort: string): Holding | undefined {
  for (let h = head; h !== undefined; h = h.next) if (h.cohort === cohort) return h;
  return undefined;
}

/** Principals of the cohort known to have used the object, owner included. */
export function accessorCount(h: Holding): number {
  return h.readers === undefined ? 1 : 1 + h.readers.length;
}

export function usedBy(h: Holding, principal: string): boolean {
  return h.owner === principal || (h.readers !== undefined && h.readers.includes(principal));
}

/** A sole reader back at its object after `learningMs`, nobody else having used it, owns it from now on. */
export function confirmRegular(h: Holding, principal: string, ts: number, learningMs: number): void {
  if (h.source === 'sole_reader' && h.owner === principal && h.readers === undefined && ts - h.since >= learningMs) h.source = 'regular_reader';
}

/** A creation (or a restored newer ownership) starts the object's life anew. */
export function reown(h: Holding, owner: string, source: OwnershipSource, since: number): void {
  h.owner = owner;
  h.source = source;
  h.since = since;
  h.readers = undefined;
}

/** How much one cohort shares objects of one type, learned from its own traffic. */
export interface TypeShare {
  /** Objects of this type the cohort started using. */
  objects: number;
  /** Of them, objects a second principal of the cohort used without being flagged. */
  shared: number;
}

export interface CohortShare {
  /** The cohort key, shared by the cohort's holdings. */
  readonly key: string;
  principals: Hll;
  types: Map<string, TypeShare>;
  /** Event time of the cohort's first and last event (snapshot row metadata only). */
  firstTs: number;
  lastTs: number;
}

/** Types remembered per cohort: FHIR has ~150, custom APIs a few dozen collections. */
export const TYPES_CAP = 512;
/** Past this many objects the counts are halved, so the share rate follows change (a new feature). */
const DECAY_AT = 50_000;

/** Precision of the cohort's principal count (256 B); restored sketches must match it. */
export const PRINCIPALS_HLL_PRECISION = 8;

export function newCohortShare(key: string, ts: number): CohortShare {
  return { key, principals: newHll(PRINCIPALS_HLL_PRECISION), types: new Map(), firstTs: ts, lastTs: ts };
}

export function seePrincipal(c: CohortShare, principal: string, ts: number): void {
  hllAdd(c.principals, principal);
  if (ts > c.lastTs) c.lastTs = ts;
  if (ts < c.firstTs) c.firstTs = ts;
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

/**
 * Adds a principal (not already known) to a holding, keeping at most `cap` with the owner (enough
 * to know the object is shared). NOTE: copies rather than pushes: a push onto a small array
 * reserves room for 16 more, and most holdings never gain a second reader.
 */
export function remember(h: Holding, principal: string, cap: number): void {
  if (accessorCount(h) >= cap) return;
  h.readers = h.readers === undefined ? [principal] : [...h.readers, principal];
}

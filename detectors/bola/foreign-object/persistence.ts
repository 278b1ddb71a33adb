import { decodeHll, encodeHll, parseRowState, type BaselineSnapshot } from '../../../libs/baseline/index.js';
import type { BoundedCache, PairCache } from '../../../libs/cache/index.js';
import {
  PRINCIPALS_HLL_PRECISION,
  TYPES_CAP,
  holdingOf,
  newHolding,
  objectKey,
  reown,
  type CohortShare,
  type Holding,
  type OwnershipSource,
  type TypeShare,
} from './ownership.js';

export interface ForeignObjectState {
  /** (type, id) -> the object's holding in each cohort that used it (a chain). */
  objects: PairCache<Holding>;
  /** Cohort key -> how the cohort shares each type. */
  cohorts: BoundedCache<CohortShare>;
}

/**
 * Rows. Memory is indexed by object; rows are per principal, so that they move with it on a Kafka
 * handoff: a principal's row holds, per cohort, the objects it owns and the objects it used after
 * their owner (the README's "Persistence"). Restoring rebuilds the object index from them.
 *
 * NOTE: a read is saved in the reader's row, not the owner's, so that an event changes only its own
 * principal's row (and cohort rows): the incremental snapshot writes exactly the principals that saw
 * an event. A read names the `since` of the ownership it joined; a re-creation starts a new one.
 */
type Owned = [type: string, id: string, source: OwnershipSource, since: number];
type Read = [type: string, id: string, since: number];
interface CohortPart {
  cohort: string;
  owns: Owned[];
  reads: Read[];
}
interface PrincipalRow {
  cohorts: CohortPart[];
}
interface CohortRow {
  /** The cohort's HyperLogLog of principals (`encodeHll`). */
  principals: string;
  /** [type, objects, shared], in the order the cohort met them. */
  types: [type: string, objects: number, shared: number][];
}

export function snapshot(detector: string, state: ForeignObjectState, version: number, principals?: ReadonlySet<string>): BaselineSnapshot[] {
  const byPrincipal = new Map<string, { parts: Map<string, CohortPart>; firstTs: number; lastTs: number; entries: number }>();
  const partOf = (who: string, h: Holding): CohortPart => {
    let row = byPrincipal.get(who);
    if (row === undefined) {
      row = { parts: new Map(), firstTs: h.since, lastTs: h.since, entries: 0 };
      byPrincipal.set(who, row);
    }
    row.firstTs = Math.min(row.firstTs, h.since);
    row.lastTs = Math.max(row.lastTs, h.since);
    row.entries++;
    let part = row.parts.get(h.cohort);
    if (part === undefined) {
      part = { cohort: h.cohort, owns: [], reads: [] };
      row.parts.set(h.cohort, part);
    }
    return part;
  };
  // NOTE: one pass over the object index whatever `principals` holds: it is indexed by object.
  for (const [type, id, head] of state.objects.entries()) {
    for (let h: Holding | undefined = head; h !== undefined; h = h.next) {
      if (principals === undefined || principals.has(h.owner)) partOf(h.owner, h).owns.push([type, id, h.source, h.since]);
      for (const r of h.readers ?? []) if (principals === undefined || principals.has(r)) partOf(r, h).reads.push([type, id, h.since]);
    }
  }
  const rows: BaselineSnapshot[] = [];
  for (const [key, row] of byPrincipal) {
    const state: PrincipalRow = { cohorts: [...row.parts.values()] };
    rows.push({ detector, scope: 'principal', key, version, firstTs: row.firstTs, lastTs: row.lastTs, events: row.entries, state: JSON.stringify(state) });
  }
  for (const [key, c] of state.cohorts.entries()) {
    const cohort: CohortRow = { principals: encodeHll(c.principals), types: [...c.types].map(([t, s]) => [t, s.objects, s.shared]) };
    let objects = 0;
    for (const s of c.types.values()) objects += s.objects;
    rows.push({ detector, scope: 'cohort', key, version, firstTs: c.firstTs, lastTs: c.lastTs, events: objects, state: JSON.stringify(cohort) });
  }
  return rows;
}

/** One ownership of an object in a cohort, as rows (or memory) tell it, with the readers it had. */
interface Claim {
  owner: string;
  source: OwnershipSource;
  since: number;
  readers: string[];
}

/**
 * Takes this detector's rows that decode (cohort rows only for cohorts this instance has not met
 * itself). Ownerships of one object in one cohort from several rows, or from rows and memory, are
 * merged (`merge`), so a stale row or another instance's view never makes the owner a stranger.
 */
export function restore(detector: string, state: ForeignObjectState, rows: readonly BaselineSnapshot[], cap: number): number {
  let taken = 0;
  const interned = new Map<string, string>();
  for (const r of rows) {
    if (r.detector !== detector || r.scope !== 'cohort') continue;
    const c = decodeCohort(parseRowState(r), r.key, r.firstTs, r.lastTs);
    if (c === undefined) continue;
    taken++;
    if (state.cohorts.get(r.key) === undefined) state.cohorts.set(r.key, c);
  }
  // One string per cohort key, shared by its holdings (the CohortShare's when there is one).
  const intern = (key: string): string => {
    let k = interned.get(key);
    if (k === undefined) {
      k = state.cohorts.get(key)?.key ?? key;
      interned.set(key, k);
    }
    return k;
  };
  // object key -> cohort -> claims, from the owners' rows; then the reads join the claim they name.
  const claims = new Map<string, Map<string, Claim[]>>();
  const reads: { object: string; cohort: string; since: number; reader: string }[] = [];
  for (const r of rows) {
    if (r.detector !== detector || r.scope !== 'principal') continue;
    const row = decodePrincipal(parseRowState(r));
    if (row === undefined) continue;
    taken++;
    for (const part of row.cohorts) {
      const cohort = intern(part.cohort);
      for (const [type, id, source, since] of part.owns) {
        const object = objectKey(type, id);
        let perCohort = claims.get(object);
        if (perCohort === undefined) {
          perCohort = new Map<string, Claim[]>();
          claims.set(object, perCohort);
        }
        const list = perCohort.get(cohort);
        const claim: Claim = { owner: r.key, source, since, readers: [] };
        if (list === undefined) perCohort.set(cohort, [claim]);
        else list.push(claim);
      }
      for (const [type, id, since] of part.reads) reads.push({ object: objectKey(type, id), cohort, since, reader: r.key });
    }
  }
  for (const x of reads) {
    const claim = claims.get(x.object)?.get(x.cohort)?.find((c) => c.since === x.since);
    // A read of an ownership no row (any longer) holds: that ownership ended, and the read with it.
    if (claim !== undefined) addReader(claim, x.reader, cap);
  }
  const merged: { type: string; id: string; cohort: string; claim: Claim }[] = [];
  for (const [object, perCohort] of claims) {
    const cut = object.indexOf('\u0000');
    const type = object.slice(0, cut);
    const id = object.slice(cut + 1);
    for (const [cohort, list] of perCohort) merged.push({ type, id, cohort, claim: list.reduce((a, b) => merge(a, b, cap)) });
  }
  // Oldest ownership first, so the most recent end up youngest in the object index's eviction order.
  merged.sort((a, b) => a.claim.since - b.claim.since);
  for (const { type, id, cohort, claim } of merged) place(state, type, id, cohort, claim, cap);
  return taken;
}

function place(state: ForeignObjectState, type: string, id: string, cohort: string, claim: Claim, cap: number): void {
  const head = state.objects.get(type, id);
  const h = holdingOf(head, cohort);
  if (h === undefined) {
    const fresh = newHolding(cohort, claim.owner, claim.source, claim.since, undefined);
    fresh.readers = exact(claim.readers);
    if (head === undefined) state.objects.set(type, id, fresh);
    else {
      fresh.next = head.next;
      head.next = fresh;
    }
    return;
  }
  const live: Claim = { owner: h.owner, source: h.source, since: h.since, readers: h.readers === undefined ? [] : [...h.readers] };
  const won = merge(live, claim, cap);
  if (won !== live) reown(h, won.owner, won.source, won.since);
  h.readers = exact(won.readers);
}

/**
 * Two ownerships of one object in one cohort: rows saved at different times (the object was
 * re-created, or forgotten and used anew, after an older row was written), or two instances that
 * each saw the object first among their own principals. A creation after the other began ended it,
 * so the later wins whole; otherwise it is one life of the object, owned by whoever used it first,
 * and the other claim's principals used it after them (readers, up to the cap).
 */
function merge(a: Claim, b: Claim, cap: number): Claim {
  const [early, late] = a.since <= b.since ? [a, b] : [b, a];
  if (late.source === 'created' && late.since > early.since) return late;
  addReader(early, late.owner, cap);
  for (const r of late.readers) addReader(early, r, cap);
  return early;
}

/** Memory's form of a reader list: undefined when empty, else an array of exactly its length. */
function exact(readers: string[]): string[] | undefined {
  return readers.length > 0 ? readers.slice() : undefined;
}

function addReader(c: Claim, who: string, cap: number): void {
  if (who === c.owner || c.readers.includes(who) || 1 + c.readers.length >= cap) return;
  c.readers.push(who);
}

/**
 * Drops the objects these principals own (their rows now load on the instance their partition moved
 * to). Reads they made of objects owned here stay: they are part of those objects' record.
 */
export function forget(state: ForeignObjectState, principals: ReadonlySet<string>): void {
  const changed: [type: string, id: string, kept: Holding | undefined][] = [];
  for (const [type, id, head] of state.objects.entries()) {
    let kept: Holding | undefined;
    let last: Holding | undefined;
    let dropped = false;
    for (let h: Holding | undefined = head; h !== undefined; h = h.next) {
      if (principals.has(h.owner)) {
        dropped = true;
        continue;
      }
      if (last === undefined) kept = h;
      else last.next = h;
      last = h;
    }
    if (!dropped) continue;
    if (last !== undefined) last.next = undefined;
    changed.push([type, id, kept]);
  }
  // NOTE: applied after the walk, and in place: forgetting must not reorder or evict other objects.
  for (const [type, id, kept] of changed) {
    if (kept === undefined) state.objects.delete(type, id);
    else state.objects.replace(type, id, kept);
  }
}

/** Memory budget measurement: the object index and each cohort's type tallies are the capped sets. */
export function clearCapped(state: ForeignObjectState): void {
  state.objects.clear();
  for (const [, c] of state.cohorts.entries()) c.types.clear();
}

const SOURCES: ReadonlySet<string> = new Set<OwnershipSource>(['created', 'patient_claim', 'sole_reader', 'regular_reader']);
const isTs = (v: unknown): v is number => Number.isSafeInteger(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
// A type splits the object key at its first NUL, so it must not hold one.
const isType = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && !v.includes('\u0000');
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function isOwned(v: unknown): v is Owned {
  return Array.isArray(v) && v.length === 4 && isType(v[0]) && isId(v[1]) && typeof v[2] === 'string' && SOURCES.has(v[2]) && isTs(v[3]);
}

function isRead(v: unknown): v is Read {
  return Array.isArray(v) && v.length === 3 && isType(v[0]) && isId(v[1]) && isTs(v[2]);
}

function isPart(v: unknown): v is CohortPart {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<Record<keyof CohortPart, unknown>>;
  return isId(p.cohort) && Array.isArray(p.owns) && p.owns.every(isOwned) && Array.isArray(p.reads) && p.reads.every(isRead);
}

/** Undefined for anything but a well-formed row: the row is skipped, never trusted. */
function decodePrincipal(v: unknown): PrincipalRow | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const cohorts = (v as { cohorts?: unknown }).cohorts;
  return Array.isArray(cohorts) && cohorts.every(isPart) ? { cohorts } : undefined;
}

function decodeCohort(v: unknown, key: string, firstTs: number, lastTs: number): CohortShare | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { principals, types } = v as Partial<Record<keyof CohortRow, unknown>>;
  const hll = typeof principals === 'string' ? decodeHll(principals) : undefined;
  if (hll === undefined || hll.precision !== PRINCIPALS_HLL_PRECISION || !Array.isArray(types) || types.length > TYPES_CAP) return undefined;
  const tallies = new Map<string, TypeShare>();
  for (const t of types as unknown[]) {
    if (!Array.isArray(t) || t.length !== 3 || !isId(t[0]) || !isCount(t[1]) || !isCount(t[2]) || tallies.has(t[0])) return undefined;
    tallies.set(t[0], { objects: t[1], shared: t[2] });
  }
  return { key, principals: hll, types: tallies, firstTs, lastTs };
}

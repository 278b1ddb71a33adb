import { parseRowState, type BaselineSnapshot } from '../../../libs/baseline/index.js';
import { createBoundedCache, type BoundedCache } from '../../../libs/cache/index.js';

/**
 * Where a principal's use of one object type stands (`Slot.phase`):
 * - `learning`: one id so far, not yet stable (the principal's own once used `minUses` times);
 * - `single`: one id, used `minUses` times over at least `stableSeconds`: counted in its cohort's
 *   `singles`;
 * - `flagged`: bound to one id, then used another while its cohort was singular (a finding):
 *   counted in `multis` instead, still bound, so each further foreign use is flagged too;
 * - `multi`: used two ids without a finding: counted in `multis`, never bound.
 */
export type Phase = 'learning' | 'single' | 'flagged' | 'multi';

/** One principal's use of one type, in one context (app and patient claim). Chained per principal. */
export interface Slot {
  /** The SMART patient claim (a token) when there is one, else the app: a parent's token for a child is another context. */
  ctx: string;
  type: string;
  /** Token of the first id used (the events' tokens, never a raw id). */
  id: string;
  /** A second own id, taken on after a pause (index.ts `switchGapSeconds`); at most one. */
  second?: string;
  uses: number;
  firstTs: number;
  lastTs: number;
  phase: Phase;
  next: Slot | undefined;
}

/** Per cohort and type: principals that kept to one id of it, and those that used several. */
export interface Tally {
  cohort: string;
  type: string;
  singles: number;
  multis: number;
  lastTs: number;
}

export interface SubjectContextState {
  /** By principal id; saved in its principal row, so it moves with the principal's partition. */
  principals: BoundedCache<Slot>;
  /** By tallyKey(cohort, type); saved in cohort rows. */
  tallies: BoundedCache<Tally>;
}

export function newState(principalCap: number, tallyCap: number): SubjectContextState {
  return { principals: createBoundedCache<Slot>(principalCap), tallies: createBoundedCache<Tally>(tallyCap) };
}

export function tallyKey(cohort: string, type: string): string {
  return `${type}@${cohort}`;
}

export function findSlot(head: Slot | undefined, ctx: string, type: string): Slot | undefined {
  for (let s = head; s !== undefined; s = s.next) if (s.type === type && s.ctx === ctx) return s;
  return undefined;
}

// ---- Snapshot rows. Principal rows: `{ slots: [[ctx, type, id, uses, firstTs, lastTs, phase, second?], ...] }`
// (`second` only when there is one; rows without it are read as before). Cohort rows: the tally.
// Ids are the events' tokens.

type EncodedSlot = [string, string, string, number, number, number, Phase] | [string, string, string, number, number, number, Phase, string];
const PHASES: ReadonlySet<string> = new Set<Phase>(['learning', 'single', 'flagged', 'multi']);

export function snapshotRows(detector: string, state: SubjectContextState, version: number, select?: ReadonlySet<string>): BaselineSnapshot[] {
  const rows: BaselineSnapshot[] = [];
  const emit = (key: string, head: Slot | undefined): void => {
    if (head === undefined) return;
    const slots: EncodedSlot[] = [];
    let firstTs = Number.MAX_SAFE_INTEGER;
    let lastTs = 0;
    let uses = 0;
    for (let s: Slot | undefined = head; s !== undefined; s = s.next) {
      slots.push(s.second === undefined ? [s.ctx, s.type, s.id, s.uses, s.firstTs, s.lastTs, s.phase] : [s.ctx, s.type, s.id, s.uses, s.firstTs, s.lastTs, s.phase, s.second]);
      firstTs = Math.min(firstTs, s.firstTs);
      lastTs = Math.max(lastTs, s.lastTs);
      uses += s.uses;
    }
    rows.push({ detector, scope: 'principal', key, version, firstTs, lastTs, events: uses, state: JSON.stringify({ slots }) });
  };
  // NOTE: peek, not get: a snapshot is not activity and must not change what is evicted first.
  if (select !== undefined) for (const key of select) emit(key, state.principals.peek(key));
  else for (const [key, head] of state.principals.entries()) emit(key, head);
  for (const [key, t] of state.tallies.entries()) {
    rows.push({ detector, scope: 'cohort', key, version, firstTs: t.lastTs, lastTs: t.lastTs, events: t.singles + t.multis, state: JSON.stringify(t) });
  }
  return rows;
}

/**
 * Takes this detector's rows, oldest first; skips rows that do not decode. A cohort row is taken
 * only for a tally this instance does not hold: its own is newer than any saved one.
 */
export function restoreRows(detector: string, state: SubjectContextState, rows: readonly BaselineSnapshot[]): number {
  let taken = 0;
  const mine = rows.filter((r) => r.detector === detector).sort((a, b) => a.lastTs - b.lastTs);
  for (const r of mine) {
    const v = parseRowState(r);
    if (r.scope === 'principal') {
      const head = decodeSlots(v);
      if (head === undefined) continue;
      state.principals.set(r.key, head);
      taken++;
    } else {
      const t = decodeTally(v);
      if (t === undefined || tallyKey(t.cohort, t.type) !== r.key) continue;
      if (state.tallies.peek(r.key) === undefined) state.tallies.set(r.key, t);
      taken++;
    }
  }
  return taken;
}

function decodeSlots(v: unknown): Slot | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const slots = (v as { slots?: unknown }).slots;
  if (!Array.isArray(slots) || slots.length === 0) return undefined;
  let head: Slot | undefined;
  let tail: Slot | undefined;
  for (const e of slots as unknown[]) {
    const s = decodeSlot(e);
    if (s === undefined || findSlot(head, s.ctx, s.type) !== undefined) return undefined;
    if (tail === undefined) head = s;
    else tail.next = s;
    tail = s;
  }
  return head;
}

function decodeSlot(e: unknown): Slot | undefined {
  if (!Array.isArray(e) || (e.length !== 7 && e.length !== 8)) return undefined;
  const [ctx, type, id, uses, firstTs, lastTs, phase, second] = e as unknown[];
  if (typeof ctx !== 'string' || typeof type !== 'string' || type === '' || typeof id !== 'string' || id === '') return undefined;
  if (!Number.isSafeInteger(uses) || (uses as number) < 1 || !Number.isSafeInteger(firstTs) || !Number.isSafeInteger(lastTs)) return undefined;
  if (typeof phase !== 'string' || !PHASES.has(phase)) return undefined;
  if (e.length === 8 && (typeof second !== 'string' || second === '' || second === id)) return undefined;
  const slot: Slot = { ctx, type, id, uses: uses as number, firstTs: firstTs as number, lastTs: lastTs as number, phase: phase as Phase, next: undefined };
  if (typeof second === 'string') slot.second = second;
  return slot;
}

function decodeTally(v: unknown): Tally | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { cohort, type, singles, multis, lastTs } = v as Record<string, unknown>;
  if (typeof cohort !== 'string' || typeof type !== 'string' || type === '') return undefined;
  if (!Number.isSafeInteger(singles) || (singles as number) < 0 || !Number.isSafeInteger(multis) || (multis as number) < 0 || !Number.isSafeInteger(lastTs)) return undefined;
  return { cohort, type, singles: singles as number, multis: multis as number, lastTs: lastTs as number };
}

import { parseRowState, type BaselineSnapshot, type SnapshotSelect } from '../../libs/baseline/index.js';
import { newCloseQueue, queuedPlaces, requeue, type CloseQueue } from './close-queue.js';
import { createBoundedCache, decodeCache, encodeCache, type BoundedCache } from '../../libs/cache/index.js';
import {
  decodeDays,
  decodeFlow,
  decodeFrom,
  decodeRepeatPop,
  decodeTarget,
  encodeDays,
  encodeFlow,
  encodeFrom,
  encodeRepeatPop,
  encodeTarget,
} from './persist.js';
import type { RepeatPopulation } from './repeats.js';
import type { CohortDays, PrincipalFlow } from './session.js';
import type { FromStats, TargetStats } from './transitions.js';

export interface FlowAbuseState {
  principals: BoundedCache<PrincipalFlow>;
  /** Cohort transitions, by `cohort|source step`. */
  from: BoundedCache<FromStats>;
  /** Cohort sessions' first arrivals at state-changing steps, by `cohort|step`. */
  targets: BoundedCache<TargetStats>;
  /** Sessions per day, by cohort: the number of sessions tested, for the multiple-comparison limit. */
  cohortDays: BoundedCache<CohortDays>;
  /** Repeats per object-window, by `cohort|step`, `*|step`, `cohort|*` and `*|* kind`. */
  repeatPops: BoundedCache<RepeatPopulation>;
  /** Principals' repeat windows in the order they end, so each teaches when it ends in event time. */
  closing: CloseQueue;
}

const PRINCIPAL_CAP = 200_000;
const STEP_CAP = 20_000;
const COHORT_CAP = 10_000;

export function newFlowAbuseState(): FlowAbuseState {
  return {
    principals: createBoundedCache<PrincipalFlow>(PRINCIPAL_CAP),
    from: createBoundedCache<FromStats>(STEP_CAP),
    targets: createBoundedCache<TargetStats>(STEP_CAP),
    cohortDays: createBoundedCache<CohortDays>(COHORT_CAP),
    repeatPops: createBoundedCache<RepeatPopulation>(STEP_CAP),
    closing: newCloseQueue(PRINCIPAL_CAP),
  };
}

/**
 * Keys of the cohort-scope rows. The population statistics are keyed by `cohort|step` inside
 * four caches whose eviction order matters, so each cache is one row under a fixed key (no cohort
 * key has this form: they always hold a `|`) rather than one row per cohort.
 */
export const POPULATION_ROWS = {
  transitions: 'population:transitions',
  arrivals: 'population:arrivals',
  sessions: 'population:sessions',
  repeats: 'population:repeats',
} as const;

type Table = { [K in keyof typeof POPULATION_ROWS]: { cache: BoundedCache<unknown>; cap: number; encode: (v: never) => unknown; decode: (v: unknown) => unknown } };

function tables(s: FlowAbuseState): Table {
  return {
    transitions: { cache: s.from, cap: STEP_CAP, encode: encodeFrom, decode: decodeFrom },
    arrivals: { cache: s.targets, cap: STEP_CAP, encode: encodeTarget, decode: decodeTarget },
    sessions: { cache: s.cohortDays, cap: COHORT_CAP, encode: encodeDays, decode: decodeDays },
    repeats: { cache: s.repeatPops, cap: STEP_CAP, encode: encodeRepeatPop, decode: decodeRepeatPop },
  };
}

/**
 * One row per principal (its session, repeats, creations and its place in the close queue) and the
 * four population rows. `repeatMs` tells which queued windows are still the principal's own.
 */
export function snapshotState(detector: string, s: FlowAbuseState, version: number, repeatMs: number, select?: SnapshotSelect): BaselineSnapshot[] {
  const places = queuedPlaces(s.closing, (who, end) => {
    const f = s.principals.peek(who);
    return f !== undefined && f.bucketStart + repeatMs === end;
  });
  const rows: BaselineSnapshot[] = [];
  const row = (key: string, f: PrincipalFlow) => {
    // A stored flow has seen a step, so lastTs is an event time; firstTs is not tracked.
    const ts = Number.isFinite(f.lastTs) ? f.lastTs : 0;
    rows.push({ detector, scope: 'principal', key, version, firstTs: ts, lastTs: ts, events: 0, state: JSON.stringify(encodeFlow(f, places.get(key))) });
  };
  if (select === undefined) {
    for (const [key, f] of s.principals.entries()) row(key, f);
  } else {
    for (const key of select.principals) {
      const f = s.principals.peek(key);
      if (f !== undefined) row(key, f);
    }
  }
  for (const [name, t] of Object.entries(tables(s))) {
    const state = JSON.stringify(encodeCache(t.cache, t.encode as (v: unknown) => unknown));
    rows.push({ detector, scope: 'cohort', key: POPULATION_ROWS[name as keyof Table], version, firstTs: 0, lastTs: 0, events: t.cache.size, state });
  }
  return rows;
}

/** Takes this detector's rows that decode; returns how many. Principals come back least recently active first. */
export function restoreState(detector: string, s: FlowAbuseState, rows: readonly BaselineSnapshot[], repeatMs: number): number {
  let taken = 0;
  const mine = rows.filter((r) => r.detector === detector);
  const saved: { key: string; lastTs: number; flow: PrincipalFlow; queued: number | undefined }[] = [];
  for (const r of mine) {
    if (r.scope !== 'principal') continue;
    const d = decodeFlow(parseRowState(r));
    if (d !== undefined) saved.push({ key: r.key, lastTs: r.lastTs, ...d });
  }
  saved.sort((a, b) => a.lastTs - b.lastTs);
  const queued: { seq: number; who: string; end: number }[] = [];
  for (const x of saved.slice(-PRINCIPAL_CAP)) {
    s.principals.set(x.key, x.flow);
    if (x.queued !== undefined && x.flow.bucketStart >= 0) queued.push({ seq: x.queued, who: x.key, end: x.flow.bucketStart + repeatMs });
    taken++;
  }
  requeue(s.closing, queued);
  const t = tables(s);
  for (const r of mine) {
    if (r.scope !== 'cohort') continue;
    const name = (Object.keys(POPULATION_ROWS) as (keyof Table)[]).find((k) => POPULATION_ROWS[k] === r.key);
    if (name === undefined) continue;
    const { cache, cap, decode } = t[name];
    if (decodeCache(parseRowState(r), cap, decode, cache) !== undefined) taken++;
  }
  return taken;
}

/** Drops these principals (their partition moved); their queued windows find no flow and are skipped. */
export function forgetPrincipals(s: FlowAbuseState, principals: ReadonlySet<string>): void {
  for (const p of principals) s.principals.delete(p);
}

/** Memory budget only: empties the capped collections (sessions' steps and anomalies, repeats, creations, statistics' maps and rings, the queue). */
export function clearCappedState(s: FlowAbuseState): void {
  for (const [, f] of s.principals.entries()) {
    f.visited.length = 0;
    f.anomalies = undefined;
    f.repeats = undefined;
    f.created = undefined;
  }
  for (const [, f] of s.from.entries()) {
    f.to.clear();
    f.principals.clear();
  }
  for (const [, t] of s.targets.entries()) {
    t.preceded.clear();
    t.principals.clear();
  }
  for (const [, p] of s.repeatPops.entries()) {
    p.values.ring.values = new Float64Array(0);
    p.principals.clear();
  }
  s.closing.items = [];
}

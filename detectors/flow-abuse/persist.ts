import { decodePopulation, encodePopulation } from '../credential-stuffing/stats.js';
import { HELD_PER_PRINCIPAL, ONGOING_CAP, POP_PRINCIPALS_CAP, POP_RING, REPEAT_CAP, TIMES_CAP, type Repeat, type RepeatPopulation } from './repeats.js';
import { ANOMALY_CAP, VISITED_CAP, type Anomaly, type CohortDays, type PrincipalFlow } from './session.js';
import { PRECEDED_CAP, PRINCIPALS_CAP, TO_CAP, type FromStats, type TargetStats } from './transitions.js';
import { CREATED_CAP, type Created } from './undo.js';

/**
 * JSON codecs of flow-abuse's state for `baselines` rows. Every decoder rejects (undefined) what
 * the detector could not have written: wrong types, collections past their caps. Values are route
 * templates, tokenized object ids, cohort keys and principal ids (the keys rows already carry).
 */

/** A principal's flow and, when a repeat window of it is queued to close, its place in the queue. */
export interface SavedFlow {
  flow: PrincipalFlow;
  queued: number | undefined;
}

export function encodeFlow(f: PrincipalFlow, queued: number | undefined): unknown {
  return {
    // NOTE: -Infinity (no step yet) is not JSON; a stored flow has always seen a step, but be safe.
    lastTs: Number.isFinite(f.lastTs) ? f.lastTs : null,
    last: f.last ?? null,
    visited: f.visited,
    judged: f.judged,
    anomalies: f.anomalies ?? [],
    alerted: f.alerted,
    repeats: f.repeats === undefined ? [] : [...f.repeats].map(([key, r]) => ({ key, ...r })),
    created: f.created === undefined ? [] : [...f.created].map(([key, c]) => ({ key, ...c })),
    bucketStart: f.bucketStart,
    pastJudged: f.pastJudged,
    pastRare: f.pastRare,
    queued: queued ?? null,
  };
}

export function decodeFlow(v: unknown): SavedFlow | undefined {
  if (!isObject(v)) return undefined;
  const { lastTs, last, visited, judged, anomalies, alerted, repeats, created, bucketStart, queued } = v;
  // Absent in rows saved before a principal's own past was kept: no past.
  const pastJudged = v.pastJudged ?? 0;
  const pastRare = v.pastRare ?? 0;
  if (!isInt(pastJudged) || !isInt(pastRare) || pastJudged < 0 || pastRare < 0 || pastRare > pastJudged) return undefined;
  if (lastTs !== null && !isInt(lastTs)) return undefined;
  if ((last !== null && !isString(last)) || !isInt(judged) || typeof alerted !== 'boolean' || !isInt(bucketStart)) return undefined;
  if ((queued !== null && !isInt(queued)) || !isStrings(visited, VISITED_CAP)) return undefined;
  const a = listOf(anomalies, ANOMALY_CAP, decodeAnomaly);
  const r = listOf(repeats, REPEAT_CAP, decodeRepeat);
  const c = listOf(created, CREATED_CAP, decodeCreated);
  if (a === undefined || r === undefined || c === undefined) return undefined;
  const flow: PrincipalFlow = {
    lastTs: lastTs === null ? Number.NEGATIVE_INFINITY : lastTs,
    last: last === null ? undefined : last,
    visited: visited.slice(),
    judged,
    anomalies: a.length === 0 ? undefined : a,
    alerted,
    repeats: r.length === 0 ? undefined : new Map(r),
    created: c.length === 0 ? undefined : new Map(c),
    bucketStart,
    pastJudged,
    pastRare,
  };
  return { flow, queued: queued === null ? undefined : queued };
}

const PATTERNS = new Set(['unseen_transition', 'rare_transition', 'skipped_step']);

function decodeAnomaly(v: unknown): Anomaly | undefined {
  if (!isObject(v)) return undefined;
  const { pattern, key, step, p, count, total } = v;
  if (!isString(pattern) || !PATTERNS.has(pattern) || !isString(key) || !isString(step)) return undefined;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1) || !isInt(count) || !isInt(total)) return undefined;
  return { pattern: pattern as Anomaly['pattern'], key, step, p, count, total };
}

function decodeRepeat(v: unknown): [string, Repeat] | undefined {
  if (!isObject(v)) return undefined;
  const { key, step, cohort, kind, times, peak, alerted } = v;
  if (!isString(key) || !isString(step) || !isString(cohort) || (kind !== 'object' && kind !== 'collection')) return undefined;
  if (!Array.isArray(times) || times.length > TIMES_CAP || !times.every(isInt) || !isInt(peak) || typeof alerted !== 'boolean') return undefined;
  return [key, { step, cohort, kind, times: times.slice(), peak, alerted }];
}

function decodeCreated(v: unknown): [string, Created] | undefined {
  if (!isObject(v)) return undefined;
  const { key, step, ts } = v;
  return isString(key) && isString(step) && isInt(ts) ? [key, { step, ts }] : undefined;
}

export const encodeFrom = (f: FromStats): unknown => ({ total: f.total, to: [...f.to], saturated: f.saturated, principals: [...f.principals] });

export function decodeFrom(v: unknown): FromStats | undefined {
  if (!isObject(v) || !isInt(v.total) || typeof v.saturated !== 'boolean') return undefined;
  const to = countsOf(v.to, TO_CAP);
  if (to === undefined || !isStrings(v.principals, PRINCIPALS_CAP)) return undefined;
  return { total: v.total, to, saturated: v.saturated, principals: new Set(v.principals) };
}

export const encodeTarget = (t: TargetStats): unknown => ({ arrivals: t.arrivals, preceded: [...t.preceded], principals: [...t.principals] });

export function decodeTarget(v: unknown): TargetStats | undefined {
  if (!isObject(v) || !isInt(v.arrivals)) return undefined;
  const preceded = countsOf(v.preceded, PRECEDED_CAP);
  if (preceded === undefined || !isStrings(v.principals, PRINCIPALS_CAP)) return undefined;
  return { arrivals: v.arrivals, preceded, principals: new Set(v.principals) };
}

export const encodeDays = (c: CohortDays): unknown => [c.day, c.cur, c.prev];

export function decodeDays(v: unknown): CohortDays | undefined {
  if (!Array.isArray(v) || v.length !== 3 || !v.every(isInt)) return undefined;
  const [day, cur, prev] = v as [number, number, number];
  return { day, cur, prev };
}

/** `ongoing`: `[key, peak, last]` of the creation runs still going (omitted when none, as in rows saved before it existed). */
export const encodeRepeatPop = (p: RepeatPopulation): unknown => ({
  values: encodePopulation(p.values),
  principals: [...p.principals],
  ...(p.ongoing.size === 0 ? {} : { ongoing: [...p.ongoing].map(([k, o]) => [k, o.peak, o.last]) }),
  ...(p.held === undefined ? {} : { held: [...p.held] }),
  ...(p.vouched === true ? { vouched: true } : {}),
});

export function decodeRepeatPop(v: unknown): RepeatPopulation | undefined {
  if (!isObject(v) || !isStrings(v.principals, POP_PRINCIPALS_CAP)) return undefined;
  const values = decodePopulation(v.values, POP_RING);
  if (values === undefined) return undefined;
  const ongoing = new Map<string, { peak: number; last: number }>();
  if (v.ongoing !== undefined) {
    if (!Array.isArray(v.ongoing) || v.ongoing.length > ONGOING_CAP) return undefined;
    for (const e of v.ongoing as unknown[]) {
      if (!Array.isArray(e) || e.length !== 3 || !isString(e[0]) || !isInt(e[1]) || !isInt(e[2]) || ongoing.has(e[0])) return undefined;
      ongoing.set(e[0], { peak: e[1], last: e[2] });
    }
  }
  const pop: RepeatPopulation = { values, principals: new Set(v.principals), ongoing };
  // `held`: [principal, peaks] of alerted runs held while learning (absent in rows saved before it).
  if (v.held !== undefined) {
    if (!Array.isArray(v.held) || v.held.length > POP_PRINCIPALS_CAP) return undefined;
    const held = new Map<string, number[]>();
    for (const e of v.held as unknown[]) {
      if (!Array.isArray(e) || e.length !== 2 || !isString(e[0]) || held.has(e[0])) return undefined;
      const peaks: unknown = e[1];
      if (!Array.isArray(peaks) || peaks.length === 0 || peaks.length > HELD_PER_PRINCIPAL || !peaks.every(isInt)) return undefined;
      held.set(e[0], peaks);
    }
    pop.held = held;
  }
  if (v.vouched !== undefined) {
    if (v.vouched !== true) return undefined;
    pop.vouched = true;
  }
  return pop;
}

function countsOf(v: unknown, cap: number): Map<string, number> | undefined {
  if (!Array.isArray(v) || v.length > cap) return undefined;
  const out = new Map<string, number>();
  for (const e of v) {
    if (!Array.isArray(e) || e.length !== 2 || !isString(e[0]) || !isInt(e[1])) return undefined;
    out.set(e[0], e[1]);
  }
  return out;
}

function listOf<T>(v: unknown, cap: number, decode: (x: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(v) || v.length > cap) return undefined;
  const out: T[] = [];
  for (const x of v) {
    const d = decode(x);
    if (d === undefined) return undefined;
    out.push(d);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

function isInt(v: unknown): v is number {
  return Number.isSafeInteger(v);
}

function isStrings(v: unknown, cap: number): v is string[] {
  return Array.isArray(v) && v.length <= cap && v.every(isString);
}

import { addToPopulation, newPopulation, populationQuantile, populationSize, sortedPairQuantile, type Population } from '../credential-stuffing/stats.js';
import type { FlowAbuseConfig } from './config.js';

/** One principal's repeats of one operation (method + route) on one object, on event time. */
export interface Repeat {
  /** The operation (`METHOD route`) and the principal's cohort: which populations it teaches. */
  step: string;
  cohort: string;
  /**
   * What was repeated on: one existing object (or one creation undone), or a collection (records
   * created one after another). Everyone's repeats on any route are learned apart for each: creating
   * many records is ordinary where writing one object many times is not.
   */
  kind: TargetKind;
  /** Event times within the sliding window, oldest first (capped). */
  times: number[];
  /**
   * What the population learns when the run ends, and what is judged: for one object, the run's
   * total (every repeat within the window of the previous one: a refill every 40 minutes, five
   * times, is five refills of one prescription, though never more than two fall in one hour); for a
   * collection, the largest sliding count (creating records all day is work, its rate is what tells).
   */
  peak: number;
  /** Alerted during the current run: not learned from. */
  alerted: boolean;
}

export type TargetKind = 'object' | 'collection';

/** A route's (per cohort, and across everyone) repeats per object-window, and who they came from. */
export interface RepeatPopulation {
  values: Population;
  principals: Set<string>;
  /**
   * Runs of creations (collection targets) still going, by `ongoingKey`: their peak so far and
   * their last repeat. A run teaches `values` only when it ends, so while long runs go on (a
   * monitoring device uploading all day) `values` holds only the short ones that ended; peers'
   * ongoing peaks correct that (`peersThreshold`), never a principal's own.
   */
  ongoing: Map<string, { peak: number; last: number }>;
  /**
   * `values`' ring sorted, as of `at` (its count): rebuilt only after a run ended, not on every
   * judged repeat (derived from the ring, so never saved).
   */
  sorted?: { at: number; values: Float64Array };
  /**
   * No entry of `ongoing` has a `last` below this (entries' `last` only grows), so a full map
   * need not be scanned for quiet runs until the window passes it; undefined when not known (a
   * restored population). Derived, so never saved.
   */
  ongoingSince?: number;
  /**
   * Alerted runs held back while this population is still learning: per principal, up to
   * `HELD_PER_PRINCIPAL` peaks. Once `minPrincipals` principals' runs are held, the operation is
   * how the population works (a video visit's heartbeats, a form's autosave) and every held run is
   * learned; one abuser's runs never are. Absent when none are held.
   */
  held?: Map<string, number[]>;
  /**
   * Set when held runs were learned: `minPrincipals` principals showed the operation is repeated
   * this much, which is as good as `repeatLearningSamples` runs, and later alerted runs are
   * learned while the samples fill up.
   */
  vouched?: true;
}

/** Alerted runs held per principal while a population learns. */
export const HELD_PER_PRINCIPAL = 8;

/** Ongoing runs remembered per population: a sample of what peers are doing now. */
export const ONGOING_CAP = 64;

export function ongoingKey(principal: string, repeatKey: string): string {
  return `${principal}\n${repeatKey}`;
}

/** Notes a creation run's peak; entries quiet for a whole window are over (their principal was evicted or moved). */
export function noteOngoing(pop: RepeatPopulation, key: string, peak: number, ts: number, windowMs: number): void {
  const o = pop.ongoing.get(key);
  if (o !== undefined) {
    o.peak = peak;
    o.last = Math.max(o.last, ts);
    return;
  }
  // NOTE: a busy cohort keeps the map full of live runs, and every new run used to scan all of it
  // (with an entry array per element): ~1.4 KB of garbage per event on average. The scan is skipped
  // while `ongoingSince` shows it would remove nothing, and forEach allocates nothing.
  const quietBy = ts - windowMs;
  if (pop.ongoing.size >= ONGOING_CAP && (pop.ongoingSince === undefined || pop.ongoingSince <= quietBy)) {
    let since = Infinity;
    pop.ongoing.forEach((v, k) => {
      if (v.last <= quietBy) pop.ongoing.delete(k);
      else if (v.last < since) since = v.last;
    });
    pop.ongoingSince = since;
  }
  if (pop.ongoing.size < ONGOING_CAP) {
    pop.ongoing.set(key, { peak, last: ts });
    if (pop.ongoingSince !== undefined && ts < pop.ongoingSince) pop.ongoingSince = ts;
  }
}

/**
 * The threshold `limit` would be if the population also held its peers' ongoing runs (live within
 * the window, `own` excluded): never below `limit.threshold`, so peers can only show that more is
 * normal, and a run never raises its own threshold.
 */
export function peersThreshold(pop: RepeatPopulation, limit: RepeatLimit, own: string, ts: number, windowMs: number, cfg: FlowAbuseConfig): { threshold: number; peers: number } {
  const peaks: number[] = [];
  for (const [k, v] of pop.ongoing) if (k !== own && v.last > ts - windowMs) peaks.push(v.peak);
  if (peaks.length === 0) return { threshold: limit.threshold, peers: 0 };
  // NOTE: a busy cohort reaches here on every repeat; the ring (up to 512 values) is sorted once per
  // ended run (sortedValues) and read together with the few peaks, instead of sorted again each time.
  const q = sortedPairQuantile(sortedValues(pop), peaks.sort((a, b) => a - b), cfg.repeatQuantile);
  return { threshold: Math.max(limit.threshold, Math.ceil(q * cfg.repeatMultiplier)), peers: peaks.length };
}

function sortedValues(pop: RepeatPopulation): Float64Array {
  const ring = pop.values.ring;
  if (pop.sorted?.at !== ring.count) pop.sorted = { at: ring.count, values: ring.values.slice(0, Math.min(ring.count, ring.values.length)).sort() };
  return pop.sorted.values;
}

/** Repeats tracked per principal, and times kept per repeat: past them counts saturate, far above alerting. */
export const REPEAT_CAP = 64;
export const TIMES_CAP = 256;
export const POP_PRINCIPALS_CAP = 64;
export const POP_RING = 512;

export function newRepeatPopulation(): RepeatPopulation {
  return { values: newPopulation(POP_RING), principals: new Set(), ongoing: new Map() };
}

/** Adds one occurrence at `ts`; returns the count within the window ending at `ts`. */
export function recordRepeat(r: Repeat, ts: number, windowMs: number): number {
  while (r.times.length > 0 && (r.times[0] as number) <= ts - windowMs) r.times.shift();
  if (r.times.length >= TIMES_CAP) r.times.shift();
  r.times.push(ts);
  if (r.kind === 'object') return ++r.peak;
  r.peak = Math.max(r.peak, r.times.length);
  return r.times.length;
}

/**
 * Closes a principal's tumbling window. A run of repeats on one target teaches its operation's
 * populations its peak (largest sliding count) when it ends, i.e. when nothing is left in the
 * sliding window, and only if it never alerted; a run still going carries on into the next window.
 * NOTE: teaching a run at every window boundary let an abuser whose loop crossed one teach the
 * population its own partial count and raise the threshold it was then judged by.
 */
export function closeWindow(
  repeats: Map<string, Repeat>,
  principal: string,
  ts: number,
  windowMs: number,
  populationOf: (r: Repeat) => RepeatPopulation[],
  cfg: FlowAbuseConfig,
): void {
  for (const [key, r] of repeats) {
    while (r.times.length > 0 && (r.times[0] as number) <= ts - windowMs) r.times.shift();
    if (r.times.length > 0) continue;
    const ended = r.kind === 'collection' ? ongoingKey(principal, key) : undefined;
    for (const pop of populationOf(r)) {
      if (ended !== undefined) pop.ongoing.delete(ended);
      if (r.peak === 0) continue;
      if (!r.alerted || (pop.vouched && populationSize(pop.values) < cfg.repeatLearningSamples)) learnRun(pop, principal, r.peak);
      else if (!trusted(pop, cfg)) holdRun(pop, principal, r.peak, cfg);
    }
    repeats.delete(key);
  }
}

/**
 * Learned from `minPrincipals` principals and `repeatLearningSamples` runs, or vouched for by held
 * runs of `minPrincipals` principals (`repeatLimit` uses it from then on).
 */
export function trusted(pop: RepeatPopulation, cfg: FlowAbuseConfig): boolean {
  return pop.principals.size >= cfg.minPrincipals && (pop.vouched === true || populationSize(pop.values) >= cfg.repeatLearningSamples);
}

function learnRun(pop: RepeatPopulation, principal: string, peak: number): void {
  addToPopulation(pop.values, peak);
  if (pop.principals.size < POP_PRINCIPALS_CAP) pop.principals.add(principal);
}

/**
 * An alerted run ended while the population still learns. It is not learned (an abuser must not
 * make its loop normal) but held; once `minPrincipals` principals' alerted runs are held, they are
 * all learned. NOTE: without this a population judged by the learning floor (or by another
 * population) learned only runs that stayed under it, so an operation every principal repeats far
 * more often (heartbeats every 15 s of a video visit) alerted on every run forever.
 */
function holdRun(pop: RepeatPopulation, principal: string, peak: number, cfg: FlowAbuseConfig): void {
  const held = (pop.held ??= new Map<string, number[]>());
  const mine = held.get(principal);
  if (mine === undefined) {
    if (held.size >= POP_PRINCIPALS_CAP) return;
    held.set(principal, [peak]);
  } else if (mine.length < HELD_PER_PRINCIPAL) mine.push(peak);
  if (held.size < cfg.minPrincipals) return;
  for (const [who, peaks] of held) for (const v of peaks) learnRun(pop, who, v);
  pop.held = undefined;
  pop.vouched = true;
}

export interface RepeatLimit {
  threshold: number;
  /** The population that set it; undefined for the learning floor. */
  from?: RepeatPopulation;
  basis: 'floor' | 'learning_floor' | 'cohort' | 'population' | 'cohort_any_route' | 'population_any_route';
  quantile: number;
  samples: number;
}

/**
 * The first learned of: the cohort on this route; everyone on this route; the cohort on any route
 * (a route few people use, such as booking, is judged by how the cohort repeats its writes in
 * general rather than waiting indefinitely); everyone on any route, for the same kind of target (a
 * cohort that rarely writes, such as patients, is judged by how the organisation repeats writes of
 * that kind); else the learning floor. Never under `minRepeats`.
 */
export function repeatLimit(
  cohort: RepeatPopulation,
  everyone: RepeatPopulation,
  cohortAll: RepeatPopulation,
  everyoneAll: RepeatPopulation,
  cfg: FlowAbuseConfig,
): RepeatLimit {
  for (const [pop, basis] of [
    [cohort, 'cohort'],
    [everyone, 'population'],
    [cohortAll, 'cohort_any_route'],
    [everyoneAll, 'population_any_route'],
  ] as const) {
    if (!trusted(pop, cfg)) continue;
    const samples = populationSize(pop.values);
    const q = populationQuantile(pop.values, cfg.repeatQuantile);
    const learned = Math.ceil(q * cfg.repeatMultiplier);
    return learned > cfg.minRepeats ? { threshold: learned, from: pop, basis, quantile: q, samples } : { threshold: cfg.minRepeats, from: pop, basis: 'floor', quantile: q, samples };
  }
  return { threshold: Math.ceil(cfg.minRepeats * cfg.learningFloorMultiplier), basis: 'learning_floor', quantile: 0, samples: populationSize(everyone.values) };
}

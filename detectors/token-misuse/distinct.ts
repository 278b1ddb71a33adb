import { newEwma, observe, upperBound, type Ewma } from '../../libs/baseline/index.js';
import { populationQuantile, populationSize, type Population } from '../credential-stuffing/stats.js';
import type { TokenMisuseConfig } from './config.js';

/**
 * Distinct values (hashed networks or user agents) one principal or token used in a sliding
 * window, and its own baseline of distinct values per tumbling window of the same width.
 */
export interface Distinct {
  /** Value hash -> event time it was last seen; entries older than the window are pruned. */
  seen: Map<number, number>;
  bucketStart: number;
  /** A window that alerted is not learned from, so an attack does not become the new normal. */
  alerted: boolean;
  own: Ewma;
}

/** Past this many live values the count saturates: far above every floor. */
const CAP = 64;
const EWMA = { alpha: 0.2, halfLifeMs: 7 * 24 * 3600_000 };

export function newDistinct(): Distinct {
  return { seen: new Map(), bucketStart: -1, alerted: false, own: newEwma() };
}

/**
 * Moves to `ts`: when a tumbling window closes, its distinct count teaches the own baseline and is
 * returned for the cohort (-1 when none closed, it was empty, or it alerted).
 */
export function advance(d: Distinct, ts: number, windowMs: number): number {
  const bucket = Math.floor(ts / windowMs) * windowMs;
  if (bucket <= d.bucketStart) return -1;
  let closed = -1;
  if (d.bucketStart >= 0 && !d.alerted) {
    let n = 0;
    for (const last of d.seen.values()) if (last >= d.bucketStart) n++;
    if (n > 0) {
      observe(d.own, n, ts, EWMA);
      closed = n;
    }
  }
  d.bucketStart = bucket;
  d.alerted = false;
  return closed;
}

/**
 * Records a value; true when it is new in the window (and so may raise the count past a limit).
 * NOTE: expired values are pruned only when a new value arrives, the only time the count is read:
 * pruning on every event cost more than the rest of the detector.
 */
export function add(d: Distinct, value: number, ts: number, windowMs: number): boolean {
  const last = d.seen.get(value);
  if (last !== undefined && last > ts - windowMs) {
    d.seen.set(value, Math.max(last, ts));
    return false;
  }
  for (const [k, t] of d.seen) if (t <= ts - windowMs) d.seen.delete(k);
  if (d.seen.size >= CAP) return false;
  d.seen.set(value, ts);
  return true;
}

export interface Limit {
  threshold: number;
  basis: 'floor' | 'learning_floor' | 'own_baseline' | 'cohort';
  ownMean: number;
  ownWindows: number;
  cohortQuantile: number;
  cohortWindows: number;
}

/**
 * Distinct values per window from which the principal is abnormal: far beyond both its own
 * history (once learned) and its cohort's quantile (once learned), never under the floor. While
 * neither is learned only the floor times `learningFloorMultiplier` applies.
 */
export function limitOf(d: Distinct, cohort: Population, floor: number, cfg: TokenMisuseConfig): Limit {
  const ownLearned = d.own.n >= cfg.learningWindows;
  const cohortWindows = populationSize(cohort);
  const cohortLearned = cohortWindows >= cfg.cohortLearningWindows;
  const cohortQ = cohortLearned ? populationQuantile(cohort, cfg.cohortQuantile) : 0;
  const base = { ownMean: Math.round(d.own.mean * 100) / 100, ownWindows: d.own.n, cohortQuantile: cohortQ, cohortWindows };
  if (!ownLearned && !cohortLearned) return { ...base, threshold: Math.ceil(floor * cfg.learningFloorMultiplier), basis: 'learning_floor' };
  let threshold = floor;
  let basis: Limit['basis'] = 'floor';
  if (cohortLearned && cohortQ * cfg.cohortMultiplier > threshold) {
    threshold = cohortQ * cfg.cohortMultiplier;
    basis = 'cohort';
  }
  if (ownLearned) {
    const own = upperBound(d.own, { floor: 0, multiplier: cfg.baselineMultiplier, z: 4 });
    if (own > threshold) {
      threshold = own;
      basis = 'own_baseline';
    }
  }
  return { ...base, threshold: Math.ceil(threshold), basis };
}

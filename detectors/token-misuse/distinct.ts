import { newEwma, observe, upperBound, type Ewma } from '../../libs/baseline/index.js';
import { populationQuantile, populationSize, type Population } from '../credential-stuffing/stats.js';
import type { TokenMisuseConfig } from './config.js';

/**
 * Distinct values (hashed networks or user agents) one principal or token used in a sliding
 * window, flat: `[value, lastSeen, value, lastSeen, ...]`; entries older than the window are pruned.
 * NOTE: a flat array rather than a Map<value, lastSeen>: V8 keeps its numbers unboxed (16 bytes a
 * value against ~60 for a Map entry and its boxed time, and ~180 for an empty Map), and scanning
 * the usual one to three values is faster than hashing them.
 */
export type Seen = number[];

/** Past this many live values the count saturates: far above every floor. */
export const CAP = 64;
const EWMA = { alpha: 0.2, halfLifeMs: 7 * 24 * 3600_000 };
/** Read-only stand-in for an own baseline not yet created (no window closed yet). */
const NO_HISTORY: Readonly<Ewma> = Object.freeze(newEwma());

/** Distinct values last seen at or after `since` (the start of the tumbling window that closes). */
export function countSince(seen: Seen | undefined, since: number): number {
  if (seen === undefined) return 0;
  let n = 0;
  for (let i = 1; i < seen.length; i += 2) if ((seen[i] as number) >= since) n++;
  return n;
}

/** Teaches the own baseline one closed window's distinct count; creates it on the first. */
export function learnWindow(own: Ewma | undefined, n: number, ts: number): Ewma {
  const e = own ?? newEwma();
  observe(e, n, ts, EWMA);
  return e;
}

/**
 * Records a value; true when it is new in the window (and so may raise the count past a limit).
 * NOTE: expired values are pruned only when a new value arrives, the only time the count is read:
 * pruning on every event cost more than the rest of the detector.
 */
export function add(seen: Seen, value: number, ts: number, windowMs: number): boolean {
  const cutoff = ts - windowMs;
  for (let i = 0; i < seen.length; i += 2) {
    if (seen[i] !== value) continue;
    const last = seen[i + 1] as number;
    if (last <= cutoff) break;
    seen[i + 1] = Math.max(last, ts);
    return false;
  }
  let kept = 0;
  for (let i = 0; i < seen.length; i += 2) {
    const last = seen[i + 1] as number;
    if (last <= cutoff) continue;
    seen[kept] = seen[i] as number;
    seen[kept + 1] = last;
    kept += 2;
  }
  if (kept < seen.length) seen.length = kept;
  if (kept >= 2 * CAP) return false;
  seen.push(value, ts);
  return true;
}

/** Distinct values held now. */
export function sizeOf(seen: Seen): number {
  return seen.length / 2;
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
 * `limitOf(...).threshold`, with the same reads (the cohort's quantile refreshes on the same
 * calls) but no objects built: nearly every new value in a window is far below the threshold,
 * and only one that reaches it needs the rest of the Limit for its finding.
 */
export function thresholdOf(ownBaseline: Ewma | undefined, cohort: Population, floor: number, cfg: TokenMisuseConfig): number {
  const own = ownBaseline ?? NO_HISTORY;
  const ownLearned = own.n >= cfg.learningWindows;
  const cohortLearned = populationSize(cohort) >= cfg.cohortLearningWindows;
  const cohortQ = cohortLearned ? populationQuantile(cohort, cfg.cohortQuantile) : 0;
  if (!ownLearned && !cohortLearned) return Math.ceil(floor * cfg.learningFloorMultiplier);
  let threshold = floor;
  if (cohortLearned && cohortQ * cfg.cohortMultiplier > threshold) threshold = cohortQ * cfg.cohortMultiplier;
  if (ownLearned) threshold = Math.max(threshold, upperBound(own, { floor: 0, multiplier: cfg.baselineMultiplier, z: 4 }));
  return Math.ceil(threshold);
}

/**
 * Distinct values per window from which the principal is abnormal: far beyond both its own
 * history (once learned) and its cohort's quantile (once learned), never under the floor. While
 * neither is learned only the floor times `learningFloorMultiplier` applies.
 */
export function limitOf(ownBaseline: Ewma | undefined, cohort: Population, floor: number, cfg: TokenMisuseConfig): Limit {
  const own = ownBaseline ?? NO_HISTORY;
  const ownLearned = own.n >= cfg.learningWindows;
  const cohortWindows = populationSize(cohort);
  const cohortLearned = cohortWindows >= cfg.cohortLearningWindows;
  const cohortQ = cohortLearned ? populationQuantile(cohort, cfg.cohortQuantile) : 0;
  const base = { ownMean: Math.round(own.mean * 100) / 100, ownWindows: own.n, cohortQuantile: cohortQ, cohortWindows };
  if (!ownLearned && !cohortLearned) return { ...base, threshold: Math.ceil(floor * cfg.learningFloorMultiplier), basis: 'learning_floor' };
  let threshold = floor;
  let basis: Limit['basis'] = 'floor';
  if (cohortLearned && cohortQ * cfg.cohortMultiplier > threshold) {
    threshold = cohortQ * cfg.cohortMultiplier;
    basis = 'cohort';
  }
  if (ownLearned) {
    const ownBound = upperBound(own, { floor: 0, multiplier: cfg.baselineMultiplier, z: 4 });
    if (ownBound > threshold) {
      threshold = ownBound;
      basis = 'own_baseline';
    }
  }
  return { ...base, threshold: Math.ceil(threshold), basis };
}

import { newRing, ringPush, type Ring } from '../../libs/baseline/index.js';

/**
 * A population's recent per-window values (failures per IP, networks per principal of a cohort,
 * repeats per object of a route) and a quantile of them: what "many" means in this deployment.
 * Built on libs/baseline's Ring; shared by the credential-stuffing, token-misuse and flow-abuse
 * detectors. NOTE: sorting the ring per event would cost ~50 µs, so the quantile is recomputed
 * only every REFRESH values and on first use.
 */
export interface Population {
  ring: Ring;
  cachedAt: number;
  cached: number;
}

const REFRESH = 32;

export function newPopulation(size = 1024): Population {
  return { ring: newRing(size), cachedAt: -1, cached: 0 };
}

export function addToPopulation(p: Population, value: number): void {
  ringPush(p.ring, value);
}

/** Values seen so far (the learning-period counter). */
export function populationSize(p: Population): number {
  return p.ring.count;
}

/** The q-quantile of the recent values (0 when empty). */
export function populationQuantile(p: Population, q: number): number {
  if (p.ring.count === 0) return 0;
  if (p.cachedAt < 0 || p.ring.count - p.cachedAt >= REFRESH) {
    const n = Math.min(p.ring.count, p.ring.values.length);
    p.cached = sortedQuantile(p.ring.values.slice(0, n).sort(), q);
    p.cachedAt = p.ring.count;
  }
  return p.cached;
}

/**
 * The q-quantile of ascending `sorted` (not empty), with libs/baseline `quantileOf`'s definition
 * (simple-statistics, linear interpolation between order statistics, numpy's default) and its
 * exact arithmetic, so thresholds are unchanged. NOTE: the ring's values are copied into one typed
 * array and sorted numerically in place; `quantileOf` on a plain array made three copies of the
 * ring per refresh, most of this detector family's garbage.
 */
export function sortedQuantile(sorted: Float64Array, q: number): number {
  const last = sorted.length - 1;
  if (q === 1) return sorted[last] as number;
  if (q === 0) return sorted[0] as number;
  const idx = last * q;
  if (idx % 1 === 0) return sorted[idx] as number;
  const lower = Math.floor(idx);
  const low = sorted[lower] as number;
  return low + (idx - lower) * ((sorted[Math.ceil(idx)] as number) - low);
}

/**
 * sortedQuantile of `a` and `b` merged (both ascending, together not empty), without building the
 * merge: the two order statistics it needs are found by walking both arrays down from their largest
 * values, so a high quantile (flow-abuse's 0.99 of ~600 values) visits a handful. Same arithmetic,
 * same result, without a merged Float64Array (up to 576 values, 4.6 KB) per judged repeat.
 */
export function sortedPairQuantile(a: Float64Array, b: readonly number[], q: number): number {
  const last = a.length + b.length - 1;
  const idx = last * q;
  const lower = Math.floor(idx);
  const upper = Math.ceil(idx);
  let i = a.length - 1;
  let j = b.length - 1;
  let high = 0;
  for (let pos = last; ; pos--) {
    const v = j < 0 || (i >= 0 && (a[i] as number) > (b[j] as number)) ? (a[i--] as number) : (b[j--] as number);
    if (pos === upper) high = v;
    if (pos === lower) return idx === lower ? v : v + (idx - lower) * (high - v);
  }
}

/**
 * JSON form of a population, for snapshots: the ring's size, its filled slots in slot order, and
 * the cached quantile with the count it was taken at (when it is next refreshed decides findings,
 * so it is saved too rather than recomputed).
 */
export function encodePopulation(p: Population): { size: number; count: number; values: number[]; cachedAt: number; cached: number } {
  const n = Math.min(p.ring.count, p.ring.values.length);
  return { size: p.ring.values.length, count: p.ring.count, values: Array.from(p.ring.values.subarray(0, n)), cachedAt: p.cachedAt, cached: p.cached };
}

/** Undefined unless `v` is a population of a ring of `size` slots (the size the detector keeps). */
export function decodePopulation(v: unknown, size: number): Population | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const { count, values, cachedAt, cached } = o;
  if (o.size !== size || !Number.isSafeInteger(count) || (count as number) < 0 || !Array.isArray(values)) return undefined;
  if (values.length !== Math.min(count as number, size) || !values.every((x) => typeof x === 'number' && Number.isFinite(x))) return undefined;
  if (!Number.isSafeInteger(cachedAt) || (cachedAt as number) < -1 || (cachedAt as number) > (count as number)) return undefined;
  if (typeof cached !== 'number' || !Number.isFinite(cached)) return undefined;
  const ring = { values: new Float64Array(size), count: count as number };
  ring.values.set(values as number[]);
  return { ring, cachedAt: cachedAt as number, cached };
}

import { medianAbsoluteDeviation, quantile as ssQuantile } from 'simple-statistics';

/**
 * Quantile helpers for thresholds taken from a population (a cohort's principals, a principal's
 * recent windows) instead of fixed numbers. `Ring` keeps the last `size` values in a Float64Array,
 * so a principal's recent-window history costs 8 bytes per slot.
 */
export interface Ring {
  values: Float64Array;
  /** Values written ever; the ring holds the last min(count, size). */
  count: number;
}

export function newRing(size = 16): Ring {
  return { values: new Float64Array(size), count: 0 };
}

export function ringPush(r: Ring, x: number): void {
  r.values[r.count % r.values.length] = x;
  r.count++;
}

export function ringValues(r: Ring): number[] {
  return Array.from(r.values.subarray(0, Math.min(r.count, r.values.length)));
}

/** The p-quantile (0..1) of the values, or undefined when there are none. */
export function quantileOf(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  return ssQuantile([...values], p);
}

/**
 * Robust deviation of `x` from `values`: (x - median) / (1.4826 x MAD), the MAD scaled to a
 * standard deviation for normal data. `minScale` keeps a perfectly constant history from turning
 * every +1 into an infinite deviation.
 */
export function robustZ(x: number, values: readonly number[], minScale = 1): number | undefined {
  if (values.length === 0) return undefined;
  const median = ssQuantile([...values], 0.5);
  const scale = Math.max(1.4826 * medianAbsoluteDeviation([...values]), minScale);
  return (x - median) / scale;
}

export function encodeRing(r: Ring): { count: number; values: number[] } {
  return { count: r.count, values: Array.from(r.values) };
}

export function decodeRing(v: unknown): Ring | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { count, values } = v as Record<string, unknown>;
  if (typeof count !== 'number' || !Array.isArray(values) || values.length === 0) return undefined;
  if (!values.every((x) => typeof x === 'number' && Number.isFinite(x))) return undefined;
  return { count, values: Float64Array.from(values as number[]) };
}

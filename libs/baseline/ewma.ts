/**
 * Exponentially weighted mean and variance on event time.
 *
 * Early on every observation weighs the same (a plain running mean: alpha = 1/n), so a baseline is
 * usable after a handful of windows. Once `1/alpha` observations are in, alpha stays at `alpha`, so
 * the baseline follows slow drift. The accumulated weight also decays with event time between
 * observations (`halfLifeMs`): after a long silence a principal's old habits count for less and
 * new observations move the baseline faster, without ever dropping to zero.
 *
 * Plain object of numbers so it serializes as JSON and costs ~60 bytes.
 */
export interface Ewma {
  mean: number;
  variance: number;
  /** Effective (decayed) number of observations, capped at 1/alpha. */
  weight: number;
  /** Event time of the last observation (ms); -1 before the first. */
  lastTs: number;
  /** Observations ever made (not decayed): the learning-period counter. */
  n: number;
}

export interface EwmaOptions {
  /** Smallest step once warmed up, e.g. 0.1 (~10 observations of memory). */
  alpha: number;
  /** Event time after which the accumulated weight halves. */
  halfLifeMs: number;
}

export function newEwma(): Ewma {
  return { mean: 0, variance: 0, weight: 0, lastTs: -1, n: 0 };
}

export function observe(e: Ewma, x: number, ts: number, opts: EwmaOptions): void {
  if (e.n === 0) {
    e.mean = x;
    e.variance = 0;
    e.weight = 1;
  } else {
    const dt = Math.max(0, ts - e.lastTs);
    const decayed = e.weight * Math.pow(2, -dt / opts.halfLifeMs);
    const weight = Math.min(decayed + 1, 1 / opts.alpha);
    const a = Math.max(1 / weight, opts.alpha);
    const delta = x - e.mean;
    e.mean += a * delta;
    // West's incremental form: exact for a = 1/n, exponentially weighted once a is fixed.
    e.variance = (1 - a) * (e.variance + a * delta * delta);
    e.weight = weight;
  }
  e.lastTs = Math.max(e.lastTs, ts);
  e.n++;
}

export function stdDev(e: Ewma): number {
  return Math.sqrt(Math.max(0, e.variance));
}

/**
 * The value above which `x` is abnormal for this baseline:
 * `max(floor, multiplier x mean, mean + z x sd)`, with sd at least `sqrt(mean)` because counts are
 * at least as noisy as a Poisson process (a perfectly regular history must not make +1 an anomaly).
 */
export function upperBound(e: Ewma, opts: { floor: number; multiplier: number; z: number }): number {
  const sd = Math.max(stdDev(e), Math.sqrt(Math.max(0, e.mean)));
  return Math.max(opts.floor, opts.multiplier * e.mean, e.mean + opts.z * sd);
}

/** Deviation of `x` from the baseline in (Poisson-floored) standard deviations. */
export function deviation(e: Ewma, x: number): number {
  const sd = Math.max(stdDev(e), Math.sqrt(Math.max(0, e.mean)), 1e-9);
  return (x - e.mean) / sd;
}

/** Validates a decoded snapshot value (JSON), so a corrupt row cannot poison a detector. */
export function isEwma(v: unknown): v is Ewma {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return ['mean', 'variance', 'weight', 'lastTs', 'n'].every((k) => typeof o[k] === 'number' && Number.isFinite(o[k]));
}

export const EWMA_BYTES = 64;

/**
 * Packed form: the same five numbers in slots `o..o+4` of a plain number array (mean, variance,
 * weight, lastTs, n), for profiles that keep many baselines per principal. A JS object stores each
 * double as a separate heap number (an `Ewma` costs ~130 B on V8), a packed double array 8 B per
 * slot. The functions below do exactly the arithmetic of their object twins, so a detector gives
 * the same answers whichever form it keeps.
 */
export const EWMA_SLOTS = 5;

export function packEwma(a: number[], o: number, e: Ewma): void {
  a[o] = e.mean;
  a[o + 1] = e.variance;
  a[o + 2] = e.weight;
  a[o + 3] = e.lastTs;
  a[o + 4] = e.n;
}

export function unpackEwma(a: readonly number[], o: number): Ewma {
  return { mean: a[o] as number, variance: a[o + 1] as number, weight: a[o + 2] as number, lastTs: a[o + 3] as number, n: a[o + 4] as number };
}

/** `observe` on a packed EWMA. */
export function observeAt(a: number[], o: number, x: number, ts: number, opts: EwmaOptions): void {
  const n = a[o + 4] as number;
  const lastTs = a[o + 3] as number;
  if (n === 0) {
    a[o] = x;
    a[o + 1] = 0;
    a[o + 2] = 1;
  } else {
    const dt = Math.max(0, ts - lastTs);
    const decayed = (a[o + 2] as number) * Math.pow(2, -dt / opts.halfLifeMs);
    const weight = Math.min(decayed + 1, 1 / opts.alpha);
    const al = Math.max(1 / weight, opts.alpha);
    const mean = a[o] as number;
    const delta = x - mean;
    a[o] = mean + al * delta;
    a[o + 1] = (1 - al) * ((a[o + 1] as number) + al * delta * delta);
    a[o + 2] = weight;
  }
  a[o + 3] = Math.max(lastTs, ts);
  a[o + 4] = n + 1;
}

/** `upperBound` of a packed EWMA. */
export function upperBoundAt(a: readonly number[], o: number, opts: { floor: number; multiplier: number; z: number }): number {
  const mean = a[o] as number;
  const sd = Math.max(Math.sqrt(Math.max(0, a[o + 1] as number)), Math.sqrt(Math.max(0, mean)));
  return Math.max(opts.floor, opts.multiplier * mean, mean + opts.z * sd);
}

import { describe, expect, it } from 'vitest';
import { deviation, isEwma, newEwma, observe, stdDev, upperBound } from './ewma.js';

const opts = { alpha: 0.1, halfLifeMs: 86_400_000 };
const MIN = 60_000;

describe('ewma', () => {
  it('is the plain mean and population variance while it has fewer than 1/alpha observations', () => {
    const e = newEwma();
    // Same event time: no decay between them, so exactly the running mean.
    [2, 4, 6, 8].forEach((x) => observe(e, x, 5 * MIN, opts));
    expect(e.mean).toBeCloseTo(5, 10);
    expect(e.variance).toBeCloseTo(5, 10);
    expect(e.n).toBe(4);
    expect(e.weight).toBe(4);
    expect(e.lastTs).toBe(5 * MIN);
  });

  it('moves by alpha once warmed up', () => {
    const e = newEwma();
    for (let i = 0; i < 20; i++) observe(e, 10, i * MIN, opts);
    observe(e, 20, 20 * MIN, opts);
    expect(e.mean).toBeCloseTo(11, 10);
  });

  it('lets an old baseline count for less after a long silence', () => {
    const fresh = newEwma();
    const stale = newEwma();
    for (let i = 0; i < 20; i++) {
      observe(fresh, 10, i * MIN, opts);
      observe(stale, 10, i * MIN, opts);
    }
    observe(fresh, 20, 21 * MIN, opts);
    // Ten half-lives later the accumulated weight is ~0, so the new value weighs 1/(1+~0).
    observe(stale, 20, 20 * MIN + 10 * opts.halfLifeMs, opts);
    expect(fresh.mean).toBeCloseTo(11, 10);
    expect(stale.mean).toBeGreaterThan(19.9);
  });

  it('puts the upper bound at the largest of floor, multiple and deviation', () => {
    const e = { mean: 4, variance: 9, weight: 10, lastTs: 0, n: 10 };
    expect(stdDev(e)).toBe(3);
    expect(upperBound(e, { floor: 30, multiplier: 5, z: 6 })).toBe(30);
    expect(upperBound(e, { floor: 1, multiplier: 5, z: 6 })).toBe(22);
    expect(upperBound(e, { floor: 1, multiplier: 2, z: 6 })).toBe(22);
    expect(upperBound(e, { floor: 1, multiplier: 2, z: 1 })).toBe(8);
  });

  it('floors the deviation scale at sqrt(mean) so a perfectly regular history tolerates noise', () => {
    const e = { mean: 16, variance: 0, weight: 10, lastTs: 0, n: 10 };
    expect(deviation(e, 20)).toBe(1);
    expect(upperBound(e, { floor: 0, multiplier: 1, z: 3 })).toBe(28);
  });

  it('rejects snapshot values that are not an Ewma', () => {
    expect(isEwma({ mean: 1, variance: 0, weight: 1, lastTs: 5, n: 1 })).toBe(true);
    expect(isEwma({ mean: 1, variance: 0, weight: 1, lastTs: 5 })).toBe(false);
    expect(isEwma({ mean: Number.NaN, variance: 0, weight: 1, lastTs: 5, n: 1 })).toBe(false);
    expect(isEwma(null)).toBe(false);
  });
});

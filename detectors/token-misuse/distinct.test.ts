import { describe, expect, it } from 'vitest';
import { addToPopulation, newPopulation } from '../credential-stuffing/stats.js';
import { DEFAULTS } from './config.js';
import { learnWindow, limitOf, thresholdOf } from './distinct.js';

describe('thresholdOf', () => {
  it("is limitOf's threshold while nothing is learned, once the cohort is, and once the own baseline is", () => {
    const cohort = newPopulation(64);
    // Nothing learned: the floor times learningFloorMultiplier.
    expect(thresholdOf(undefined, cohort, 5, DEFAULTS)).toBe(10);
    expect(limitOf(undefined, cohort, 5, DEFAULTS).threshold).toBe(10);
    // The cohort learned (30 windows, 99th percentile 4): 2 x 4 = 8 above the floor of 5.
    for (let i = 0; i < 30; i++) addToPopulation(cohort, i % 10 === 0 ? 4 : 1);
    expect(thresholdOf(undefined, cohort, 5, DEFAULTS)).toBe(8);
    expect(limitOf(undefined, cohort, 5, DEFAULTS)).toMatchObject({ threshold: 8, basis: 'cohort' });
    // The own baseline learned too (windows of 6): its bound, 3 x 6 = 18, is the highest.
    let own = learnWindow(undefined, 6, 0);
    for (let i = 1; i < 3; i++) own = learnWindow(own, 6, i * 600_000);
    expect(thresholdOf(own, cohort, 5, DEFAULTS)).toBe(18);
    expect(limitOf(own, cohort, 5, DEFAULTS)).toMatchObject({ threshold: 18, basis: 'own_baseline' });
  });

  it('refreshes the cohort quantile on the same calls as limitOf', () => {
    const a = newPopulation(64);
    const b = newPopulation(64);
    for (let i = 0; i < 40; i++) {
      addToPopulation(a, i);
      addToPopulation(b, i);
      expect(thresholdOf(undefined, a, 5, DEFAULTS)).toBe(limitOf(undefined, b, 5, DEFAULTS).threshold);
      expect([a.cachedAt, a.cached]).toEqual([b.cachedAt, b.cached]);
    }
  });
});

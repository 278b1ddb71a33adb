import { describe, expect, it } from 'vitest';
import { seededInts } from '../test-support/random.js';
import { quantileOf } from '../../libs/baseline/index.js';
import { addToPopulation, newPopulation, populationQuantile, sortedPairQuantile, sortedQuantile } from './stats.js';

describe('sortedQuantile', () => {
  it('interpolates between order statistics like quantileOf', () => {
    const sorted = Float64Array.from([1, 2, 4, 8]);
    expect([0, 0.5, 0.9, 0.99, 1].map((q) => sortedQuantile(sorted, q))).toEqual([1, 3, 6.800000000000001, 7.879999999999999, 8]);
    expect([0, 0.5, 0.9, 0.99, 1].map((q) => quantileOf([8, 1, 4, 2], q))).toEqual([1, 3, 6.800000000000001, 7.879999999999999, 8]);
    expect(sortedQuantile(Float64Array.from([5]), 0.99)).toBe(5);
  });

  it('gives exactly quantileOf of the same values, whatever their order', () => {
    const next = seededInts(11);
    for (let round = 0; round < 200; round++) {
      const values = Array.from({ length: 1 + (next() % 300) }, () => (next() % 7 === 0 ? next() % 5000 : next() % 12) / (round % 3 === 0 ? 3 : 1));
      for (const q of [0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
        expect(sortedQuantile(Float64Array.from(values).sort(), q)).toBe(quantileOf(values, q));
      }
    }
  });
});

describe('sortedPairQuantile', () => {
  it('is sortedQuantile of the two arrays merged', () => {
    const a = Float64Array.from([1, 4, 8]);
    expect([0, 0.5, 0.9, 0.99, 1].map((q) => sortedPairQuantile(a, [2], q))).toEqual([1, 3, 6.800000000000001, 7.879999999999999, 8]);
    expect(sortedPairQuantile(new Float64Array(0), [5], 0.99)).toBe(5);
    expect(sortedPairQuantile(Float64Array.from([5]), [], 0.5)).toBe(5);
  });

  it('gives exactly sortedQuantile of the merge for any sizes, ties and quantiles', () => {
    const next = seededInts(7);
    for (let round = 0; round < 300; round++) {
      const a = Float64Array.from({ length: next() % 520 }, () => next() % 40).sort();
      const b = Array.from({ length: (a.length === 0 ? 1 : 0) + (next() % 70) }, () => next() % 40).sort((x, y) => x - y);
      const merged = Float64Array.from([...a, ...b]).sort();
      for (const q of [0, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) expect(sortedPairQuantile(a, b, q)).toBe(sortedQuantile(merged, q));
    }
  });
});

describe('populationQuantile', () => {
  it('refreshes every 32 values, from the values the ring holds', () => {
    const p = newPopulation(4);
    for (const v of [1, 2, 3, 4]) addToPopulation(p, v);
    expect(populationQuantile(p, 0.5)).toBe(2.5);
    for (const v of [10, 20]) addToPopulation(p, v); // ring: 10, 20, 3, 4
    expect(populationQuantile(p, 0.5)).toBe(2.5); // cached: 2 values since the last refresh
    for (let i = 0; i < 30; i++) addToPopulation(p, 100);
    expect(populationQuantile(p, 0.5)).toBe(100);
  });
});

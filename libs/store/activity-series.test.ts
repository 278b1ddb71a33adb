import { describe, expect, it } from 'vitest';
import { baselineBand, chooseBucketSeconds } from './activity-series.js';

const H = 3600_000;

describe('chooseBucketSeconds', () => {
  it('picks the smallest bucket that keeps the window within 240 points', () => {
    expect(chooseBucketSeconds(0, 2.5 * H)).toBe(60);
    expect(chooseBucketSeconds(0, 3.5 * H)).toBe(60);
    expect(chooseBucketSeconds(0, 4 * H)).toBe(120);
    expect(chooseBucketSeconds(0, 24 * H)).toBe(600);
    expect(chooseBucketSeconds(0, 7 * 24 * H)).toBe(3600);
    expect(chooseBucketSeconds(0, 365 * 24 * H)).toBe(172_800);
  });

  it('never gives fewer than 60 points for windows of at least 2.5 hours', () => {
    for (let hours = 2.5; hours < 24 * 400; hours *= 1.37) {
      const b = chooseBucketSeconds(0, hours * H);
      const points = (hours * 3600) / b;
      expect([hours, points >= 60 && points <= 240]).toEqual([hours, true]);
    }
  });
});

describe('baselineBand', () => {
  it('is mean ± 2 population standard deviations, floored at 0', () => {
    expect(baselineBand([1, 2, 3, 4, 5, 6, 7])).toEqual({ low: 0, high: 8, mean: 4 });
    expect(baselineBand([10, 10, 10, 10])).toEqual({ low: 10, high: 10, mean: 10 });
    expect(baselineBand([8, 12])).toEqual({ low: 6, high: 14, mean: 10 });
  });

  it('is a zero band without history', () => {
    expect(baselineBand([])).toEqual({ low: 0, high: 0, mean: 0 });
  });
});

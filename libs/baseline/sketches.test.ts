import { describe, expect, it } from 'vitest';
import { confidence } from './confidence.js';
import { isPeak, newPeak, observePeak, peakAt } from './peak.js';
import { cappedAdd, decodeCappedSet, encodeCappedSet, newCappedSet } from './capped-set.js';
import { cmAdd, cmEstimate, decodeCountMin, encodeCountMin, newCountMin } from './count-min.js';
import { estimate, newCounter, roll } from './counter.js';
import { hash32 } from './hash.js';
import { decodeHll, encodeHll, hllAdd, hllCount, hllMerge, newHll } from './hll.js';
import { decodeHourProfile, encodeHourProfile, hourAdd, hourOf, hourShare, isUsualHour, newHourProfile } from './hour-profile.js';
import { decodeRing, encodeRing, newRing, quantileOf, ringPush, ringValues, robustZ } from './quantile.js';

describe('hash32', () => {
  it('is deterministic, seed-dependent and unsigned', () => {
    expect(hash32('tok_abc')).toBe(hash32('tok_abc'));
    expect(hash32('tok_abc', 1)).not.toBe(hash32('tok_abc', 2));
    expect(hash32('x')).toBeGreaterThanOrEqual(0);
  });
});

describe('HyperLogLog', () => {
  it('counts small sets within one and large ones within 3 standard errors', () => {
    const small = newHll(8);
    for (let i = 0; i < 20; i++) hllAdd(small, `tok_${i}`);
    expect(Math.abs(hllCount(small) - 20)).toBeLessThanOrEqual(1);
    const big = newHll(8);
    for (let i = 0; i < 50_000; i++) hllAdd(big, `tok_${i}`);
    // p=8: standard error 1.04/16 = 6.5 %; 3 sd = 19.5 %.
    expect(Math.abs(hllCount(big) - 50_000) / 50_000).toBeLessThan(0.195);
  });

  it('ignores repeats, merges as a union and round-trips through its encoding', () => {
    const a = newHll(8);
    const b = newHll(8);
    for (let i = 0; i < 30; i++) {
      hllAdd(a, `tok_${i}`);
      hllAdd(a, `tok_${i}`);
      hllAdd(b, `tok_${i + 15}`);
    }
    hllMerge(a, b);
    expect(Math.abs(hllCount(a) - 45)).toBeLessThanOrEqual(1);
    const back = decodeHll(encodeHll(a));
    expect(back?.registers).toEqual(a.registers);
    expect(decodeHll('8:AAAA')).toBeUndefined();
    expect(decodeHll('nonsense')).toBeUndefined();
  });
});

describe('count-min', () => {
  it('never under-counts and round-trips', () => {
    const c = newCountMin(64, 4);
    for (let i = 0; i < 500; i++) cmAdd(c, `route_${i % 50}`);
    cmAdd(c, 'hot', 1000);
    expect(cmEstimate(c, 'hot')).toBeGreaterThanOrEqual(1000);
    expect(cmEstimate(c, 'route_3')).toBeGreaterThanOrEqual(10);
    expect(c.total).toBe(1500);
    const back = decodeCountMin(encodeCountMin(c));
    expect(back?.cells).toEqual(c.cells);
    expect(back?.total).toBe(1500);
    expect(decodeCountMin({ width: 64, depth: 4, total: 0, cells: 'AAAA' })).toBeUndefined();
  });
});

describe('hour profile', () => {
  const day = Date.UTC(2026, 10, 2);
  it('locates hours in UTC or at an offset', () => {
    expect(hourOf(day + 2.5 * 3_600_000)).toBe(2);
    expect(hourOf(day + 2.5 * 3_600_000, -180)).toBe(23);
  });

  it('says which hours are usual, counting the neighbours of a busy hour', () => {
    const p = newHourProfile();
    for (let i = 0; i < 100; i++) hourAdd(p, day + 2 * 3_600_000 + i * 1000);
    expect(hourShare(p, day + 2 * 3_600_000)).toBe(1);
    expect(isUsualHour(p, day + 3 * 3_600_000)).toBe(true);
    expect(isUsualHour(p, day + 14 * 3_600_000)).toBe(false);
    expect(decodeHourProfile(encodeHourProfile(p))).toEqual(p);
    expect(decodeHourProfile([1, 2])).toBeUndefined();
  });

  it('halves its counts past the cap, keeping the shares', () => {
    const p = newHourProfile();
    for (let i = 0; i < 11; i++) hourAdd(p, day + i * 3_600_000, { cap: 10 });
    expect(p.total).toBe(5.5);
    expect(hourShare(p, day)).toBeCloseTo(1 / 11, 6);
  });
});

describe('capped set', () => {
  it('refuses new values past the cap and remembers it', () => {
    const s = newCappedSet(2);
    expect([cappedAdd(s, 'a'), cappedAdd(s, 'a'), cappedAdd(s, 'b'), cappedAdd(s, 'c')]).toEqual(['new', 'known', 'new', 'full']);
    expect(s.saturated).toBe(true);
    expect(decodeCappedSet(encodeCappedSet(s))).toEqual(s);
    expect(decodeCappedSet({ cap: 2, saturated: false, values: [1] })).toBeUndefined();
  });
});

describe('quantiles', () => {
  it('keeps the last values of a ring and takes quantiles and robust deviations', () => {
    const r = newRing(4);
    [1, 2, 3, 4, 5, 6].forEach((x) => ringPush(r, x));
    expect(ringValues(r).sort()).toEqual([3, 4, 5, 6]);
    expect(quantileOf([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantileOf([], 0.5)).toBeUndefined();
    // median 3, MAD 1 -> scale 1.4826.
    expect(robustZ(6, [1, 2, 3, 4, 5])).toBeCloseTo(3 / 1.4826, 6);
    expect(robustZ(4, [3, 3, 3])).toBe(1);
    expect(decodeRing(encodeRing(r))).toEqual(r);
  });
});

describe('window counter', () => {
  const W = 60_000;
  it('estimates a sliding window from two buckets and hands back closed buckets', () => {
    const c = newCounter();
    expect(roll(c, 0, W)).toBe(-1);
    c.cur += 30;
    expect(roll(c, 75_000, W)).toBe(30);
    c.cur += 10;
    // 15 s into the new bucket: 10 + 30 x 0.75.
    expect(estimate(c, 75_000, W)).toBe(32.5);
    c.alerted = true;
    // An alerted bucket is not learned from, and a gap of more than one bucket clears prev.
    expect(roll(c, 200_000, W)).toBe(-1);
    expect(c.prev).toBe(0);
    expect(roll(c, 250_000, W)).toBe(-1);
  });
});

describe('confidence', () => {
  it('starts from the strength of the baseline and grows by 0.1 per doubling past the threshold', () => {
    expect(confidence('principal', 10, 10)).toBe(0.8);
    expect(confidence('cohort', 40, 10)).toBe(0.85);
    expect(confidence('ceiling', 5, 10)).toBe(0.5);
    expect(confidence('principal', 1e9, 1)).toBe(0.99);
  });
});

describe('peak', () => {
  const DAY = 86_400_000;
  it('remembers the largest value, halving per half-life, and is replaced by a larger decayed one', () => {
    const p = newPeak();
    expect(peakAt(p, 0, DAY)).toBe(0);
    observePeak(p, 100, 0, DAY);
    observePeak(p, 10, 1000, DAY);
    expect(p).toEqual({ value: 100, ts: 0 });
    expect(peakAt(p, 2 * DAY, DAY)).toBe(25);
    observePeak(p, 30, 2 * DAY, DAY);
    expect(p).toEqual({ value: 30, ts: 2 * DAY });
    expect(isPeak(p)).toBe(true);
    expect(isPeak({ value: 'x', ts: 0 })).toBe(false);
  });
});

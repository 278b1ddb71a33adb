import { describe, expect, it } from 'vitest';
import { COUNTER_SLOTS, estimate, estimateAt, newCounter, packCounter, roll, rollAt, unpackCounter } from './counter.js';
import { EWMA_SLOTS, newEwma, observe, observeAt, packEwma, unpackEwma, upperBound, upperBoundAt } from './ewma.js';
import { HOUR_SLOTS, encodeHourProfile, hourAdd, hourAddAt, isUsualHour, isUsualHourAt, newHourProfile, packHourProfile, unpackHourProfile } from './hour-profile.js';
import { PEAK_SLOTS, newPeak, observePeak, observePeakAt, packPeak, peakAt, peakValueAt, unpackPeak } from './peak.js';

/** Deterministic pseudo-random numbers (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T0 = Date.UTC(2026, 10, 2, 8);
const OFFSET = 3;

/** A packed array with other data around the record, so offsets are exercised. */
function slots(n: number): number[] {
  return Array.from({ length: OFFSET + n + 2 }, () => 0.5);
}

describe('packed forms', () => {
  it('an EWMA packed in an array takes exactly the values and bounds of its object twin', () => {
    const next = rng(1);
    const opts = { alpha: 0.05, halfLifeMs: 3_600_000 };
    const bound = { floor: 3, multiplier: 5, z: 6 };
    const e = newEwma();
    const a = slots(EWMA_SLOTS);
    packEwma(a, OFFSET, e);
    let ts = T0;
    for (let i = 0; i < 500; i++) {
      ts += Math.floor(next() * 7_200_000);
      const x = Math.floor(next() * 100);
      observe(e, x, ts, opts);
      observeAt(a, OFFSET, x, ts, opts);
      expect(unpackEwma(a, OFFSET)).toEqual(e);
      expect(upperBoundAt(a, OFFSET, bound)).toBe(upperBound(e, bound));
    }
    expect(a[OFFSET - 1]).toBe(0.5);
    expect(a[OFFSET + EWMA_SLOTS]).toBe(0.5);
  });

  it('a window counter packed in an array rolls and estimates exactly like its object twin', () => {
    const next = rng(2);
    const c = newCounter();
    const a = slots(COUNTER_SLOTS);
    packCounter(a, OFFSET, c);
    let ts = T0;
    for (let i = 0; i < 2000; i++) {
      ts += Math.floor(next() * 90_000);
      expect(rollAt(a, OFFSET, ts, 60_000)).toBe(roll(c, ts, 60_000));
      c.cur++;
      a[OFFSET + 1] = (a[OFFSET + 1] as number) + 1;
      if (next() < 0.05) {
        c.alerted = true;
        a[OFFSET + 3] = 1;
      }
      expect(estimateAt(a, OFFSET, ts, 60_000)).toBe(estimate(c, ts, 60_000));
      expect(unpackCounter(a, OFFSET)).toEqual(c);
    }
  });

  it('a peak packed in an array decays and resets exactly like its object twin', () => {
    const next = rng(3);
    const p = newPeak();
    const a = slots(PEAK_SLOTS);
    packPeak(a, OFFSET, p);
    let ts = T0;
    for (let i = 0; i < 500; i++) {
      ts += Math.floor(next() * 86_400_000);
      const x = Math.floor(next() * 1000);
      observePeak(p, x, ts, 7 * 86_400_000);
      observePeakAt(a, OFFSET, x, ts, 7 * 86_400_000);
      expect(unpackPeak(a, OFFSET)).toEqual(p);
      expect(peakValueAt(a, OFFSET, ts + 3_600_000, 7 * 86_400_000)).toBe(peakAt(p, ts + 3_600_000, 7 * 86_400_000));
    }
  });

  it('packs two float32 hour counts per slot and unpacks them exactly, up to the largest float32', () => {
    const h = newHourProfile();
    h.counts.set([0, 1, 0.5, 3.4028234663852886e38, 1e-45, 10_001, 2.75, 0, 7, 7, 0, 1 / 3, 1e6, 0.125, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    h.total = 1e6;
    const a = slots(HOUR_SLOTS);
    packHourProfile(a, OFFSET, h);
    expect(unpackHourProfile(a, OFFSET)).toEqual(h);
    expect(a.slice(OFFSET + 1, OFFSET + HOUR_SLOTS).every((x) => Number.isFinite(x))).toBe(true);
  });

  it('an hour profile packed in an array holds the float32 counts of its object twin, through halvings', () => {
    const next = rng(4);
    const h = newHourProfile();
    const a = slots(HOUR_SLOTS);
    packHourProfile(a, OFFSET, h);
    let ts = T0;
    for (let i = 0; i < 3000; i++) {
      ts += Math.floor(next() * 5_000_000);
      // A small cap halves often, leaving fractions that float32 must round the same way.
      hourAdd(h, ts, { cap: 97 });
      hourAddAt(a, OFFSET, ts, { cap: 97 });
      expect(isUsualHourAt(a, OFFSET, ts + 7_200_000, 0.05)).toBe(isUsualHour(h, ts + 7_200_000, 0.05));
    }
    expect(unpackHourProfile(a, OFFSET)).toEqual(h);
    expect(encodeHourProfile(unpackHourProfile(a, OFFSET))).toEqual(encodeHourProfile(h));
    expect(a[OFFSET - 1]).toBe(0.5);
    expect(a[OFFSET + HOUR_SLOTS]).toBe(0.5);
    expect(h.counts.some((c) => !Number.isInteger(c))).toBe(true);
  });
});

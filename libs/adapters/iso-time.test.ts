import { describe, expect, test } from 'vitest';
import { isIsoZ, isoFromMs, parseIsoMs, toIsoZ } from './iso-time.js';

describe('isoFromMs', () => {
  test('writes exactly what toISOString writes, across the years and at day, month and leap edges', () => {
    const edges = [0, 1, 999, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 1_795_929_852_496, 4_107_542_400_000, 253_402_300_799_999];
    let x = 0x9e3779b9;
    const samples = [...edges];
    for (let i = 0; i < 20_000; i++) {
      // xorshift: deterministic spread over 1970-9999.
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      samples.push(Math.floor((Math.abs(x) / 0x7fffffff) * 253_402_300_799_999));
    }
    for (const ms of samples) expect(isoFromMs(ms)).toBe(new Date(ms).toISOString());
  });

  test('outside the fast range it still answers like Date, and undefined outside Date itself', () => {
    expect(isoFromMs(-1)).toBe('1969-12-31T23:59:59.999Z');
    expect(isoFromMs(253_402_300_800_000)).toBe('+010000-01-01T00:00:00.000Z');
    expect(isoFromMs(8.64e15 + 1)).toBeUndefined();
    expect(isoFromMs(Number.NaN)).toBeUndefined();
    expect(isoFromMs(1_795_929_852_496.7)).toBe('2026-11-29T05:24:12.496Z');
  });
});

describe('isIsoZ and toIsoZ', () => {
  test('only real calendar instants in the exact Z form pass', () => {
    expect(isIsoZ('2026-11-29T05:24:12.101Z')).toBe(true);
    expect(isIsoZ('2024-02-29T00:00:00.000Z')).toBe(true);
    expect(isIsoZ('2026-02-29T00:00:00.000Z')).toBe(false);
    expect(isIsoZ('2100-02-29T00:00:00.000Z')).toBe(false);
    expect(isIsoZ('2026-04-31T00:00:00.000Z')).toBe(false);
    expect(isIsoZ('2026-11-29T24:00:00.000Z')).toBe(false);
    expect(isIsoZ('2026-11-29T05:24:60.000Z')).toBe(false);
    expect(isIsoZ('2026-11-29T05:24:12Z')).toBe(false);
    expect(isIsoZ('2026-11-29T05:24:12.10xZ')).toBe(false);
  });

  test('other ISO forms are converted to UTC with milliseconds', () => {
    expect(toIsoZ('2026-11-29T05:24:12.101Z')).toBe('2026-11-29T05:24:12.101Z');
    expect(toIsoZ('2026-11-29T06:24:12+01:00')).toBe('2026-11-29T05:24:12.000Z');
    expect(toIsoZ('2026-11-29T05:24:12.123456Z')).toBe('2026-11-29T05:24:12.123Z');
    expect(toIsoZ('not a date')).toBeUndefined();
  });
});

describe('parseIsoMs', () => {
  test('equals Date.parse on "...Z" text across the years and at day, month, leap and era edges', () => {
    const texts = ['0000-01-01T00:00:00.000Z', '0000-02-29T12:00:00.000Z', '0000-03-01T00:00:00.000Z', '0099-12-31T23:59:59.999Z', '1600-02-29T00:00:00.001Z', '1900-03-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '2000-02-29T23:59:59.999Z', '9999-12-31T23:59:59.999Z'];
    let x = 0x2545f491;
    for (let i = 0; i < 20_000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      // Spread over years 0000-9999 (negative epoch milliseconds included).
      texts.push(new Date(-62_167_219_200_000 + Math.floor((Math.abs(x) / 0x7fffffff) * 315_537_897_599_999)).toISOString());
    }
    let mismatches = 0;
    for (const t of texts) if (parseIsoMs(t) !== Date.parse(t)) mismatches++;
    expect(mismatches).toBe(0);
    expect(parseIsoMs('2026-11-02T08:00:00.000Z')).toBe(Date.UTC(2026, 10, 2, 8));
  });

  test('answers like Date.parse for other spellings and for text that is not a date', () => {
    expect(parseIsoMs('2026-11-01T10:00:00Z')).toBe(Date.UTC(2026, 10, 1, 10));
    expect(parseIsoMs('2026-11-01T11:00:00.250+01:00')).toBe(Date.UTC(2026, 10, 1, 10, 0, 0, 250));
    expect(parseIsoMs('2026-02-30T00:00:00.000Z')).toBe(Date.parse('2026-02-30T00:00:00.000Z'));
    expect(parseIsoMs('not a date')).toBeNaN();
  });
});

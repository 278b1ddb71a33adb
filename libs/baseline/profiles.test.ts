import { describe, expect, it } from 'vitest';
import { cohortKey } from './cohort.js';
import { newCounter, type WindowCounter } from './counter.js';
import { EWMA_BYTES, isEwma, newEwma, observe, type Ewma } from './ewma.js';
import { decodeHll, encodeHll, hllAdd, newHll, type Hll } from './hll.js';
import { decodeHourProfile, encodeHourProfile, hourAdd, HOUR_PROFILE_BYTES, newHourProfile, type HourProfile } from './hour-profile.js';
import { measureHeapPerItem } from './memory.js';
import { createProfileMap, type ProfileCodec } from './profiles.js';

interface Demo {
  rate: Ewma;
  bytes: Ewma;
  minute: WindowCounter;
  window: WindowCounter;
  hours: HourProfile;
  ips: Hll;
}

const demoCodec: ProfileCodec<Demo> = {
  create: () => ({ rate: newEwma(), bytes: newEwma(), minute: newCounter(), window: newCounter(), hours: newHourProfile(), ips: newHll(8) }),
  encode: (p) => ({ rate: p.rate, bytes: p.bytes, minute: p.minute, window: p.window, hours: encodeHourProfile(p.hours), ips: encodeHll(p.ips) }),
  decode: (v) => {
    const o = v as Record<string, unknown>;
    const hours = decodeHourProfile(o.hours);
    const ips = typeof o.ips === 'string' ? decodeHll(o.ips) : undefined;
    if (!isEwma(o.rate) || !isEwma(o.bytes) || !hours || !ips) return undefined;
    return { rate: o.rate, bytes: o.bytes, minute: o.minute as WindowCounter, window: o.window as WindowCounter, hours, ips };
  },
  bytes: () => 2 * EWMA_BYTES + 2 * 48 + HOUR_PROFILE_BYTES + 256 + 80,
};

const learning = { minEvents: 3, minSpanMs: 60_000 };
const T0 = Date.UTC(2026, 10, 2, 8);

describe('profile map', () => {
  it('learns until it has both enough events and enough event time', () => {
    const m = createProfileMap({ capacity: 10, learning, codec: demoCodec });
    const a = m.touch('user:a', T0);
    m.touch('user:a', T0 + 1000);
    m.touch('user:a', T0 + 2000);
    expect(a.events).toBe(3);
    expect(m.learning(a)).toBe(true);
    m.touch('user:a', T0 + 61_000);
    expect(m.learning(a)).toBe(false);
    expect(a.firstTs).toBe(T0);
    expect(a.lastTs).toBe(T0 + 61_000);
  });

  it('forgets idle principals first once past capacity, and keeps recently active ones', () => {
    const m = createProfileMap({ capacity: 4, learning, codec: demoCodec });
    m.touch('a', T0);
    m.touch('b', T0);
    m.touch('c', T0); // a, b become the old generation
    m.touch('a', T0 + 1); // a promoted
    m.touch('d', T0 + 2); // old = {c, a}, young = {d}; b is gone
    expect(['a', 'b', 'c', 'd'].map((k) => m.get(k) !== undefined)).toEqual([true, false, true, true]);
    expect(m.size).toBe(3);
  });

  it('restores from its snapshot a profile equal to the saved one', () => {
    const m = createProfileMap({ capacity: 100, learning, codec: demoCodec });
    for (let i = 0; i < 50; i++) {
      const t = m.touch(`user:${i % 5}`, T0 + i * 60_000);
      observe(t.profile.rate, i % 7, T0 + i * 60_000, { alpha: 0.1, halfLifeMs: 86_400_000 });
      hourAdd(t.profile.hours, T0 + i * 60_000);
      hllAdd(t.profile.ips, `10.0.0.${i % 3}`);
    }
    const rows = m.snapshot('rate', 'principal', 7);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatchObject({ detector: 'rate', scope: 'principal', version: 7, events: 10 });
    const back = createProfileMap({ capacity: 100, learning, codec: demoCodec });
    expect(back.restore('rate', 'principal', [...rows, { ...rows[0]!, detector: 'other' }, { ...rows[1]!, key: 'bad', state: '{' }])).toBe(5);
    for (const t of m.entries()) expect(back.get(t.key)).toEqual(t);
    expect(back.snapshot('rate', 'principal', 7)).toEqual(expect.arrayContaining(rows));
  });

  it('restores at most its capacity, keeping the most recently active', () => {
    const m = createProfileMap({ capacity: 100, learning, codec: demoCodec });
    for (let i = 0; i < 10; i++) m.touch(`p${i}`, T0 + i);
    const small = createProfileMap({ capacity: 4, learning, codec: demoCodec });
    expect(small.restore('rate', 'principal', m.snapshot('rate', 'principal', 1))).toBe(4);
    expect([...small.entries()].map((t) => t.key).sort()).toEqual(['p6', 'p7', 'p8', 'p9']);
  });

  it('snapshots only the keys asked for, without promoting them, and forgets deleted keys', () => {
    const m = createProfileMap({ capacity: 4, learning, codec: demoCodec });
    for (let i = 0; i < 4; i++) m.touch(`p${i}`, T0 + i);
    // p0 and p1 sit in the old generation: a snapshot of p0 must not make it young again.
    expect(m.snapshot('rate', 'principal', 1, new Set(['p0', 'p3', 'gone'])).map((r) => r.key)).toEqual(['p0', 'p3']);
    m.touch('p4', T0 + 4);
    m.touch('p5', T0 + 5);
    expect([...m.entries()].map((t) => t.key).sort()).toEqual(['p2', 'p3', 'p4', 'p5']);
    expect(m.delete(['p2', 'p9'])).toBe(1);
    expect([...m.entries()].map((t) => t.key).sort()).toEqual(['p3', 'p4', 'p5']);
  });

  it('keys cohorts by app and the sorted scope set', () => {
    expect(cohortKey({ app: 'app:portal', scopes: ['patient/*.read', 'launch/patient'] })).toBe('app:portal|launch/patient patient/*.read');
    expect(cohortKey({ scopes: [] })).toBe('-|');
  });

  it('compares static API keys without the consumer they belong to, and keeps the app of bearer tokens', () => {
    // Kong key-auth: the consumer is the partner the key names, so every partner would be alone.
    expect(cohortKey({ app: 'partner-1', scopes: [], authScheme: 'apikey' })).toBe('-|');
    expect(cohortKey({ app: 'partner-2', scopes: ['claims'], authScheme: 'apikey' })).toBe('-|claims');
    // Opaque bearer tokens of one application, and users, are that application's cohort.
    expect(cohortKey({ app: 'portal', scopes: [], authScheme: 'bearer' })).toBe('portal|');
    expect(cohortKey({ app: 'portal', scopes: [], authScheme: 'gateway' })).toBe('portal|');
  });

  it('stays under 2 KiB per principal at 100,000 principals (measured heap, estimate close to it)', () => {
    const n = 100_000;
    let estimated = 0;
    const { bytesPerItem } = measureHeapPerItem(n, (count) => {
      const m = createProfileMap({ capacity: 2 * count, learning, codec: demoCodec });
      for (let i = 0; i < count; i++) {
        const t = m.touch(`user:${i.toString(36).padStart(8, '0')}`, T0 + i);
        observe(t.profile.rate, 3, T0 + i, { alpha: 0.1, halfLifeMs: 86_400_000 });
        hourAdd(t.profile.hours, T0 + i);
        hllAdd(t.profile.ips, '10.0.0.1');
      }
      estimated = m.approxBytes() / count;
      return m;
    });
    console.log(`baseline profile: ${Math.round(bytesPerItem)} B/principal measured, ${Math.round(estimated)} B estimated`);
    expect(bytesPerItem).toBeLessThan(2048);
    expect(estimated).toBeLessThan(2048);
  });
});

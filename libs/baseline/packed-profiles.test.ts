import { describe, expect, it } from 'vitest';
import { createPackedProfileMap, META_SLOTS, type PackedCodec } from './packed-profiles.js';
import { createProfileMap } from './profiles.js';

/** A demo packed profile: the map's slots, then a request count; `tag` is not packed. */
interface Demo {
  data: number[];
  tag: string;
}
const COUNT = META_SLOTS;

const codec: PackedCodec<Demo> = {
  create: () => ({ data: [0.5, 0.5, 0.5, 0], tag: '' }),
  meta: (p) => p.data,
  encode: (p) => ({ count: p.data[COUNT], tag: p.tag }),
  decode(v) {
    const o = v as { count?: unknown; tag?: unknown };
    if (typeof o.count !== 'number' || typeof o.tag !== 'string') return undefined;
    return { data: [0, 0, 0, o.count], tag: o.tag };
  },
  bytes: () => 80,
};

const learning = { minEvents: 3, minSpanMs: 60_000 };
const T0 = Date.UTC(2026, 10, 2, 8);

describe('packed profile map', () => {
  it('keeps first and last event time and events in the profile array, and learns like ProfileMap', () => {
    const m = createPackedProfileMap({ capacity: 10, learning, codec });
    const a = m.touch('user:a', T0 + 1000);
    m.touch('user:a', T0);
    m.touch('user:a', T0 + 2000);
    expect(a.data.slice(0, META_SLOTS)).toEqual([T0, T0 + 2000, 3]);
    expect([m.firstTs(a), m.lastTs(a), m.events(a)]).toEqual([T0, T0 + 2000, 3]);
    expect(m.learning(a)).toBe(true);
    m.touch('user:a', T0 + 61_000);
    expect(m.learning(a)).toBe(false);
  });

  it('follows the array when the detector replaces it', () => {
    const m = createPackedProfileMap({ capacity: 10, learning, codec });
    const a = m.touch('user:a', T0);
    a.data = a.data.concat([7, 8]);
    m.touch('user:a', T0 + 5);
    expect(a.data).toEqual([T0, T0 + 5, 2, 0, 7, 8]);
  });

  it('evicts idle profiles first past capacity, as ProfileMap does', () => {
    const packed = createPackedProfileMap({ capacity: 4, learning, codec });
    const plain = createProfileMap({ capacity: 4, learning, codec });
    for (const [k, ts] of [['a', 0], ['b', 0], ['c', 0], ['a', 1], ['d', 2], ['e', 3], ['c', 4], ['f', 5]] as const) {
      packed.touch(k, T0 + ts);
      plain.touch(k, T0 + ts);
    }
    const held = ['a', 'b', 'c', 'd', 'e', 'f'].filter((k) => packed.get(k) !== undefined);
    // Generations of 2: c's touch promotes it from the old generation {c, a} into a fresh young one,
    // retiring {d, e} to old and dropping a.
    expect(held).toEqual(['c', 'd', 'e', 'f']);
    // (entries, not get: ProfileMap's get promotes, which would change what it holds.)
    expect([...plain.entries()].map((t) => t.key).sort()).toEqual(held);
    expect(packed.size).toBe(4);
  });

  it('saves rows with the bookkeeping as row fields and restores them, skipping rows that do not decode', () => {
    const m = createPackedProfileMap({ capacity: 10, learning, codec });
    for (let i = 0; i < 6; i++) {
      const p = m.touch(`user:${i % 2}`, T0 + i * 60_000);
      p.data[COUNT] = (p.data[COUNT] as number) + i;
      p.tag = `t${i % 2}`;
    }
    const rows = m.snapshot('demo', 'principal', 9);
    expect(rows.map((r) => ({ ...r })).sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { detector: 'demo', scope: 'principal', key: 'user:0', version: 9, firstTs: T0, lastTs: T0 + 240_000, events: 3, state: '{"count":6,"tag":"t0"}' },
      { detector: 'demo', scope: 'principal', key: 'user:1', version: 9, firstTs: T0 + 60_000, lastTs: T0 + 300_000, events: 3, state: '{"count":9,"tag":"t1"}' },
    ]);
    const back = createPackedProfileMap({ capacity: 10, learning, codec });
    const bad = { ...rows[0]!, key: 'user:bad', state: '{"count":"x"}' };
    expect(back.restore('demo', 'principal', [...rows, bad, { ...rows[0]!, detector: 'other', key: 'user:other' }])).toBe(2);
    expect(back.get('user:0')).toEqual(m.get('user:0'));
    expect(back.get('user:1')).toEqual({ data: [T0 + 60_000, T0 + 300_000, 3, 9], tag: 't1' });
    expect(back.get('user:bad')).toBeUndefined();
  });

  it('snapshots only the keys asked for, without promoting them, and forgets deleted keys', () => {
    const m = createPackedProfileMap({ capacity: 4, learning, codec });
    for (let i = 0; i < 4; i++) m.touch(`p${i}`, T0 + i);
    // p0 and p1 sit in the old generation: a snapshot of p0 must not make it young again.
    expect(m.snapshot('demo', 'principal', 1, new Set(['p0', 'p3', 'gone'])).map((r) => r.key)).toEqual(['p0', 'p3']);
    m.touch('p4', T0 + 4);
    m.touch('p5', T0 + 5);
    expect([...m.values()].map((p) => p.data[0]).sort()).toEqual([T0 + 2, T0 + 3, T0 + 4, T0 + 5]);
    expect(m.delete(['p2', 'p9'])).toBe(1);
    expect(m.size).toBe(3);
    expect(m.get('p2')).toBeUndefined();
  });

  it('restores at most its capacity, keeping the most recently active', () => {
    const m = createPackedProfileMap({ capacity: 100, learning, codec });
    for (let i = 0; i < 10; i++) m.touch(`p${i}`, T0 + i);
    const small = createPackedProfileMap({ capacity: 4, learning, codec });
    expect(small.restore('demo', 'principal', m.snapshot('demo', 'principal', 1))).toBe(4);
    expect(['p5', 'p6', 'p7', 'p8', 'p9'].map((k) => small.get(k) !== undefined)).toEqual([false, true, true, true, true]);
  });
});

import { describe, expect, it } from 'vitest';
import { createBoundedCache, decodeCache, encodeCache } from './index.js';

describe('createBoundedCache', () => {
  it('returns what was stored', () => {
    const c = createBoundedCache<number>(4);
    c.set('a', 1);
    expect(c.get('a')).toBe(1);
    expect(c.get('b')).toBeUndefined();
  });

  it('drops the oldest generation once the young one fills, keeping recently read keys', () => {
    const c = createBoundedCache<number>(4); // generations of 2
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3); // a, b become the old generation
    expect(c.get('a')).toBe(1); // promoted into the young generation: c, a
    c.set('d', 4); // young full: old = {c, a}, young = {d}
    expect([c.get('a'), c.get('b'), c.get('c'), c.get('d')]).toEqual([1, undefined, 3, 4]);
  });

  it('forgets everything on clear', () => {
    const c = createBoundedCache<number>(4);
    c.set('a', 1);
    c.clear();
    expect(c.get('a')).toBeUndefined();
  });

  it('lists, peeks, replaces and deletes without promoting, each key once', () => {
    const c = createBoundedCache<number>(4); // generations of 2
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3); // old = {a, b}, young = {c}
    expect(c.get('a')).toBe(1); // promoted: young = {c, a}, old still holds a
    expect([...c.entries()]).toEqual([['b', 2, false], ['c', 3, true], ['a', 1, true]]);
    expect(c.peek('b')).toBe(2); // not promoted: the next set drops it with its generation
    c.replace('a', 10);
    c.replace('zz', 5); // not held: nothing added
    expect(c.delete('c')).toBe(true);
    expect(c.delete('c')).toBe(false);
    c.set('d', 4); // young = {a, d}
    c.set('e', 5); // young full: old = {a, d}, young = {e}; b is gone
    expect([...c.entries()]).toEqual([['a', 10, false], ['d', 4, false], ['e', 5, true]]);
    expect(c.size).toBe(3);
  });
});

/** A fixed pseudo-random key sequence with reuse, so entries are promoted and generations dropped. */
function keys(n: number, spread: number): string[] {
  let x = 12345;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return `k${(x >>> 16) % spread}`;
  });
}

describe('saving and restoring a bounded cache', () => {
  it('restores entries into the generations they were saved from, so it goes on evicting the same', () => {
    const original = createBoundedCache<number>(8);
    const seq = keys(300, 20);
    seq.slice(0, 150).forEach((k, i) => original.getOrCreate(k, () => i));
    const restored = createBoundedCache<number>(8);
    expect(decodeCache(JSON.parse(JSON.stringify(encodeCache(original, (v) => v))), 8, (v) => (typeof v === 'number' ? v : undefined), restored)).toBe(original.size);
    expect([...restored.entries()]).toEqual([...original.entries()]);
    for (const [i, k] of seq.slice(150).entries()) {
      expect(restored.get(k)).toBe(original.get(k));
      original.getOrCreate(k, () => i);
      restored.getOrCreate(k, () => i);
    }
  });

  it('rejects a saved cache with a bad entry, and loads none of it', () => {
    const c = createBoundedCache<number>(8);
    expect(decodeCache([['a', 1, 1], ['b', 2, 'x']], 8, (v) => (typeof v === 'number' ? v : undefined), c)).toBeUndefined();
    expect(decodeCache([['a', 1, 1], ['b', 1, 'x']], 8, (v) => (typeof v === 'number' ? v : undefined), c)).toBeUndefined();
    expect(decodeCache(Array.from({ length: 9 }, (_, i) => [`k${i}`, 1, i]), 8, (v) => (typeof v === 'number' ? v : undefined), c)).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('peeks without promoting, and deletes from both generations', () => {
    const c = createBoundedCache<number>(4);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3); // a and b move to the old generation
    expect(c.peek('a')).toBe(1);
    expect([...c.entries()].map(([k, , young]) => [k, young])).toEqual([
      ['a', false],
      ['b', false],
      ['c', true],
    ]);
    c.get('a'); // promoted: young again
    c.delete('a');
    expect(c.peek('a')).toBeUndefined();
    expect(c.size).toBe(2);
  });
});

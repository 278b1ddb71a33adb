import { describe, expect, it } from 'vitest';
import { createBoundedCache } from './index.js';

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
});

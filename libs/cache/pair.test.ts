import { describe, expect, it } from 'vitest';
import { createBoundedCache } from './index.js';
import { createPairCache } from './pair.js';

describe('createPairCache', () => {
  it('keeps values per pair: the same b under another a is another entry', () => {
    const c = createPairCache<number>(8);
    c.set('Patient', 'tok_1', 1);
    c.set('Observation', 'tok_1', 2);
    expect([c.get('Patient', 'tok_1'), c.get('Observation', 'tok_1'), c.get('Patient', 'tok_2')]).toEqual([1, 2, undefined]);
    expect(c.size).toBe(2);
  });

  it('drops the oldest generation once the young one fills, keeping recently read pairs', () => {
    const c = createPairCache<number>(4); // generations of 2
    c.set('T', 'a', 1);
    c.set('U', 'b', 2);
    c.set('T', 'c', 3); // (T,a), (U,b) become the old generation
    expect(c.get('T', 'a')).toBe(1); // promoted into the young generation: (T,c), (T,a)
    c.set('U', 'd', 4); // young full: old = {(T,c), (T,a)}, young = {(U,d)}
    expect([c.get('T', 'a'), c.get('U', 'b'), c.get('T', 'c'), c.get('U', 'd')]).toEqual([1, undefined, 3, 4]);
  });

  it('lists, peeks, replaces and deletes without promoting, each pair once', () => {
    const c = createPairCache<number>(4);
    c.set('T', 'a', 1);
    c.set('T', 'b', 2);
    c.set('U', 'c', 3); // old = {(T,a), (T,b)}, young = {(U,c)}
    expect(c.get('T', 'a')).toBe(1); // promoted: young = {(U,c), (T,a)}, old still holds it
    expect([...c.entries()]).toEqual([
      ['T', 'b', 2, false],
      ['U', 'c', 3, true],
      ['T', 'a', 1, true],
    ]);
    expect(c.size).toBe(3);
    expect(c.peek('T', 'b')).toBe(2);
    c.replace('T', 'a', 10);
    c.replace('T', 'zz', 5); // not held: nothing added
    expect([c.peek('T', 'a'), c.peek('T', 'zz')]).toEqual([10, undefined]);
    expect(c.delete('U', 'c')).toBe(true);
    expect(c.delete('U', 'c')).toBe(false);
    expect(c.delete('T', 'a')).toBe(true); // from both generations
    expect([...c.entries()]).toEqual([['T', 'b', 2, false]]);
    c.clear();
    expect(c.size).toBe(0);
  });

  it('holds and evicts exactly what a BoundedCache on the joined key does', () => {
    const pairs = createPairCache<number>(16);
    const joined = createBoundedCache<number>(16);
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const a = `T${next(3)}`;
      const b = `id${next(12)}`;
      const op = next(10);
      if (op < 5) expect(pairs.get(a, b)).toBe(joined.get(`${a}\u0000${b}`));
      else if (op < 8) {
        pairs.set(a, b, i);
        joined.set(`${a}\u0000${b}`, i);
      } else if (op < 9) expect(pairs.delete(a, b)).toBe(joined.delete(`${a}\u0000${b}`));
      else {
        pairs.replace(a, b, -i);
        joined.replace(`${a}\u0000${b}`, -i);
      }
      expect(pairs.size).toBe(joined.size);
    }
    const byGeneration = (young: boolean) => (rows: [string, number, boolean][]) => rows.filter((r) => r[2] === young).map(([k, v]) => `${k}=${v}`).sort();
    const fromPairs = [...pairs.entries()].map(([a, b, v, young]): [string, number, boolean] => [`${a}\u0000${b}`, v, young]);
    const fromJoined = [...joined.entries()];
    expect(byGeneration(true)(fromPairs)).toEqual(byGeneration(true)(fromJoined));
    expect(byGeneration(false)(fromPairs)).toEqual(byGeneration(false)(fromJoined));
  });
});

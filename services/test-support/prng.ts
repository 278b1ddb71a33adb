/**
 * A seeded pseudo-random generator (mulberry32) for end-to-end tests that build traffic: random
 * looking, so detection is not shown only regular patterns, and the same on every run, so the
 * alerts a test expects are exact.
 */
export interface Prng {
  /** In [0, 1). */
  next: () => number;
  /** An integer in [lo, hi]. */
  int: (lo: number, hi: number) => number;
  pick: <T>(xs: readonly T[]) => T;
  /** `n` lowercase hex digits. */
  hex: (n: number) => string;
  /** A version-4-shaped UUID. */
  uuid: () => string;
}

export function createPrng(seed: number): Prng {
  let a = seed | 0;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
    hex,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
  };
}

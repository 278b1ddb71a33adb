/**
 * Deterministic pseudo-random integers in [0, 2^31) for property-style tests: the same seed gives
 * the same sequence on every run, so a failure can be replayed. (The classic ANSI C LCG: plenty for
 * shuffling test inputs, not for anything else.)
 */
export function seededInts(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x;
  };
}

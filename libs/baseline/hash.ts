/**
 * A fast, seeded 32-bit string hash for sketches (HyperLogLog, count-min). Not cryptographic:
 * inputs are already tokens or route names, and sketches only need well-spread bits.
 * FNV-1a over UTF-16 code units, then murmur3's fmix32 finalizer so low and high bits both mix.
 */
export function hash32(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

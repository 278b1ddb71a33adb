import { createHash } from 'node:crypto';

/**
 * Event ids seen lately, to recognise an event delivered twice (a log shipper re-sending what was
 * not acknowledged, a gateway retrying a batch, a topic re-read after a failed commit).
 *
 * Two generations, like createBoundedCache, but of 64-bit fingerprints in open-addressing typed
 * arrays: 16 bytes of memory per remembered id and no object per id, because this sees every event.
 * When the young table holds capacity/2 ids it becomes the old one and the old one is cleared for
 * reuse, so between capacity/2 and capacity of the latest ids are remembered.
 *
 * NOTE: two different ids share a fingerprint with probability ~capacity / 2^64 per new id (event
 * ids are sha256 hex, so their first 16 hex digits are the fingerprint): at the default million,
 * one event in ~10^13 would be taken for a copy.
 */
export interface RecentIds {
  /** True when `id` is still remembered from before; otherwise remembers it and answers false. */
  seen(id: string): boolean;
  /** Bytes the tables take once allocated (they are, on the first call of `seen`). */
  readonly bytes: number;
}

export function createRecentIds(capacity: number): RecentIds {
  if (!Number.isInteger(capacity) || capacity < 2) throw new Error(`recent ids: capacity must be an integer >= 2, got ${capacity}`);
  const perGeneration = Math.floor(capacity / 2);
  // At most half full, so a probe for a missing id ends after ~2.5 slots on average.
  const slots = 2 ** Math.ceil(Math.log2(perGeneration * 2));
  const mask = slots - 1;
  let young: Uint32Array | undefined;
  let old: Uint32Array | undefined;
  let youngCount = 0;
  let hi = 0;
  let lo = 0;

  function fingerprint(id: string): void {
    // The first 16 hex digits as two 32-bit halves, read in place (no slices, no regex).
    let h = 0;
    let l = 0;
    let hex = id.length >= 16;
    for (let i = 0; hex && i < 16; i++) {
      const d = hexDigit(id.charCodeAt(i));
      if (d < 0) hex = false;
      else if (i < 8) h = h * 16 + d;
      else l = l * 16 + d;
    }
    if (hex) {
      hi = h;
      lo = l;
    } else {
      // Not one of eventIdFor's ids (an event produced by something else): hash it to the same shape.
      const d = createHash('sha256').update(id).digest();
      hi = d.readUInt32BE(0);
      lo = d.readUInt32BE(4);
    }
    if (hi === 0 && lo === 0) lo = 1; // (0, 0) marks an empty slot
  }

  /** The slot holding the current fingerprint in `table`, or the empty slot where it would go (as -1 - slot). */
  function find(table: Uint32Array): number {
    for (let s = lo & mask; ; s = (s + 1) & mask) {
      const h = table[2 * s];
      const l = table[2 * s + 1];
      if (h === hi && l === lo) return s;
      if (h === 0 && l === 0) return -1 - s;
    }
  }

  function add(): void {
    if (young === undefined || old === undefined) throw new Error('recent ids: tables not allocated');
    if (youngCount >= perGeneration) {
      const cleared = old.fill(0);
      old = young;
      young = cleared;
      youngCount = 0;
    }
    const s = -1 - find(young);
    young[2 * s] = hi;
    young[2 * s + 1] = lo;
    youngCount++;
  }

  return {
    seen(id) {
      if (young === undefined || old === undefined) {
        young = new Uint32Array(2 * slots);
        old = new Uint32Array(2 * slots);
      }
      fingerprint(id);
      if (find(young) >= 0) return true;
      if (find(old) >= 0) {
        add(); // promoted: a recently repeated id is kept as long as a new one
        return true;
      }
      add();
      return false;
    },
    bytes: 2 * 2 * slots * Uint32Array.BYTES_PER_ELEMENT,
  };
}

/** A lowercase hex digit's value (event ids are lowercase hex), else -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

import { createBoundedCache } from '../cache/index.js';
import { restoreRows, type Learning, type ProfileCodec } from './profiles.js';
import type { BaselineScope, BaselineSnapshot } from './snapshot.js';

/**
 * A profile map for packed profiles (numbers in one double array) that keeps its bookkeeping in
 * that array too: the map's value is the profile itself, with no entry object around it.
 *
 * NOTE: why it exists next to ProfileMap. There, each entry is a `Tracked` object (key, first and
 * last event time, events, profile: 64 bytes on 64-bit V8) whose two timestamps are boxed heap
 * numbers (16 bytes each). Here those three numbers are three more slots of the profile's array
 * (24 bytes): ~70 bytes less per principal for each detector that uses it, which the per-principal
 * budget (budget.ts) needs. Same eviction (libs/cache generations), learning rule and snapshot rows.
 */
export const META_FIRST = 0;
export const META_LAST = 1;
export const META_EVENTS = 2;
/** Slots a packed profile reserves at the start of its meta array; its own slots begin after them. */
export const META_SLOTS = 3;

export interface PackedCodec<P> extends ProfileCodec<P> {
  /**
   * The array whose first META_SLOTS slots the map owns. NOTE: read through this every time: a
   * detector may replace the array (concat to grow it), carrying the slots along.
   */
  meta(p: P): number[];
}

export interface PackedProfileMap<P> {
  /** The profile for `key`, created if new, with its events and first and last event time updated for `ts`. */
  touch(key: string, ts: number): P;
  /** The profile without promoting it (tests, inspection). */
  get(key: string): P | undefined;
  /** True while the profile has not yet seen enough events and enough event time. */
  learning(p: P): boolean;
  firstTs(p: P): number;
  lastTs(p: P): number;
  events(p: P): number;
  readonly size: number;
  values(): Iterable<P>;
  /** Rows of every profile, or only of those whose key is in `keys` (incremental snapshots). */
  snapshot(detector: string, scope: BaselineScope, version: number, keys?: ReadonlySet<string>): BaselineSnapshot[];
  /** Forgets these profiles (their principal moved to another instance); returns how many were held. */
  delete(keys: Iterable<string>): number;
  /** Loads rows of this detector and scope; returns how many were taken. */
  restore(detector: string, scope: BaselineScope, rows: readonly BaselineSnapshot[]): number;
}

export function createPackedProfileMap<P>(opts: { capacity: number; learning: Learning; codec: PackedCodec<P> }): PackedProfileMap<P> {
  const { codec, learning } = opts;
  const cache = createBoundedCache<P>(opts.capacity);

  function row(detector: string, scope: BaselineScope, version: number, key: string, p: P): BaselineSnapshot {
    const m = codec.meta(p);
    const [firstTs, lastTs, events] = [m[META_FIRST] as number, m[META_LAST] as number, m[META_EVENTS] as number];
    return { detector, scope, key, version, firstTs, lastTs, events, state: JSON.stringify(codec.encode(p)) };
  }

  return {
    touch(key, ts) {
      let p = cache.get(key);
      if (p === undefined) {
        p = codec.create();
        const fresh = codec.meta(p);
        fresh[META_FIRST] = ts;
        fresh[META_LAST] = ts;
        fresh[META_EVENTS] = 0;
        cache.set(key, p);
      }
      const m = codec.meta(p);
      m[META_EVENTS] = (m[META_EVENTS] as number) + 1;
      if (ts > (m[META_LAST] as number)) m[META_LAST] = ts;
      if (ts < (m[META_FIRST] as number)) m[META_FIRST] = ts;
      return p;
    },
    get: (key) => cache.peek(key),
    learning(p) {
      const m = codec.meta(p);
      return (m[META_EVENTS] as number) < learning.minEvents || (m[META_LAST] as number) - (m[META_FIRST] as number) < learning.minSpanMs;
    },
    firstTs: (p) => codec.meta(p)[META_FIRST] as number,
    lastTs: (p) => codec.meta(p)[META_LAST] as number,
    events: (p) => codec.meta(p)[META_EVENTS] as number,
    get size() {
      return cache.size;
    },
    *values() {
      for (const [, p] of cache.entries()) yield p;
    },
    snapshot(detector, scope, version, keys) {
      const rows: BaselineSnapshot[] = [];
      // NOTE: peek, never get: a snapshot is not activity and must not change what is evicted first.
      if (keys === undefined) for (const [key, p] of cache.entries()) rows.push(row(detector, scope, version, key, p));
      else
        for (const key of keys) {
          const p = cache.peek(key);
          if (p !== undefined) rows.push(row(detector, scope, version, key, p));
        }
      return rows;
    },
    delete(keys) {
      let n = 0;
      for (const k of keys) if (cache.delete(k)) n++;
      return n;
    },
    restore(detector, scope, rows) {
      return restoreRows(rows, detector, scope, opts.capacity, codec, (r, p) => {
        const m = codec.meta(p);
        m[META_FIRST] = r.firstTs;
        m[META_LAST] = r.lastTs;
        m[META_EVENTS] = r.events;
        cache.set(r.key, p);
      });
    },
  };
}

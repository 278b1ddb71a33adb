import { createBoundedCache } from '../cache/index.js';
import { parseRowState, type BaselineScope, type BaselineSnapshot } from './snapshot.js';

/**
 * Per-principal (or per-cohort) profiles with bounded memory and a learning period.
 *
 * Eviction is libs/cache's two-generation approximate LRU (young and old Maps; the old one is
 * dropped whole when the young one fills), so idle principals go first at O(1) per event.
 */
export interface ProfileCodec<P> {
  create(): P;
  /** JSON-safe form of the profile (numbers, sketches, tokens). */
  encode(p: P): unknown;
  /** Undefined for a value that is not a valid encoding: the row is skipped, never trusted. */
  decode(v: unknown): P | undefined;
  /** Approximate heap bytes of one profile, for `approxBytes()` (the bench measures the truth). */
  bytes(p: P): number;
}

export interface Learning {
  /** Observations before the profile is trusted. */
  minEvents: number;
  /** Event time between first and last observation before it is trusted (covers a daily cycle). */
  minSpanMs: number;
}

export interface Tracked<P> {
  readonly key: string;
  firstTs: number;
  lastTs: number;
  events: number;
  profile: P;
}

export interface ProfileMap<P> {
  /** The entry for `key`, created if new, with `events`, `firstTs` and `lastTs` updated for `ts`. */
  touch(key: string, ts: number): Tracked<P>;
  get(key: string): Tracked<P> | undefined;
  /** True while the entry has not yet seen enough events and enough event time. */
  learning(t: Tracked<P>): boolean;
  readonly size: number;
  /** Estimated heap bytes of all entries. */
  approxBytes(): number;
  entries(): Iterable<Tracked<P>>;
  /** Rows of every entry, or only of the entries whose key is in `keys` (incremental snapshots). */
  snapshot(detector: string, scope: BaselineScope, version: number, keys?: ReadonlySet<string>): BaselineSnapshot[];
  /** Forgets these entries (their principal moved to another instance); returns how many were held. */
  delete(keys: Iterable<string>): number;
  /** Loads rows of this detector and scope; returns how many were taken. */
  restore(detector: string, scope: BaselineScope, rows: readonly BaselineSnapshot[]): number;
}

/** Map slot, key string and the Tracked object's own fields, measured on V8 (see the README). */
const ENTRY_OVERHEAD = 120;

export function createProfileMap<P>(opts: { capacity: number; learning: Learning; codec: ProfileCodec<P> }): ProfileMap<P> {
  const { codec, learning } = opts;
  const cache = createBoundedCache<Tracked<P>>(opts.capacity);
  const put = (t: Tracked<P>): void => cache.set(t.key, t);

  function* entries(): Generator<Tracked<P>> {
    for (const [, t] of cache.entries()) yield t;
  }

  function* pick(keys: ReadonlySet<string>): Generator<Tracked<P>> {
    for (const k of keys) {
      const t = cache.peek(k);
      if (t !== undefined) yield t;
    }
  }

  return {
    touch(key, ts) {
      let t = cache.get(key);
      if (t === undefined) {
        t = { key, firstTs: ts, lastTs: ts, events: 0, profile: codec.create() };
        put(t);
      }
      t.events++;
      if (ts > t.lastTs) t.lastTs = ts;
      if (ts < t.firstTs) t.firstTs = ts;
      return t;
    },
    get: (key) => cache.get(key),
    learning: (t) => t.events < learning.minEvents || t.lastTs - t.firstTs < learning.minSpanMs,
    get size() {
      return cache.size;
    },
    approxBytes() {
      let n = 0;
      for (const t of entries()) n += ENTRY_OVERHEAD + 2 * t.key.length + codec.bytes(t.profile);
      return n;
    },
    entries,
    snapshot(detector, scope, version, keys) {
      const rows: BaselineSnapshot[] = [];
      // NOTE: a keyed lookup must not promote (get() does): a snapshot is not activity.
      const picked = keys === undefined ? entries() : pick(keys);
      for (const t of picked) {
        rows.push({
          detector,
          scope,
          key: t.key,
          version,
          firstTs: t.firstTs,
          lastTs: t.lastTs,
          events: t.events,
          state: JSON.stringify(codec.encode(t.profile)),
        });
      }
      return rows;
    },
    delete(keys) {
      let n = 0;
      for (const k of keys) if (cache.delete(k)) n++;
      return n;
    },
    restore(detector, scope, rows) {
      return restoreRows(rows, detector, scope, opts.capacity, codec, (r, profile) =>
        put({ key: r.key, firstTs: r.firstTs, lastTs: r.lastTs, events: r.events, profile }),
      );
    },
  };
}

/**
 * Puts the rows of this detector and scope that decode, oldest activity first (so the most recently
 * active end up in the young generation), at most `capacity` of them; returns how many were put.
 */
export function restoreRows<P>(
  rows: readonly BaselineSnapshot[],
  detector: string,
  scope: BaselineScope,
  capacity: number,
  codec: Pick<ProfileCodec<P>, 'decode'>,
  put: (row: BaselineSnapshot, profile: P) => void,
): number {
  let taken = 0;
  const mine = rows.filter((r) => r.detector === detector && r.scope === scope).sort((a, b) => a.lastTs - b.lastTs);
  for (const r of mine.slice(-capacity)) {
    const parsed = parseRowState(r);
    if (parsed === undefined) continue;
    const profile = codec.decode(parsed);
    if (profile === undefined) continue;
    put(r, profile);
    taken++;
  }
  return taken;
}

import { createBoundedCache } from '../cache/index.js';

/**
 * What the detector runtime remembers about principals besides their detector state, so snapshots
 * can be incremental and follow Kafka partitions:
 * - the principals whose state changed since the last incremental snapshot (the dirty set);
 * - the `vigil.events` partition each principal's events arrive on (recorded from the consumed
 *   message, so it is exact whatever partitioner the producer used);
 * - per partition, the offset after the last event the state reflects (the handoff marker).
 *
 * Bounded: the dirty set holds at most `dirtyCap` principals; past that it gives up naming them and
 * the next incremental snapshot is a full one (`overflowed`). The partition map is a two-generation
 * LRU of `partitionCap` principals (a principal idle long enough to fall out of it is, in Kafka
 * mode, no longer snapshotted: see framework.ts).
 */
export interface ChangeTrackerOptions {
  dirtyCap: number;
  partitionCap: number;
}

export interface ChangeTracker {
  /** One event of `principal` was detected on (from `partition` at `offset` when it came from Kafka). */
  touched(principal: string, origin?: { partition: number; offset: string }): void;
  /** The dirty set since the last call (undefined: it overflowed, snapshot everything), then clears it. */
  take(): ReadonlySet<string> | undefined;
  /** Puts principals back (their snapshot failed to save), or marks everything dirty (no argument). */
  requeue(principals?: ReadonlySet<string>): void;
  /** Whether anything changed since the last take(). */
  readonly changed: boolean;
  partitionOf(principal: string): number | undefined;
  /** Records a principal's partition without marking it dirty (restored rows). */
  place(principal: string, partition: number): void;
  /** Next offset per partition that the state reflects (only partitions seen or set). */
  positions(): ReadonlyMap<number, bigint>;
  setPosition(partition: number, next: bigint): void;
  /** Forgets positions and dirty marks of principals of partitions this instance no longer owns. */
  release(partitions: ReadonlySet<number>, principals: ReadonlySet<string>): void;
}

export function createChangeTracker(opts: ChangeTrackerOptions): ChangeTracker {
  let dirty = new Set<string>();
  let overflowed = false;
  let any = false;
  const partitions = createBoundedCache<number>(opts.partitionCap);
  /** Last handled offset per partition, as consumed (a string: no BigInt work per event). */
  const handled = new Map<number, string>();

  return {
    touched(principal, origin) {
      any = true;
      if (!overflowed) {
        dirty.add(principal);
        if (dirty.size > opts.dirtyCap) {
          overflowed = true;
          dirty = new Set();
        }
      }
      if (origin !== undefined) {
        if (partitions.get(principal) !== origin.partition) partitions.set(principal, origin.partition);
        handled.set(origin.partition, origin.offset);
      }
    },
    take() {
      const out = overflowed ? undefined : dirty;
      dirty = new Set();
      overflowed = false;
      any = false;
      return out;
    },
    requeue(principals) {
      any = true;
      if (principals === undefined) {
        overflowed = true;
        dirty = new Set();
        return;
      }
      if (overflowed) return;
      for (const p of principals) dirty.add(p);
      if (dirty.size > opts.dirtyCap) {
        overflowed = true;
        dirty = new Set();
      }
    },
    get changed() {
      return any;
    },
    partitionOf: (principal) => partitions.get(principal),
    place(principal, partition) {
      partitions.set(principal, partition);
    },
    positions: () => new Map([...handled].map(([p, o]) => [p, BigInt(o) + 1n])),
    setPosition(partition, next) {
      handled.set(partition, (next - 1n).toString());
    },
    release(lost, principals) {
      for (const p of lost) handled.delete(p);
      for (const p of principals) dirty.delete(p);
    },
  };
}

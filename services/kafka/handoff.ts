import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../libs/contracts/index.js';
import { committedOffsets, createKafkaClient, type TopicPartition } from '../../libs/kafka/index.js';
import type { Logger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';
import type { DetectorRuntime } from '../../detectors/framework.js';

/**
 * Per-principal detector state handoff between detect instances, called by the consumer loop's
 * partition hooks (libs/kafka PartitionHooks) through services/kafka/index.ts.
 *
 * Contract:
 * - `save(partitions)` runs after the last commit of partitions this instance may give up (graceful
 *   stop: before it leaves the group; rebalance: as it starts, for every partition owned, see
 *   PartitionHooks' NOTE).
 * - `load(partitions)` runs on every assignment change, with the newly assigned partitions
 *   (possibly none), before the first event of those partitions is detected on.
 * - Both may throw; the loop then stops (the process exits non-zero and a restart resumes).
 */
export interface DetectorStateHandoff {
  load(partitions: TopicPartition[]): Promise<void>;
  save(partitions: TopicPartition[]): Promise<void>;
}

export const NO_HANDOFF: DetectorStateHandoff = {
  load: () => Promise.resolve(),
  save: () => Promise.resolve(),
};

export type HandoffStore = Pick<Store, 'saveBaselines' | 'loadPartitionBaselines' | 'saveBaselinePositions' | 'loadBaselinePositions'>;

export interface HandoffReport {
  partitions: number[];
  rows: number;
  /** load: partitions loaded without the previous owner's state reaching the committed offset (it crashed). */
  incomplete?: number[];
}

export interface BaselineHandoff extends DetectorStateHandoff {
  /** Binds it to the core whose state it moves and to the loop's live assignment; before the loop starts. */
  attach(target: { store: HandoffStore; detectors: DetectorRuntime }, assignment: () => TopicPartition[]): void;
  /** What the last save and load did. */
  readonly last: { saved?: HandoffReport; loaded?: HandoffReport };
}

/**
 * Baselines follow their principals across detect instances (docs/baselines.md). Principals map to
 * vigil.events partitions by Kafka's key hash (the key is the principal id); the runtime records
 * each principal's partition from the messages it consumed, and the offset after the last event of
 * each partition its state reflects.
 *
 * save: writes the principal rows of those partitions (column kafka_partition), then per partition
 * a marker with that offset (baseline_positions). load: reads the group's committed offsets, waits
 * until every gained partition's marker reached its committed offset (at most `waitMs`), then loads
 * its principals' rows. Ordering guarantee: the marker is written after the rows, and the offset
 * is committed before the old owner saves, so a marker at or past the committed offset means the
 * rows there reflect every event before the point the new owner starts from. kafkajs cannot hold a
 * rejoin, so on a rebalance the new owner may get the partition before the old one saved: it is the
 * wait that orders them. Limit: if the old owner dies without saving (kill -9), the marker stays
 * behind; after `waitMs` the new owner loads the last periodic snapshot (logged as incomplete),
 * losing at most one snapshot interval of learning for those principals.
 */
export function createBaselineHandoff(
  cfg: { topic: string; waitMs: number; pollMs?: number },
  deps: { logger: Logger; committed: () => Promise<Map<number, bigint>>; now?: () => number },
): BaselineHandoff {
  const log = deps.logger.child({ component: 'baseline-handoff' });
  const now = deps.now ?? Date.now;
  const pollMs = cfg.pollMs ?? 200;
  let target: { store: HandoffStore; detectors: DetectorRuntime } | undefined;
  let assignment: () => TopicPartition[] = () => [];
  /** Partitions whose principals this instance holds state for. */
  let held = new Set<number>();
  /** Principals saved per partition by the last save: what to forget once a partition is gone. */
  const savedKeys = new Map<number, Set<string>>();
  const last: { saved?: HandoffReport; loaded?: HandoffReport } = {};

  const ours = (tps: TopicPartition[]) => new Set(tps.filter((tp) => tp.topic === cfg.topic).map((tp) => tp.partition));
  function bound(): { store: HandoffStore; detectors: DetectorRuntime } {
    if (!target) throw new Error('baseline handoff used before attach(core): wire it before the consumer starts');
    return target;
  }

  /** Waits until each partition's marker reached its committed offset; returns the ones that did not. */
  async function awaitMarkers(store: HandoffStore, committed: Map<number, bigint>, parts: number[]): Promise<number[]> {
    const deadline = now() + cfg.waitMs;
    let waiting = parts.filter((p) => committed.has(p));
    for (;;) {
      if (waiting.length === 0) return [];
      const markers = await store.loadBaselinePositions(waiting);
      waiting = waiting.filter((p) => (markers.get(p) ?? -1n) < (committed.get(p) ?? 0n));
      if (waiting.length === 0 || now() >= deadline) return waiting;
      await sleep(pollMs);
    }
  }

  return {
    last,
    attach(t, a) {
      target = t;
      assignment = a;
      // Snapshots (periodic and final) write only principals of partitions owned right now.
      t.detectors.own((p) => assignment().some((tp) => tp.topic === cfg.topic && tp.partition === p));
    },

    async save(partitions) {
      const { store, detectors } = bound();
      // Only partitions whose state this instance holds: one assigned but never loaded (no batch
      // arrived before it moved on) would be saved from stale or empty state over the real one.
      const parts = new Set([...ours(partitions)].filter((p) => held.has(p)));
      if (parts.size === 0) return;
      // Synchronous up to the first await: no event is handled between positions and rows.
      const version = detectors.nextVersion(Date.now());
      const positions = [...detectors.changes.positions()].filter(([p]) => parts.has(p)).map(([partition, nextOffset]) => ({ partition, nextOffset, version }));
      const rows = detectors.snapshotPartitions(version, parts);
      for (const p of parts) savedKeys.set(p, new Set());
      for (const r of rows) if (r.partition !== undefined) savedKeys.get(r.partition)?.add(r.key);
      await store.saveBaselines(rows);
      // NOTE: markers after rows: a marker promises its rows are already readable.
      await store.saveBaselinePositions(positions);
      last.saved = { partitions: [...parts].sort((a, b) => a - b), rows: rows.length };
      log.info({ event: 'baseline_handoff_saved', partitions: last.saved.partitions, rows: rows.length });
    },

    async load(partitions) {
      const { store, detectors } = bound();
      const current = ours(assignment());
      const lost = new Set([...held].filter((p) => !current.has(p)));
      if (lost.size > 0) {
        const principals = new Set([...lost].flatMap((p) => [...(savedKeys.get(p) ?? [])]));
        detectors.forget(lost, principals);
        for (const p of lost) savedKeys.delete(p);
        log.info({ event: 'baseline_handoff_dropped', partitions: [...lost], principals: principals.size });
      }
      held = current;
      const parts = [...ours(partitions)].sort((a, b) => a - b);
      if (parts.length === 0) return;
      const committed = await deps.committed();
      const incomplete = await awaitMarkers(store, committed, parts);
      if (incomplete.length > 0) {
        log.warn({ event: 'baseline_handoff_incomplete', partitions: incomplete, wait_ms: cfg.waitMs }, 'previous owner did not save these partitions (crashed?): loading the last periodic snapshot');
      }
      const rows = await store.loadPartitionBaselines(parts);
      const taken = detectors.restore(rows);
      // The loaded state reflects the events before the committed offset: where this owner starts.
      for (const p of parts) {
        const c = committed.get(p);
        if (c !== undefined) detectors.changes.setPosition(p, c);
      }
      for (const p of parts) held.add(p);
      last.loaded = { partitions: parts, rows: taken, ...(incomplete.length > 0 ? { incomplete } : {}) };
      log.info({ event: 'baseline_handoff_loaded', partitions: parts, rows: taken, incomplete });
    },
  };
}

/** The handoff of a detect role over `config.kafka.topics.events`, reading its group's commits. */
export function createConfiguredHandoff(config: Config, logger: Logger): BaselineHandoff {
  const kafka = createKafkaClient(config.kafka, { logger });
  const { detectGroupId, topics } = config.kafka;
  return createBaselineHandoff(
    { topic: topics.events, waitMs: config.detection.handoffWaitSeconds * 1000 },
    { logger, committed: () => committedOffsets(kafka, detectGroupId, topics.events) },
  );
}

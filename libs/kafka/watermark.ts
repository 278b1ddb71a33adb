import type { TopicPartition } from './consumer-loop.js';

/**
 * How far event time has got across the partitions one consumer reads: the low watermark. Detectors
 * that close windows on "the newest time seen" (flow-abuse closes a quiet principal's window once
 * event time passes its end) must not take that time from a partition consumed ahead of the
 * others: after downtime, partitions of one topic drain a backlog at different speeds and drift
 * apart by hours or days, and windows of principals whose events are still in a lagging partition
 * would be closed mid-burst. The watermark is the newest event time of the slowest partition that
 * still has a backlog. A partition whose last message was its newest when fetched has nothing
 * pending, so it does not hold the others back (else one idle partition would stop every clock);
 * when none has a backlog, it is the newest time of all.
 */
export interface Watermark {
  /**
   * Records a consumed message: its partition, the newest event time it carried (undefined when it
   * carried none, e.g. a dead letter) and the messages after it in the partition when it was
   * fetched (0: caught up). Returns the watermark, including this message.
   */
  advance(tp: TopicPartition, ts: number | undefined, lag: number): number | undefined;
  /** Forgets partitions no longer assigned, so a partition that moved away holds nothing back. */
  retain(assigned: readonly TopicPartition[]): void;
  /** The watermark now; undefined before any event time was seen. */
  value(): number | undefined;
  /**
   * How far the watermark is behind the newest event time consumed, in ms (0 when no partition with
   * a backlog is behind): how long other principals' windows wait for the slowest partition.
   */
  behindMs(): number;
}

interface PartitionTime {
  ts: number;
  caughtUp: boolean;
}

export function createWatermark(): Watermark {
  /** Per topic, per partition: the newest event time consumed, and whether it had a backlog then. */
  const topics = new Map<string, Map<number, PartitionTime>>();

  /** The slowest partition with a backlog (Infinity: none) and the newest of all (-Infinity: none). */
  function extremes(): { slowest: number; newest: number } {
    let slowest = Infinity;
    let newest = -Infinity;
    for (const parts of topics.values()) {
      for (const p of parts.values()) {
        if (!Number.isFinite(p.ts)) continue;
        if (p.ts > newest) newest = p.ts;
        if (!p.caughtUp && p.ts < slowest) slowest = p.ts;
      }
    }
    return { slowest, newest };
  }

  function value(): number | undefined {
    const { slowest, newest } = extremes();
    if (slowest !== Infinity) return slowest;
    return newest === -Infinity ? undefined : newest;
  }

  return {
    advance(tp, ts, lag) {
      let parts = topics.get(tp.topic);
      if (parts === undefined) topics.set(tp.topic, (parts = new Map<number, PartitionTime>()));
      let p = parts.get(tp.partition);
      if (p === undefined) parts.set(tp.partition, (p = { ts: -Infinity, caughtUp: false }));
      // Event time within a partition is almost sorted: keep the newest, a late line moves nothing back.
      if (ts !== undefined && ts > p.ts) p.ts = ts;
      p.caughtUp = lag <= 0;
      return value();
    },
    retain(assigned) {
      const keep = new Set(assigned.map((tp) => `${tp.topic}/${tp.partition}`));
      for (const [topic, parts] of topics) {
        for (const partition of parts.keys()) if (!keep.has(`${topic}/${partition}`)) parts.delete(partition);
        if (parts.size === 0) topics.delete(topic);
      }
    },
    value,
    behindMs() {
      const { slowest, newest } = extremes();
      return slowest === Infinity ? 0 : newest - slowest;
    },
  };
}

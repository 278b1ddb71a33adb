import { describe, expect, it } from 'vitest';
import type { BaselineSnapshot } from '../libs/baseline/index.js';
import { createDetectorRuntime, type DetectorRuntime } from './framework.js';
import { createRateDetector } from './rate/index.js';
import { event, principal } from './test-support/events.js';

const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const seen = (rt: DetectorRuntime, id: string, origin?: { partition: number; offset: string }) =>
  rt.detect(event({ ts: T0, route: '/fhir/Observation', principal: principal(id, 'app:portal', ['user/*.read']) }), origin);
const rowsOf = (job: ReturnType<DetectorRuntime['snapshotChanged']>): BaselineSnapshot[] => job?.steps.flatMap((s) => s()) ?? [];
const keys = (rows: BaselineSnapshot[]) => rows.map((r) => `${r.scope}:${r.key}${r.partition === undefined ? '' : `@${r.partition}`}`).sort();

describe('detector runtime snapshots', () => {
  it('are incremental: only principals changed since the last one, plus every cohort row', () => {
    const rt = createDetectorRuntime([createRateDetector()]);
    seen(rt, 'user:alice');
    seen(rt, 'user:bob');
    expect(keys(rowsOf(rt.snapshotChanged(1)))).toEqual(['cohort:app:portal|user/*.read', 'principal:user:alice', 'principal:user:bob']);
    seen(rt, 'user:bob');
    const job = rt.snapshotChanged(2);
    expect([...(job?.principals ?? [])]).toEqual(['user:bob']);
    expect(keys(rowsOf(job))).toEqual(['cohort:app:portal|user/*.read', 'principal:user:bob']);
    // Nothing changed: nothing to write.
    expect(rt.snapshotChanged(3)).toBeUndefined();
  });

  it('fall back to a full snapshot when the dirty set overflows its bound, and take back principals whose save failed', () => {
    const rt = createDetectorRuntime([createRateDetector()], { dirtyCap: 1 });
    seen(rt, 'user:alice');
    seen(rt, 'user:bob');
    const job = rt.snapshotChanged(1);
    expect(job?.principals).toBeUndefined();
    expect(keys(rowsOf(job))).toEqual(['cohort:app:portal|user/*.read', 'principal:user:alice', 'principal:user:bob']);
    rt.changes.requeue(new Set(['user:alice']));
    expect(keys(rowsOf(rt.snapshotChanged(2)))).toEqual(['cohort:app:portal|user/*.read', 'principal:user:alice']);
  });

  it('in Kafka mode, write only principals of owned partitions, except for a handoff that names its partitions', () => {
    const rt = createDetectorRuntime([createRateDetector()]);
    seen(rt, 'user:alice', { partition: 0, offset: '41' });
    seen(rt, 'user:bob', { partition: 1, offset: '7' });
    seen(rt, 'user:nowhere');
    rt.own((p) => p === 0);
    expect(keys(rt.snapshot(1))).toEqual(['cohort:app:portal|user/*.read', 'principal:user:alice@0']);
    expect(keys(rt.snapshotPartitions(2, new Set([1])))).toEqual(['principal:user:bob@1']);
    expect(rt.changes.positions()).toEqual(new Map([[0, 42n], [1, 8n]]));
    // A partition given away: its position and dirty marks go (rows stay unless detectors forget).
    rt.forget(new Set([1]), new Set(['user:bob']));
    expect(rt.changes.positions()).toEqual(new Map([[0, 42n]]));
    expect([...(rt.snapshotChanged(3)?.principals ?? [])].sort()).toEqual(['user:alice', 'user:nowhere']);
  });

  it('restore principals with their partition and version above every restored version', () => {
    const from = createDetectorRuntime([createRateDetector()]);
    seen(from, 'user:alice', { partition: 3, offset: '0' });
    const rows = from.snapshot(from.nextVersion(5_000_000_000_000));
    const rt = createDetectorRuntime([createRateDetector()]);
    expect(rt.restore(rows)).toBe(2);
    expect(rt.changes.partitionOf('user:alice')).toBe(3);
    expect(rt.nextVersion(1_000)).toBe(5_000_000_000_001);
  });
});

describe('restored principals', () => {
  const steady = (id: string, from: number, minutes: number) =>
    Array.from({ length: minutes * 5 }, (_, i) => event({ ts: from + i * 12_000, route: '/fhir/Observation', principal: principal(id, 'app:portal', ['user/*.read']) }));
  const rateEvents = (rt: DetectorRuntime, id: string) => rt.snapshot(1).find((r) => r.detector === 'rate' && r.key === id)?.events;

  it('does not count again the events their saved state already holds, and detects from the first newer one', () => {
    const first = createDetectorRuntime([createRateDetector()]);
    const learned = steady('user:alice', T0, 60);
    for (const e of learned) first.detect(e);
    const rows = first.snapshot(1);
    const second = createDetectorRuntime([createRateDetector()]);
    second.restore(rows);
    // The same hour again (a file replayed twice, or Kafka events between the committed offset and
    // the old owner's save): already in the state, so not learned twice.
    for (const e of learned.slice(0, -1)) second.detect(e);
    expect(rateEvents(second, 'user:alice')).toBe(300);
    // The event at the saved time itself and everything after it are new.
    for (const e of [learned[learned.length - 1], ...steady('user:alice', T0 + 61 * 60_000, 1)]) second.detect(e as ReturnType<typeof event>);
    expect(rateEvents(second, 'user:alice')).toBe(306);
    // Other principals are not affected.
    for (const e of steady('user:bob', T0, 1)) second.detect(e);
    expect(rateEvents(second, 'user:bob')).toBe(5);
  });
});

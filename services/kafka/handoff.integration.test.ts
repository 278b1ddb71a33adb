import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, NormalizedEvent } from '../../libs/contracts/index.js';
import { committedTotal } from '../../libs/kafka/index.js';
import { createLogger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';
import { event, principal } from '../../detectors/test-support/events.js';
import { openStore, type Core } from '../core.js';
import type { HandoffReport } from './handoff.js';
import { startDetectInstance, type DetectInstance } from './test-support/detect-instance.js';
import { createTopics, kafkaTestConfig, onePerTopic, produce, testKafka, testTopics, unique, waitFor } from './test-support/kafka.js';

/**
 * A principal's learned baseline moves with its partition, both ways a partition moves. Instance A
 * learns two principals, one per partition (two hours of reads, 5 a minute). Instance B joins: one
 * partition moves while A keeps running (A saves as the rebalance starts, concurrently with its
 * rejoin; B waits for A's handoff marker to reach the committed offset, then loads), and that
 * principal's burst alerts on B. Then A stops (it saves after its last commit, then leaves): the
 * other partition moves and the other principal's burst alerts on B too. Each alert is judged
 * against the baseline learned on A.
 *
 * NOTE: both instances share one store object in this process, standing in for the ClickHouse
 * server a split deployment needs (embedded chDB locks its data dir to one process); the handoff
 * only talks to the store through the Store interface, the same calls a server answers.
 */
const kafka = testKafka();
const topics = testTopics('handoff');
const group = unique('handoff');
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-kafka-handoff-'));
const logger = createLogger({ level: 'silent' });
const config = kafkaTestConfig({ dataDir, topics, group, roles: 'detect', env: { VIGIL_SNAPSHOT_INTERVAL_SECONDS: '0', VIGIL_HANDOFF_WAIT_SECONDS: '5' } });
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const MIN = 60_000;
const ROUTE = '/fhir/Observation';

/** The partition kafkajs's default (Java-compatible murmur2) partitioner picks for a key, of 2. */
const partitioner = Partitioners.DefaultPartitioner();
const partitionOfKey = (key: string) =>
  partitioner({ topic: topics.events, partitionMetadata: [0, 1].map((partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] })), message: { key, value: null } });
const first = 'user:alice';
const second = ['user:bob', 'user:carol', 'user:dave', 'user:erin'].find((k) => partitionOfKey(k) !== partitionOfKey(first)) ?? 'none';
const who = (id: string) => principal(id, 'app:portal', ['user/*.read']);
const learning = (id: string) => {
  const out: NormalizedEvent[] = [];
  for (let m = 0; m < 120; m++) for (let i = 0; i < 5; i++) out.push(event({ ts: T0 + m * MIN + i * 10_000, route: ROUTE, principal: who(id) }));
  return out;
};
const burst = (id: string) => Array.from({ length: 100 }, (_, i) => event({ ts: T0 + 122 * MIN + i * 500, route: ROUTE, principal: who(id) }));

type Instance = DetectInstance;
let store: Store;
let a: Instance;
let b: Instance;
/** The principal whose partition moved on the rebalance, and the one that moved when A stopped. */
let moved = '';
let stayed = '';
const loads: (HandoffReport | undefined)[] = [];
const savesByA: (HandoffReport | undefined)[] = [];
const rowsOnB: Record<string, unknown> = {};
let alerts: Alert[] = [];

const instance = (): Promise<Instance> => startDetectInstance(config, { logger, store });

const send = (events: NormalizedEvent[]) => produce(kafka, topics.events, events.map((e) => JSON.stringify(e)), (i) => events[i]?.principal.id ?? null);
const principalRows = (c: Core, key: string) =>
  c.detectors
    .snapshot(c.detectors.nextVersion(Date.now()))
    .filter((r) => r.scope === 'principal' && r.key === key)
    .map((r) => ({ detector: r.detector, events: r.events, partition: r.partition }))
    .sort((x, y) => x.detector.localeCompare(y.detector));

beforeAll(async () => {
  await createTopics(kafka, onePerTopic(topics, 1, 2));
  store = await openStore(config, logger);
  a = await instance();
  await waitFor('A owns both partitions', () => a.roles.assignment().length === 2);
  await send([...learning(first), ...learning(second)]);
  await waitFor('A detected the learning traffic', async () => (await committedTotal(kafka, `${group}.detect`, topics.events)) === 1200);

  // 1. A rebalance while A runs moves one partition to B.
  b = await instance();
  await waitFor('the partitions are split', () => a.roles.assignment().length === 1 && b.roles.assignment().length === 1);
  const toB = b.roles.assignment()[0]?.partition;
  [moved, stayed] = a.core.detectors.changes.partitionOf(first) === toB ? [first, second] : [second, first];
  await send(burst(moved));
  await waitFor('B detected the first burst', async () => (await committedTotal(kafka, `${group}.detect`, topics.events)) === 1300);
  // B loaded after A's marker arrived, so A's rebalance save is complete by now.
  savesByA.push(a.handoff.last.saved);
  loads.push(b.handoff.last.loaded);
  rowsOnB[moved] = principalRows(b.core, moved);

  // 2. A stops: the other partition moves.
  await a.roles.stop();
  savesByA.push(a.handoff.last.saved);
  await waitFor('B owns both partitions', () => b.roles.assignment().length === 2);
  await send(burst(stayed));
  await waitFor('B detected the second burst', async () => (await committedTotal(kafka, `${group}.detect`, topics.events)) === 1400);
  loads.push(b.handoff.last.loaded);
  rowsOnB[stayed] = principalRows(b.core, stayed);
  alerts = (await store.listAlerts({ limit: 100, detector: 'rate' })).alerts;
}, 240_000);

afterAll(async () => {
  await b.roles.stop();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * The principal's rows: `events` counts what each detector learns from (the volume detectors every
 * event; token-misuse its closed windows, 10 minutes each; flow-abuse keeps no count).
 */
const rows = (id: string, events: number, windows: number) =>
  [
    ['data-exfiltration', events],
    ['flow-abuse', 0],
    ['rate', events],
    ['scraping', events],
    ['token-misuse', windows],
  ].map(([detector, n]) => ({ detector, events: n, partition: partitionOfKey(id) }));

describe('baseline handoff between detect instances', () => {
  it('records the partition each principal arrives on, as the producer chose it', () => {
    expect(partitionOfKey(second)).not.toBe(partitionOfKey(first));
    expect(a.core.detectors.changes.partitionOf(first)).toBe(partitionOfKey(first));
    expect(a.core.detectors.changes.partitionOf(second)).toBe(partitionOfKey(second));
  });

  it('has the old owner save as the rebalance starts and again when it stops, with markers at the committed offsets', async () => {
    // As the rebalance started A still owned both partitions: both principals' 5 rows each.
    expect(savesByA[0]).toEqual({ partitions: [0, 1], rows: 10 });
    // When it stopped it owned only the other partition.
    expect(savesByA[1]).toEqual({ partitions: [partitionOfKey(stayed)], rows: 5 });
    // Out of the group, A no longer writes any principal's rows (a final snapshot keeps cohorts only).
    expect(a.core.detectors.snapshot(a.core.detectors.nextVersion(Date.now())).filter((r) => r.scope === 'principal')).toEqual([]);
    // B, in turn, saved the partition it held as A's leaving started the next rebalance.
    expect(b.handoff.last.saved).toEqual({ partitions: [partitionOfKey(moved)], rows: 5 });
    // Markers: the offsets after the last event each save reflects, the committed ones.
    const markers = await store.loadBaselinePositions([0, 1]);
    expect(markers).toEqual(new Map([[partitionOfKey(stayed), 600n], [partitionOfKey(moved), 700n]]));
  });

  it('loads on the new owner exactly the moved principal rows, each time, without waiting out a crash', () => {
    // B started with nothing: its state came through the handoff, not from start-up restore.
    expect(b.core.baselinesRestored).toBe(0);
    expect(loads).toEqual([
      { partitions: [partitionOfKey(moved)], rows: 5 },
      { partitions: [partitionOfKey(stayed)], rows: 5 },
    ]);
    // Every detector with a row for the principal holds it: 600 events learned on A + 100 on B.
    expect(rowsOnB).toEqual({ [moved]: rows(moved, 700, 12), [stayed]: rows(stayed, 700, 12) });
  });

  it('fires once per principal on the new owner against the baseline learned on the old one', () => {
    expect(alerts.map((x) => x.principal).sort()).toEqual([first, second].sort());
    for (const alert of alerts) {
      expect(alert).toMatchObject({ route: ROUTE, count: 1 });
      expect(alert.evidence).toMatchObject({ pattern: 'rate_spike', baseline: 'principal', baselineMean: 5, baselineWindows: 120, observedPerWindow: 31, threshold: 30 });
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { committedTotal } from '../../libs/kafka/index.js';
import { createLogger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';
import { createEnumerationDetector } from '../../detectors/bola/enumeration/index.js';
import { event, patient } from '../../detectors/test-support/events.js';
import { openStore } from '../core.js';
import { startDetectInstance, type DetectInstance } from './test-support/detect-instance.js';
import { createTopics, kafkaTestConfig, onePerTopic, produce, testKafka, testTopics, unique, waitFor } from './test-support/kafka.js';

/**
 * An enumeration cut in two by a handover: instance A learns a principal's normal reads (6 windows
 * of 5 distinct patients) and sees the first 12 reads of a 25-patient burst; then A stops gracefully
 * and instance B takes the partition (B joins while A runs, so it gets it either at that rebalance
 * or when A leaves: both are handoffs). B sees the other 13 reads and must raise the alert an
 * uninterrupted run raises: distinct_ids from the 21st patient on, against the baseline of 5 learned
 * on A. Without the handoff B would judge a principal still learning (threshold 80) and stay silent.
 *
 * NOTE: both instances share one store object, standing in for the ClickHouse server a split
 * deployment needs (see handoff.integration.test.ts).
 */
const kafka = testKafka();
const topics = testTopics('handoff-enum');
const group = unique('handoff-enum');
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-kafka-handoff-enum-'));
const logger = createLogger({ level: 'silent' });
const config = kafkaTestConfig({ dataDir, topics, group, roles: 'detect', env: { VIGIL_SNAPSHOT_INTERVAL_SECONDS: '0', VIGIL_HANDOFF_WAIT_SECONDS: '5' } });
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const W = 300_000;
const WHO = 'user:walker';

const read = (ts: number, n: number) => event({ ts, principal: { id: WHO, kind: 'user', scopes: [], authScheme: 'bearer' }, objects: [patient(n, { seq: undefined })] });
const history = Array.from({ length: 30 }, (_, i) => read(T0 + Math.floor(i / 5) * W + (i % 5) * 1000, i * 7919));
const burst = Array.from({ length: 25 }, (_, i) => read(T0 + 6 * W + i * 2000, 50_000 + i * 13));
const onA = [...history, ...burst.slice(0, 12)];
const onB = burst.slice(12);

/** What the detector raises over the whole walk on one uninterrupted instance. */
const uninterrupted: Finding[] = (() => {
  const d = createEnumerationDetector(config.detection.enumeration);
  const state = d.createState();
  return [...onA, ...onB].flatMap((e) => d.detect(e, state));
})();

type Instance = DetectInstance;
let store: Store;
let a: Instance;
let b: Instance;
let alerts: Alert[] = [];
let enumerationRowOnB: { events: number; partition?: number } | undefined;

const instance = (): Promise<Instance> => startDetectInstance(config, { logger, store });

const send = (events: NormalizedEvent[]) => produce(kafka, topics.events, events.map((e) => JSON.stringify(e)), () => WHO);

beforeAll(async () => {
  await createTopics(kafka, onePerTopic(topics));
  store = await openStore(config, logger);
  a = await instance();
  await waitFor('A owns the partition', () => a.roles.assignment().length === 1);
  await send(onA);
  await waitFor('A detected the first half', async () => (await committedTotal(kafka, `${group}.detect`, topics.events)) === onA.length);

  // B's start-up restore finds nothing: A saves only when a rebalance starts or when it stops.
  b = await instance();
  await a.roles.stop();
  await waitFor('B owns the partition', () => b.roles.assignment().length === 1);
  await send(onB);
  await waitFor('B detected the second half', async () => (await committedTotal(kafka, `${group}.detect`, topics.events)) === onA.length + onB.length);
  alerts = (await store.listAlerts({ limit: 100, detector: 'bola/enumeration' })).alerts;
  const row = b.core.detectors.snapshot(b.core.detectors.nextVersion(Date.now())).find((r) => r.detector === 'bola/enumeration' && r.key === WHO);
  enumerationRowOnB = row && { events: row.events, ...(row.partition === undefined ? {} : { partition: row.partition }) };
}, 240_000);

afterAll(async () => {
  await b.roles.stop();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('bola/enumeration state handed over between detect instances', () => {
  it('would raise every finding after the cut: A, with 12 of the 25 patients, raises none', () => {
    expect(uninterrupted.map((f) => [f.ts >= (onB[0] as NormalizedEvent).ts, f.evidence.distinctIds])).toEqual([
      [true, 21],
      [true, 22],
      [true, 23],
      [true, 24],
      [true, 25],
    ]);
  });

  it('moves the principal’s windows and baseline to B through the handoff, not a start-up restore', () => {
    expect(b.core.baselinesRestored).toBe(0);
    expect(b.handoff.last.loaded?.partitions).toEqual([0]);
    // Every event of the walk is in the principal's state on B: 42 seen on A, 13 on B.
    expect(enumerationRowOnB).toEqual({ events: onA.length + onB.length, partition: 0 });
  });

  it('raises on B exactly the alert an uninterrupted run raises', () => {
    const last = uninterrupted.at(-1) as Finding;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      detector: 'bola/enumeration',
      owasp: 'API1:2023',
      severity: 'high',
      principal: WHO,
      route: '/fhir/Patient/{id}',
      count: uninterrupted.length,
      firstSeen: new Date((uninterrupted[0] as Finding).ts).toISOString(),
      lastSeen: new Date(last.ts).toISOString(),
      status: 'open',
    });
    expect(alerts[0]?.evidence).toEqual({ ...last.evidence, patterns: { distinct_ids: 5 } });
    expect(alerts[0]?.evidence).toMatchObject({ distinctIds: 25, threshold: 20, baselineDistinct: 5, learnedWindows: 6 });
  });
});

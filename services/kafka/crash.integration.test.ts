import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../libs/contracts/index.js';
import { committedTotal } from '../../libs/kafka/index.js';
import { createLogger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';
import { hospitalScenario, MALLORY } from '../../scripts/scenario.js';
import { openStore } from '../core.js';
import { createTopics, onePerTopic, kafkaTestConfig, produce, TEST_BROKERS, testKafka, testTopics, unique, waitFor } from './test-support/kafka.js';
import { PROBE_PRINCIPAL } from './test-support/scenario.js';

/**
 * kill -9 of a consuming `vigil start` (the compiled CLI, all roles, Kafka mode) mid-stream, then a
 * restart: every produced line is stored exactly once and the alerts are the scenario's, once each.
 */
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'vigil.js');
const kafka = testKafka();
const topics = testTopics('crash');
const group = unique('crash');
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-kafka-crash-'));
const lines = [...hospitalScenario({ seed: 5, start: Date.UTC(2026, 10, 2, 8), minutes: 45, clinicians: 150, attacks: true })];
const env = {
  ...process.env,
  VIGIL_DATA_DIR: dataDir,
  VIGIL_TOKENIZATION_KEY: 'a1'.repeat(32),
  VIGIL_LOG_LEVEL: 'warn',
  KAFKA_BROKERS: TEST_BROKERS.join(','),
  KAFKA_GROUP_ID: `${group}.ingest`,
  KAFKA_TOPIC_RAW: topics.raw,
  KAFKA_TOPIC_EVENTS: topics.events,
  KAFKA_TOPIC_ALERTS: topics.alerts,
  KAFKA_TOPIC_DEADLETTER: topics.deadLetter,
  // Small store batches, so offsets are committed many times along the stream.
  VIGIL_INGEST_BATCH_SIZE: '200',
};
let store: Store;
let killedAt = 0;
let secondExit: number | null = null;

function startVigil(): ChildProcess {
  return spawn(process.execPath, [bin, 'start', '--roles', 'ingest,detect'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
}
const exited = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null || p.signalCode !== null ? r(p.exitCode) : p.once('exit', (code) => r(code))));

beforeAll(async () => {
  await createTopics(kafka, onePerTopic(topics));
  await produce(kafka, topics.raw, lines);
  const first = startVigil();
  await waitFor('a first part committed', async () => (await committedTotal(kafka, `${group}.ingest`, topics.raw)) >= 1000);
  first.kill('SIGKILL');
  await exited(first);
  killedAt = await committedTotal(kafka, `${group}.ingest`, topics.raw);

  const second = startVigil();
  await waitFor('everything committed after the restart', async () => (await committedTotal(kafka, `${group}.ingest`, topics.raw)) === lines.length, 120_000);
  second.kill('SIGTERM');
  secondExit = await exited(second);
  store = await openStore(kafkaTestConfig({ dataDir, topics, group }), createLogger({ level: 'silent' }));
}, 240_000);

afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a consumer killed with SIGKILL mid-stream and restarted', () => {
  it('was killed with part of the stream committed, and the restart stopped cleanly', () => {
    expect(killedAt).toBeGreaterThanOrEqual(1000);
    expect(killedAt).toBeLessThan(lines.length);
    expect(secondExit).toBe(0);
  });

  it('stores every produced line exactly once', async () => {
    expect(await store.countEvents()).toBe(lines.length);
    expect(await store.deadLetterCount()).toBe(0);
  });

  it('keeps one alert per attacker: none lost, none duplicated', async () => {
    const alerts: Alert[] = (await store.listAlerts({ limit: 100 })).alerts;
    expect(alerts.map((a) => `${a.principal} ${a.detector} ${a.route}`).sort()).toEqual(
      [`${PROBE_PRINCIPAL} bola/enumeration /api/v1/claims/{id}`, `user:${MALLORY.sub} bola/enumeration /fhir/Patient/{id}`].sort(),
    );
  });
});

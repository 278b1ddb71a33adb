import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../libs/contracts/index.js';
import { committedTotal, DEAD_LETTER_HEADERS } from '../../libs/kafka/index.js';
import { createLogger } from '../../libs/log/index.js';
import { createCore, type Core } from '../core.js';
import { createKafkaRoles, type KafkaRoles } from './index.js';
import { createTopics, onePerTopic, headerText, kafkaTestConfig, produce, readTopic, testKafka, testTopics, unique, waitFor } from './test-support/kafka.js';
import { byPrincipal, EXPECTED_MALLORY, EXPECTED_PROBE, FIXTURE_BAD_LINES, FIXTURE_EVENTS, FIXTURE_LINES } from './test-support/scenario.js';

/**
 * Kafka mode with every role in one process (one consumer group over the raw topic), against the
 * real broker: Kong lines produced by kafkajs come out as stored events and exactly the alerts
 * `vigil replay` raises for the same lines.
 */
const kafka = testKafka();
const topics = testTopics('e2e');
const group = unique('e2e');
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-kafka-e2e-'));
const logger = createLogger({ level: 'silent' });
let core: Core;
let roles: KafkaRoles;
let alerts: Alert[] = [];

beforeAll(async () => {
  // One raw partition: the lines keep their order, as one gateway's log does.
  await createTopics(kafka, onePerTopic(topics));
  const config = kafkaTestConfig({ dataDir, topics, group });
  roles = createKafkaRoles(config, { logger });
  core = await createCore(config, { logger, onAlertsWritten: (a) => roles.onAlertsWritten(a) });
  await roles.start(core);
  await produce(kafka, topics.raw, FIXTURE_LINES);
  await waitFor('every line committed', async () => (await committedTotal(kafka, `${group}.ingest`, topics.raw)) === FIXTURE_LINES.length);
  alerts = (await core.store.listAlerts({ limit: 100 })).alerts;
});

afterAll(async () => {
  await roles.stop();
  await core.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Kafka, all roles in one process', () => {
  it('stores every good line as one event and each bad one as one dead letter before committing', async () => {
    expect(await core.store.countEvents()).toBe(FIXTURE_EVENTS);
    expect(await core.store.deadLetterCount()).toBe(2);
  });

  it('raises exactly the two enumeration alerts of the scenario, with the fields replay gives', () => {
    expect(alerts.map((a) => a.principal).sort()).toEqual([EXPECTED_MALLORY.principal, EXPECTED_PROBE.principal].sort());
    expect(byPrincipal(alerts, EXPECTED_MALLORY.principal)).toMatchObject(EXPECTED_MALLORY);
    expect(byPrincipal(alerts, EXPECTED_PROBE.principal)).toMatchObject(EXPECTED_PROBE);
    expect(byPrincipal(alerts, EXPECTED_MALLORY.principal).evidence).toMatchObject({ patterns: { sequential_walk: 111, distinct_ids: 100 } });
  });

  it('sends the two bad lines to the dead-letter topic with the reason and their source coordinates', async () => {
    const dead = await readTopic(kafka, topics.deadLetter, 2);
    expect(dead.map((m) => headerText(m.headers, DEAD_LETTER_HEADERS.offset))).toEqual(FIXTURE_BAD_LINES.map(String));
    for (const m of dead) {
      expect(headerText(m.headers, DEAD_LETTER_HEADERS.topic)).toBe(topics.raw);
      expect(headerText(m.headers, DEAD_LETTER_HEADERS.partition)).toBe('0');
      expect(headerText(m.headers, DEAD_LETTER_HEADERS.position)).toBe('0');
      expect(headerText(m.headers, DEAD_LETTER_HEADERS.reason)?.length).toBeGreaterThan(0);
    }
    expect(dead[1]?.value?.toString()).toBe('kong[1234]: worker process exited on signal 9');
  });

  it('produces the stored alerts to the alerts topic, the latest version last', async () => {
    const stored = new Map(alerts.map((a) => [a.id, a]));
    // At least one version per alert was produced; read until the latest of each has arrived.
    const seen = new Map<string, Alert>();
    let n = 2;
    for (;;) {
      const msgs = await readTopic(kafka, topics.alerts, n);
      for (const m of msgs) {
        const a = JSON.parse(m.value?.toString() ?? '{}') as Alert;
        seen.set(a.id, a);
        expect(m.key?.toString()).toBe(a.id);
      }
      if ([...stored.values()].every((a) => seen.get(a.id)?.version === a.version)) break;
      n = msgs.length + 1;
    }
    expect([...seen.keys()].sort()).toEqual([...stored.keys()].sort());
    for (const [id, a] of stored) expect(seen.get(id)).toMatchObject({ count: a.count, version: a.version, lastSeen: a.lastSeen });
  });

  it('detects and stores lines a shipper sends again once: at new offsets, they are duplicates, not events', async () => {
    // The last 348 lines (Mallory's walk among them), as a log shipper re-sends after a restart.
    const again = FIXTURE_LINES.slice(300);
    expect(FIXTURE_BAD_LINES.every((i) => i < 300)).toBe(true);
    await produce(kafka, topics.raw, again);
    await waitFor('the copies committed', async () => (await committedTotal(kafka, `${group}.ingest`, topics.raw)) === FIXTURE_LINES.length + again.length);
    expect(await core.store.countEvents()).toBe(FIXTURE_EVENTS);
    const duplicates = (await core.registry.getSingleMetric('vigil_duplicate_events_total')?.get())?.values.reduce((n, v) => n + v.value, 0);
    expect(duplicates).toBe(again.length);
    const after = (await core.store.listAlerts({ limit: 100 })).alerts;
    expect(after.map((a) => [a.id, a.count, a.lastSeen]).sort()).toEqual(alerts.map((a) => [a.id, a.count, a.lastSeen]).sort());
  });
});

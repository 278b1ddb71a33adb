import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, NormalizedEvent } from '../../libs/contracts/index.js';
import { committedTotal } from '../../libs/kafka/index.js';
import { createLogger } from '../../libs/log/index.js';
import { createCore, openStore, type Core } from '../core.js';
import { createKafkaRoles, type KafkaRoles } from './index.js';
import { createTopics, onePerTopic, kafkaTestConfig, produce, readTopic, TEST_BROKERS, testKafka, testTopics, unique, waitFor } from './test-support/kafka.js';
import { byPrincipal, EXPECTED_MALLORY, EXPECTED_PROBE, FIXTURE, FIXTURE_EVENTS, FIXTURE_LINES } from './test-support/scenario.js';

/**
 * The two stages as separate roles: an ingest instance (raw topic -> vigil.events keyed by
 * principal) and a detect instance (vigil.events -> detectors -> store), with the raw lines
 * produced by kcat, an independent producer. Both share one store, as two processes share one
 * ClickHouse server.
 */
const kafka = testKafka();
const topics = testTopics('split');
const group = unique('split');
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-kafka-split-'));
const logger = createLogger({ level: 'silent' });
const running: { roles: KafkaRoles; core: Core }[] = [];
let alerts: Alert[] = [];

beforeAll(async () => {
  await createTopics(kafka, onePerTopic(topics, 1, 3));
  const store = await openStore(kafkaTestConfig({ dataDir, topics, group }), logger);
  for (const role of ['ingest', 'detect']) {
    const config = kafkaTestConfig({ dataDir, topics, group, roles: role });
    const roles = createKafkaRoles(config, { logger });
    const core = await createCore(config, { logger, store, onAlertsWritten: (a) => roles.onAlertsWritten(a) });
    await roles.start(core);
    running.push({ roles, core });
  }
  const kcat = spawnSync('kcat', ['-P', '-b', TEST_BROKERS.join(','), '-t', topics.raw, '-p', '0', '-l', FIXTURE], { encoding: 'utf8' });
  expect(kcat.stderr).toBe('');
  expect(kcat.status).toBe(0);
  await waitFor('the ingest stage committed every line', async () => (await committedTotal(kafka, `${group}.ingest`, topics.raw)) === FIXTURE_LINES.length);
  await waitFor('the detect stage committed every event', async () => (await committedTotal(kafka, `${group}.detect`, topics.events)) === FIXTURE_EVENTS);
  alerts = (await store.listAlerts({ limit: 100 })).alerts;
});

afterAll(async () => {
  for (const { roles } of running.reverse()) await roles.stop();
  await running[0]?.core.store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Kafka, ingest and detect as separate roles, lines produced by kcat', () => {
  it('stores every event once and dead-letters the two bad lines', async () => {
    const store = running[0]?.core.store;
    expect(await store?.countEvents()).toBe(FIXTURE_EVENTS);
    expect(await store?.deadLetterCount()).toBe(2);
  });

  it('raises exactly the alerts a single process raises', () => {
    expect(alerts.map((a) => a.principal).sort()).toEqual([EXPECTED_MALLORY.principal, EXPECTED_PROBE.principal].sort());
    expect(byPrincipal(alerts, EXPECTED_MALLORY.principal)).toMatchObject(EXPECTED_MALLORY);
    expect(byPrincipal(alerts, EXPECTED_PROBE.principal)).toMatchObject(EXPECTED_PROBE);
  });

  it('keys vigil.events by principal, so each principal lives on exactly one partition', async () => {
    const msgs = await readTopic(kafka, topics.events, FIXTURE_EVENTS);
    const partitionsOf = new Map<string, Set<number>>();
    for (const m of msgs) {
      const ev = JSON.parse(m.value?.toString() ?? '{}') as NormalizedEvent;
      expect(m.key?.toString()).toBe(ev.principal.id);
      partitionsOf.set(ev.principal.id, (partitionsOf.get(ev.principal.id) ?? new Set()).add(m.partition));
    }
    expect([...partitionsOf.values()].every((p) => p.size === 1)).toBe(true);
    // The fixture's principals spread over more than one partition, so the split is real.
    expect(new Set([...partitionsOf.values()].flatMap((p) => [...p])).size).toBeGreaterThan(1);
  });

  it('detects and stores an event the ingest role produces again (re-reading its raw topic after a crash) once', async () => {
    const detect = running[1]?.core;
    const events = (await readTopic(kafka, topics.events, FIXTURE_EVENTS)).map((m) => m.value?.toString() ?? '');
    const again = events.slice(-300);
    await produce(kafka, topics.events, again, (i) => (JSON.parse(again[i] ?? '{}') as NormalizedEvent).principal.id);
    await waitFor('the detect stage committed the copies', async () => (await committedTotal(kafka, `${group}.detect`, topics.events)) === FIXTURE_EVENTS + again.length);
    expect(await detect?.store.countEvents()).toBe(FIXTURE_EVENTS);
    const duplicates = (await detect?.registry.getSingleMetric('vigil_duplicate_events_total')?.get())?.values.reduce((n, v) => n + v.value, 0);
    expect(duplicates).toBe(again.length);
    const after = (await detect?.store.listAlerts({ limit: 100 }))?.alerts ?? [];
    expect(after.map((a) => [a.id, a.count, a.lastSeen]).sort()).toEqual(alerts.map((a) => [a.id, a.count, a.lastSeen]).sort());
  });
});

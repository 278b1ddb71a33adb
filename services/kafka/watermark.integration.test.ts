import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, NormalizedEvent } from '../../libs/contracts/index.js';
import { committedTotal } from '../../libs/kafka/index.js';
import { createLogger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';
import { ahead, H, MIN, T0, ward } from '../../detectors/flow-abuse/test-traffic.js';
import { createCore, openStore } from '../core.js';
import { createKafkaRoles, type KafkaRoles } from './index.js';
import { createTopics, kafkaTestConfig, onePerTopic, testKafka, testTopics, unique, waitFor } from './test-support/kafka.js';

/**
 * A Vigil instance catching up on a backlog whose two partitions are days apart in event time: a
 * ward's repeated updates on partition 0, a reader two days later on partition 1. Small fetches
 * make the loop alternate between them, so the later partition runs ahead. Windows must close on
 * the low watermark (libs/kafka/watermark.ts), not on the ahead partition's time, or the ward's runs
 * are cut short and every nurse is flagged (detectors/flow-abuse/watermark.test.ts). Both Kafka
 * paths that detect: the detect role over vigil.events, and one process over the raw mirror topic.
 */
const kafka = testKafka();
const logger = createLogger({ level: 'silent' });
const partitions = [ward(), ahead()] as const;
const total = partitions[0].length + partitions[1].length;

/** A JWT as a gateway forwards it (Vigil decodes, never verifies): user `sub` of app `ward`. */
function bearer(e: NormalizedEvent): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `Bearer ${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: e.principal.id.slice('user:'.length), client_id: e.principal.app, scope: e.principal.scopes.join(' ') })}.c2ln`;
}

/** The event as a custom mirror would write it (Vigil native JSON): a line for the raw topic. */
function nativeLine(e: NormalizedEvent): string {
  const task = e.objects[0]?.id.replaceAll('_', '-') ?? 'none';
  return JSON.stringify({
    time: new Date(e.ts).toISOString(),
    method: e.method,
    path: `/fhir/Task/${task}`,
    status: e.status,
    requestHeaders: { authorization: bearer(e) },
    clientIp: '10.20.0.7',
  });
}

async function produceTo(topic: string, partition: number, values: string[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // NOTE: one record batch per send, and a fetch returns whole record batches even past
    // maxBytesPerPartition: small sends are what makes fetches small.
    for (let i = 0; i < values.length; i += 5) {
      await producer.send({ topic, acks: -1, messages: values.slice(i, i + 5).map((value) => ({ partition, value })) });
    }
  } finally {
    await producer.disconnect();
  }
}

describe.each([
  { path: 'the detect role over vigil.events', roles: 'detect', raw: false },
  { path: 'one process over the raw mirror topic', roles: 'ingest,detect', raw: true },
])('Kafka, $path, on partitions days apart in event time', ({ roles: roleList, raw }) => {
  const topics = testTopics('wm');
  const group = unique('wm');
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-kafka-wm-'));
  let store: Store;
  let roles: KafkaRoles;
  let flowAlerts: Alert[] = [];
  let behindMetric = '';

  beforeAll(async () => {
    await createTopics(kafka, onePerTopic(topics, raw ? 2 : 1, raw ? 1 : 2));
    // The whole backlog is in the topic before the instance starts, as after downtime.
    for (const [p, events] of partitions.entries()) {
      await produceTo(raw ? topics.raw : topics.events, p, events.map((e) => (raw ? nativeLine(e) : JSON.stringify(e))));
    }
    const config = kafkaTestConfig({ dataDir, topics, group, roles: roleList });
    store = await openStore(config, logger);
    // ~4 KiB per partition per fetch: a handful of messages from each partition in turn.
    roles = createKafkaRoles(config, { logger, tuning: { maxBytesPerPartition: 4096 } });
    const core = await createCore(config, { logger, store, onAlertsWritten: (a) => roles.onAlertsWritten(a) });
    await roles.start(core);
    const consumer = raw ? { group: `${group}.ingest`, topic: topics.raw } : { group: `${group}.detect`, topic: topics.events };
    await waitFor('the backlog detected', async () => (await committedTotal(kafka, consumer.group, consumer.topic)) === total);
    flowAlerts = (await store.listAlerts({ limit: 100, detector: 'flow-abuse' })).alerts;
    behindMetric = await core.registry.getSingleMetricAsString('vigil_kafka_event_time_behind_seconds');
  }, 180_000);

  afterAll(async () => {
    await roles.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores every event of both partitions', async () => {
    expect(await store.countEvents()).toBe(total);
  });

  it('reports on /metrics that no partition is behind once the backlog is drained', () => {
    expect(behindMetric.split('\n').at(-1)).toBe('vigil_kafka_event_time_behind_seconds 0');
  });

  it('flags the 20 updates only, against the limit the whole ward taught (2 x 8), as in event-time order', () => {
    expect(flowAlerts.map((a) => ({ principal: a.principal, count: a.count, firstSeen: a.firstSeen }))).toEqual([
      { principal: 'user:n1', count: 5, firstSeen: new Date(T0 + 5 * H + 1000 + 15 * 2 * MIN).toISOString() },
    ]);
    expect(flowAlerts[0]?.evidence).toMatchObject({ threshold: 16, thresholdBasis: 'cohort', populationQuantile: 8, populationSamples: 48 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import type { Alert } from '../../libs/contracts/index.js';
import { makeAlert, silentLogger } from '../../libs/store/test-support/fixtures.js';
import { testKafka, unique } from '../kafka/test-support/kafka.js';
import { createKafkaLagProbe } from './routes/overview.js';
import { createAlertFeed, startKafkaAlertFeed, type AlertFeed } from './routes/stream.js';

/** The console's Kafka pieces against the real broker: consumer lag for the overview, vigil.alerts for SSE. */
const kafka = testKafka();
let admin: Admin;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.disconnect();
});

describe('createKafkaLagProbe', () => {
  it('counts messages behind committed offsets, turns them into seconds at the measured consume rate, and skips groups that never committed', async () => {
    const topic = unique('lag');
    const idle = unique('lag-idle');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: idle, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `m${i}` })) });
    await producer.send({ topic: idle, messages: [{ value: 'x' }] });
    await producer.disconnect();
    const group = unique('lag-group');
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '2' }] });

    let now = 1_000_000;
    const probeAdmin = kafka.admin();
    const probe = createKafkaLagProbe(probeAdmin, [{ groupId: group, topic }, { groupId: unique('never'), topic: idle }], () => now);
    expect(await probe()).toEqual({ lagMessages: 6, lagSeconds: null });
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '4' }] });
    now += 2_000;
    // 4 messages consumed in 2 s: 2 behind is 1 s of work.
    expect(await probe()).toEqual({ lagMessages: 2, lagSeconds: 1 });
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '5' }] });
    now += 1_000;
    expect(await probe()).toEqual({ lagMessages: 0, lagSeconds: 0 });
    await probeAdmin.disconnect();
  });
});

describe('startKafkaAlertFeed', () => {
  it('publishes each Alert on vigil.alerts to the feed and skips what is not one', async () => {
    const topic = unique('alerts');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const received: Alert[] = [];
    const real = createAlertFeed();
    const feed: AlertFeed = { ...real, publish: (a) => received.push(...a) };
    const consumer = await startKafkaAlertFeed(kafka, { topic, groupPrefix: unique('console') }, { feed, logger: silentLogger });
    const producer = kafka.producer();
    await producer.connect();
    // The group starts at the end of the topic: send until it has joined and seen a message.
    let version = 0;
    while (received.length === 0) {
      version += 1;
      await producer.send({ topic, messages: [{ value: 'not json' }, { value: JSON.stringify({ id: 'x' }) }, { value: JSON.stringify(makeAlert('kafka-live', { version })) }] });
      await new Promise((r) => setTimeout(r, 500));
    }
    await producer.disconnect();
    await consumer.stop();
    expect(received[0]).toEqual(makeAlert('kafka-live', { version: received[0]?.version ?? 0 }));
    expect(received.every((a) => a.id === 'kafka-live')).toBe(true);
  }, 60_000);
});

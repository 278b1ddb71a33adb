import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type IHeaders, type KafkaMessage } from 'kafkajs';
import { loadConfig } from '../../../libs/config/index.js';
import type { Config } from '../../../libs/contracts/index.js';
import { testKafkaBrokers } from '../../test-support/kafka.js';

/**
 * Helpers for Vigil's Kafka-mode tests against the real broker that the vitest global setup brings
 * up (services/test-support/kafka-global-setup.ts, scripts/kafka.sh). Every test makes its own topics and groups, so tests never see each other's data.
 */
export const TEST_BROKERS = testKafkaBrokers();

export function testKafka(): Kafka {
  return new Kafka({ clientId: 'vigil-test', brokers: TEST_BROKERS, logLevel: logLevel.NOTHING });
}

/** A fresh name per call: topics and groups of one test never collide with another's. */
export function unique(label: string): string {
  return `t.${label}.${process.pid}.${randomBytes(4).toString('hex')}`;
}

export interface TestTopics {
  raw: string;
  events: string;
  alerts: string;
  deadLetter: string;
}

export function testTopics(label: string): TestTopics {
  const base = unique(label);
  return { raw: `${base}.raw`, events: `${base}.events`, alerts: `${base}.alerts`, deadLetter: `${base}.deadletter` };
}

/** The four topics, each with `partitions` partitions (`vigil.events` with `eventsPartitions`: multi-instance tests split it). */
export function onePerTopic(topics: TestTopics, partitions = 1, eventsPartitions = partitions): { topic: string; partitions: number }[] {
  return [topics.raw, topics.events, topics.alerts, topics.deadLetter].map((topic) => ({ topic, partitions: topic === topics.events ? eventsPartitions : partitions }));
}

export async function createTopics(kafka: Kafka, topics: { topic: string; partitions: number }[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: 1 })) });
  } finally {
    await admin.disconnect();
  }
}

/** Produces values in order (one partition, keyed, or to the partition `partition(i)` names), acks=all, in chunks. */
export async function produce(
  kafka: Kafka,
  topic: string,
  values: (string | Buffer | null)[],
  key?: (i: number) => string | null,
  partition?: (i: number) => number,
): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // 300 lines of ~1.6 KB stay under the broker's 1 MiB record-batch limit.
    for (let i = 0; i < values.length; i += 300) {
      const messages = values.slice(i, i + 300).map((value, j) => ({ key: key ? key(i + j) : null, value, ...(partition ? { partition: partition(i + j) } : {}) }));
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Reads exactly `n` messages of a topic from the beginning (all partitions), with a fresh group. */
export async function readTopic(kafka: Kafka, topic: string, n: number, timeoutMs = 60_000): Promise<(KafkaMessage & { partition: number })[]> {
  const consumer = kafka.consumer({ groupId: unique('reader') });
  const out: (KafkaMessage & { partition: number })[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${n} messages from ${topic}`)), timeoutMs);
      consumer
        .run({
          eachMessage: ({ message, partition }) => {
            out.push({ ...message, partition });
            if (out.length >= n) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined) return undefined;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/** Polls `check` until it returns true; throws naming `what` after `timeoutMs`. A bound, not a timing assertion. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface KafkaTestSetup {
  dataDir: string;
  topics: TestTopics;
  group: string;
  roles?: string;
  env?: Record<string, string>;
}

/** Vigil's config for a test: its own data dir, topics and groups, the test broker. */
export function kafkaTestConfig(o: KafkaTestSetup): Config {
  return loadConfig({ env: kafkaTestEnv(o) });
}

/** The same as environment variables, for a `vigil` process a test spawns. */
export function kafkaTestEnv(o: KafkaTestSetup): Record<string, string> {
  return {
    VIGIL_DATA_DIR: o.dataDir,
    VIGIL_TOKENIZATION_KEY: 'a1'.repeat(32),
    VIGIL_LOG_LEVEL: 'warn',
    KAFKA_BROKERS: TEST_BROKERS.join(','),
    KAFKA_CLIENT_ID: 'vigil-test',
    KAFKA_GROUP_ID: `${o.group}.ingest`,
    KAFKA_DETECT_GROUP_ID: `${o.group}.detect`,
    KAFKA_TOPIC_RAW: o.topics.raw,
    KAFKA_TOPIC_EVENTS: o.topics.events,
    KAFKA_TOPIC_ALERTS: o.topics.alerts,
    KAFKA_TOPIC_DEADLETTER: o.topics.deadLetter,
    ...(o.roles ? { VIGIL_ROLES: o.roles } : {}),
    ...o.env,
  };
}

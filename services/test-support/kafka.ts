// Helpers for tests that use the real Kafka broker started by kafka-global-setup.ts. Each test
// gets its own topics and consumer groups (unique names), so test files run in parallel and
// re-runs never read each other's messages.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type IHeaders } from 'kafkajs';
import { inject } from 'vitest';
import type {} from './provided.js';

/** The broker list the global setup provided; throws (never skips) when it is missing. */
export function testKafkaBrokers(): string[] {
  const value = inject('kafkaBrokers');
  if (!value) {
    throw new Error('no Kafka broker: run tests through vitest (vitest.config.ts globalSetup starts the broker) or set VIGIL_TEST_KAFKA to host:port');
  }
  return value.split(',');
}

/** A topic or group name no other test or run uses: `vigil-test.<label>.<random hex>`. */
export function uniqueName(label: string): string {
  return `vigil-test.${label.replace(/[^a-zA-Z0-9._-]/g, '-')}.${randomBytes(6).toString('hex')}`;
}

/** Whether a broker answers metadata and group-coordinator requests within `timeoutMs` (retried every 500 ms). */
export async function brokerAnswers(brokers: string[], timeoutMs: number): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'vigil-test-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      await admin.describeGroups(['vigil-test-probe']);
      return true;
    } catch {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

export interface ReceivedMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface TestKafka {
  /** A kafkajs client on the test broker (quiet: errors surface as rejections, not logs). */
  kafka: Kafka;
  /** Creates a fresh topic and waits until it has leaders; deleted again by stop(). */
  createTopic(label: string, partitions?: number): Promise<string>;
  /** Reads `count` messages from the start of `topic` with a new group; rejects after `timeoutMs`. */
  consume(topic: string, count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  /** Deletes the topics this helper created and disconnects. */
  stop(): Promise<void>;
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map((v) => v.toString()).join(',') : value.toString();
  }
  return out;
}

export function createTestKafka(config: { clientId: string; brokers?: string[] }): TestKafka {
  const kafka = new Kafka({ clientId: config.clientId, brokers: config.brokers ?? testKafkaBrokers(), logLevel: logLevel.NOTHING });
  const created: string[] = [];
  let admin: Admin | undefined;

  async function connectedAdmin(): Promise<Admin> {
    if (!admin) {
      const a = kafka.admin();
      await a.connect();
      admin = a;
    }
    return admin;
  }

  return {
    kafka,
    async createTopic(label, partitions = 1) {
      const topic = uniqueName(label);
      const a = await connectedAdmin();
      // waitForLeaders: producing right after creation must not race the leader election.
      await a.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
      created.push(topic);
      return topic;
    },
    async consume(topic, count, timeoutMs = 30_000) {
      const consumer = kafka.consumer({ groupId: uniqueName('group'), maxWaitTimeInMs: 100 });
      const received: ReceivedMessage[] = [];
      let timer: NodeJS.Timeout | undefined;
      try {
        const outcome = new Promise<void>((resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${topic}: got ${received.length} of ${count} messages in ${timeoutMs} ms: ${JSON.stringify(received)}`)),
            timeoutMs,
          );
          // NOTE: a crash kafkajs will not recover from (e.g. a compression codec it cannot
          // decode) would otherwise only show as a timeout; fail with its error instead. Retriable
          // ones (a fresh broker's group coordinator still loading) restart by themselves.
          consumer.on(consumer.events.CRASH, (event) => {
            if (!event.payload.restart) reject(new Error(`${topic}: consumer crashed: ${String(event.payload.error)}`));
          });
          consumer
            .connect()
            .then(() => consumer.subscribe({ topics: [topic], fromBeginning: true }))
            .then(() =>
              consumer.run({
                eachMessage: ({ partition, message }) => {
                  received.push({
                    partition,
                    offset: message.offset,
                    key: message.key ? message.key.toString() : null,
                    value: message.value ? message.value.toString() : null,
                    headers: headerText(message.headers),
                  });
                  if (received.length >= count) resolve();
                  return Promise.resolve();
                },
              }),
            )
            .catch((e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
        });
        await outcome;
        return received;
      } finally {
        clearTimeout(timer);
        await consumer.disconnect();
      }
    },
    async stop() {
      if (admin && created.length > 0) await admin.deleteTopics({ topics: created.splice(0) });
      await admin?.disconnect();
      admin = undefined;
    },
  };
}

import { afterAll, describe, expect, it } from 'vitest';
import { VigilError } from '../errors/index.js';
import { createLogger } from '../log/index.js';
import { createTopics, produce, testKafka, unique, waitFor, TEST_BROKERS } from '../../services/kafka/test-support/kafka.js';
import { createKafkaClient } from './client.js';
import { createConsumerLoop, type BatchHandler, type ConsumedMessage, type TopicPartition } from './consumer-loop.js';
import { committedTotal } from './topics.js';

/** The consumer loop against the real broker, with a handler whose "store" the test controls. */
const admin = testKafka();
const logger = createLogger({ level: 'silent' });
const kafka = createKafkaClient({ brokers: TEST_BROKERS, clientId: 'vigil-loop-test', ssl: false, sslRejectUnauthorized: true, saslMechanism: 'none' }, { logger });
const loops: { stop(): Promise<void> }[] = [];

afterAll(async () => {
  for (const l of loops) await l.stop().catch(() => undefined);
});

/** Buffers handled values; `flush` moves them to `stored` unless the test says the store is down. */
function testStore() {
  const s = {
    buffered: [] as string[],
    stored: [] as string[],
    down: undefined as VigilError | undefined,
    failedFlushes: 0,
    flushGate: undefined as Promise<void> | undefined,
    log: [] as string[],
    handler: {
      handle(m: ConsumedMessage) {
        s.buffered.push(m.value?.toString() ?? '');
        return false;
      },
      async flush() {
        if (s.flushGate) await s.flushGate;
        if (s.down) {
          s.failedFlushes++;
          throw s.down;
        }
        s.stored.push(...s.buffered);
        s.buffered = [];
        s.log.push('flushed');
      },
    } satisfies BatchHandler,
  };
  return s;
}

async function setup(label: string, n: number) {
  const topic = unique(label);
  const groupId = unique(`${label}-group`);
  await createTopics(admin, [{ topic, partitions: 1 }]);
  const values = Array.from({ length: n }, (_, i) => `${label}-${i}`);
  return { topic, groupId, values };
}

function startLoop(topic: string, groupId: string, handler: BatchHandler, hooks = {}) {
  const loop = createConsumerLoop({ groupId, topics: [topic], fromBeginning: true, retryMinMs: 50, retryMaxMs: 200 }, { kafka, logger, handler, hooks });
  loops.push(loop);
  return loop;
}

describe('consumer loop', () => {
  it('commits nothing while the store is unavailable, keeps the rows, and resumes by itself when it is back', async () => {
    const { topic, groupId, values } = await setup('backpressure', 50);
    const store = testStore();
    store.down = new VigilError('store_unavailable', 'ClickHouse is down');
    const loop = startLoop(topic, groupId, store.handler);
    await loop.start();
    await produce(admin, topic, values);
    await waitFor('all messages handled and three flushes refused', () => store.buffered.length === 50 && store.failedFlushes >= 3);
    expect(await committedTotal(admin, groupId, topic)).toBe(0);
    expect(store.stored).toEqual([]);
    store.down = undefined;
    await waitFor('everything committed', async () => (await committedTotal(admin, groupId, topic)) === 50);
    expect(store.stored).toEqual(values);
    await loop.stop();
    await loop.done;
  });

  it('waits for a fuller fetch when asked: nothing is handled below minBytes, then everything in one batch', async () => {
    const { topic, groupId } = await setup('fetch-min', 0);
    const store = testStore();
    const flushedSizes: number[] = [];
    const handler: BatchHandler = {
      handle: (m) => store.handler.handle(m),
      flush: async () => {
        flushedSizes.push(store.buffered.length);
        await store.handler.flush();
      },
    };
    // Three 1,000-byte values in one record batch are ~3,100 bytes on the broker, four ~4,200.
    const loop = createConsumerLoop({ groupId, topics: [topic], fromBeginning: true, minBytes: 3600, maxWaitMs: 5000 }, { kafka, logger, handler });
    loops.push(loop);
    await loop.start();
    const value = (i: number) => `fetch-min-${i}`.padEnd(1000, '.');
    await produce(admin, topic, [value(0), value(1), value(2)]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(store.buffered.length + store.stored.length).toBe(0);
    await produce(admin, topic, [value(3)]);
    await waitFor('the four values stored', () => store.stored.length === 4);
    expect(store.stored).toEqual([0, 1, 2, 3].map(value));
    expect(flushedSizes).toEqual([4]);
    await loop.stop();
  });

  it('stops on the first non-retriable failure without committing, and a restart resumes from the last commit', async () => {
    const { topic, groupId, values } = await setup('failure', 10);
    const store = testStore();
    const loop = startLoop(topic, groupId, store.handler);
    await loop.start();
    await produce(admin, topic, values.slice(0, 5));
    await waitFor('first five committed', async () => (await committedTotal(admin, groupId, topic)) === 5);
    store.down = new VigilError('store_failed', 'rejected rows');
    await produce(admin, topic, values.slice(5));
    await expect(loop.done).rejects.toMatchObject({ code: 'store_failed' });
    expect(await committedTotal(admin, groupId, topic)).toBe(5);

    const again = testStore();
    const restarted = startLoop(topic, groupId, again.handler);
    await restarted.start();
    await waitFor('the rest committed after the restart', async () => (await committedTotal(admin, groupId, topic)) === 10);
    expect(again.stored).toEqual(values.slice(5));
    await restarted.stop();
  });

  it('handles another partition while a flush is pending when the handler overlaps flushes, and commits nothing before its flush', async () => {
    const topic = unique('overlap');
    const groupId = unique('overlap-group');
    await createTopics(admin, [{ topic, partitions: 2 }]);
    const values = Array.from({ length: 20 }, (_, i) => `overlap-${i}`);
    // Keys spread the values over both partitions.
    await produce(admin, topic, values, (i) => `key-${i}`);
    const store = testStore();
    let release: () => void = () => undefined;
    store.flushGate = new Promise<void>((r) => (release = r));
    const partitions = new Set<number>();
    const handler: BatchHandler = {
      overlapsFlush: true,
      handle: (m) => {
        partitions.add(m.partition);
        return store.handler.handle(m);
      },
      flush: () => store.handler.flush(),
    };
    const loop = startLoop(topic, groupId, handler);
    await loop.start();
    // Every value handled although the first partition's flush has not returned: both batches ran.
    await waitFor('both partitions handled while the first flush waits', () => store.buffered.length === 20);
    expect([...partitions].sort()).toEqual([0, 1]);
    expect(await committedTotal(admin, groupId, topic)).toBe(0);
    release();
    await waitFor('everything committed once flushed', async () => (await committedTotal(admin, groupId, topic)) === 20);
    expect([...store.stored].sort()).toEqual([...values].sort());
    await loop.stop();
    await loop.done;
  });

  it('handles as many partitions of a fetch at once as configured, each committing only after its flush', async () => {
    const topic = unique('concurrent');
    await createTopics(admin, [{ topic, partitions: 6 }]);
    // One value per partition, each keyed to its own partition.
    const values = Array.from({ length: 6 }, (_, i) => `concurrent-${i}`);
    await produce(admin, topic, values, undefined, (i) => i);
    for (const concurrently of [2, 6]) {
      const store = testStore();
      let release: () => void = () => undefined;
      store.flushGate = new Promise<void>((r) => (release = r));
      const handler: BatchHandler = { overlapsFlush: true, handle: (m) => store.handler.handle(m), flush: () => store.handler.flush() };
      const groupId = unique(`concurrent-${concurrently}-group`);
      const loop = createConsumerLoop({ groupId, topics: [topic], fromBeginning: true, partitionsConsumedConcurrently: concurrently }, { kafka, logger, handler });
      loops.push(loop);
      await loop.start();
      // Every batch ends in a flush the gate holds: only `concurrently` partitions get handled.
      await waitFor(`${concurrently} partitions handled`, () => store.buffered.length === concurrently);
      await new Promise((r) => setTimeout(r, 1500));
      expect(store.buffered.length).toBe(concurrently);
      expect(await committedTotal(admin, groupId, topic)).toBe(0);
      release();
      await waitFor('everything committed once flushed', async () => (await committedTotal(admin, groupId, topic)) === 6);
      expect([...store.stored].sort()).toEqual(values);
      await loop.stop();
    }
  });

  it('stops gracefully: finishes the batch in hand, flushes, commits, hands partitions over, then leaves', async () => {
    const { topic, groupId, values } = await setup('graceful', 20);
    const store = testStore();
    let release: () => void = () => undefined;
    store.flushGate = new Promise<void>((r) => (release = r));
    const assigned: TopicPartition[][] = [];
    const loop = startLoop(topic, groupId, store.handler, {
      onAssigned: (p: TopicPartition[]) => Promise.resolve(void assigned.push(p)),
      onRevoked: async (p: TopicPartition[]) => {
        store.log.push(`revoked ${p.map((x) => `${x.topic}/${x.partition}`).join(',')} at ${await committedTotal(admin, groupId, topic)}`);
      },
    });
    await loop.start();
    await produce(admin, topic, values);
    await waitFor('the batch handled and its flush waiting', () => store.buffered.length === 20);
    const stopping = loop.stop();
    release();
    await stopping;
    await loop.done;
    expect(store.stored).toEqual(values);
    expect(store.log).toEqual(['flushed', `revoked ${topic}/0 at 20`]);
    expect(assigned).toEqual([[{ topic, partition: 0 }]]);
    expect(await committedTotal(admin, groupId, topic)).toBe(20);
  });

  it("tells each message's lag: how many messages followed it in its partition when its batch was fetched", async () => {
    const { topic, groupId, values } = await setup('lag', 12);
    // Eight messages before the loop starts (a backlog), four more once it has caught up.
    await produce(admin, topic, values.slice(0, 8));
    const seen: [string, number][] = [];
    const handler: BatchHandler = {
      handle(m) {
        seen.push([m.value?.toString() ?? '', m.lag]);
        return false;
      },
      flush: () => Promise.resolve(),
    };
    const loop = startLoop(topic, groupId, handler);
    await loop.start();
    await waitFor('the backlog handled', () => seen.length === 8);
    await produce(admin, topic, values.slice(8));
    await waitFor('the rest handled', () => seen.length === 12);
    await loop.stop();
    expect(seen).toEqual([...values.slice(0, 8).map((v, i): [string, number] => [v, 7 - i]), ...values.slice(8).map((v, i): [string, number] => [v, 3 - i])]);
  });
});

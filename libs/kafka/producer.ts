import { CompressionTypes, type Kafka, type Message, type Producer } from 'kafkajs';

export interface OutRecord {
  key?: string | null;
  value: string | Buffer;
  headers?: Record<string, string>;
}

export interface KafkaProducer {
  connect(): Promise<void>;
  /** Buffers a record for `topic`; nothing is sent until `flush`. */
  enqueue(topic: string, record: OutRecord): void;
  /** Records buffered and not yet acknowledged. */
  pending(): number;
  /**
   * Sends everything buffered and resolves once every broker acknowledged it (acks=all).
   * On failure the records stay buffered, so the next flush sends them again: consumers of Vigil's
   * topics must tolerate duplicates (ids in the payload make them recognisable).
   */
  flush(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * Bytes per sendBatch request. NOTE: kafkajs puts one partition's records of a request into one
 * record batch, and the broker refuses batches over message.max.bytes (about 1 MiB by default).
 */
const MAX_BYTES_PER_SEND = 768 * 1024;

/** A buffering producer: the consumer loop flushes it before committing, so produced output is durable first. */
export function createProducer(deps: { kafka: Kafka }): KafkaProducer {
  const producer: Producer = deps.kafka.producer({ allowAutoTopicCreation: true, idempotent: false, maxInFlightRequests: 5 });
  let buffered = new Map<string, Message[]>();
  let count = 0;
  let chain: Promise<void> = Promise.resolve();

  return {
    connect: () => producer.connect(),
    enqueue(topic, record) {
      let list = buffered.get(topic);
      if (!list) buffered.set(topic, (list = []));
      list.push({ key: record.key ?? null, value: record.value, ...(record.headers ? { headers: record.headers } : {}) });
      count++;
    },
    pending: () => count,
    flush() {
      // Chained: a flush resolves only once everything enqueued before it is acknowledged, even
      // records an earlier flush (still sending, or failed and put back) took. The consumer loop
      // commits one partition while another's flush may still be sending (overlapsFlush).
      const run = chain.then(flushOnce);
      chain = run.catch(() => undefined);
      return run;
    },
    disconnect: () => producer.disconnect(),
  };

  async function flushOnce(): Promise<void> {
    if (count === 0) return;
    const batch = buffered;
    buffered = new Map();
    const n = count;
    count = 0;
    try {
      const topicMessages = [...batch.entries()].map(([topic, messages]) => ({ topic, messages }));
      for (const chunk of chunks(topicMessages, MAX_BYTES_PER_SEND)) {
        await producer.sendBatch({ topicMessages: chunk, acks: -1, compression: CompressionTypes.None });
      }
    } catch (e) {
      // Keep everything for the retry, ahead of what arrived meanwhile.
      for (const [topic, msgs] of buffered) batch.set(topic, [...(batch.get(topic) ?? []), ...msgs]);
      buffered = batch;
      count += n;
      throw e;
    }
  }
}

/** Splits records into requests of at most `maxBytes` (a single larger record goes alone). */
function* chunks(topicMessages: { topic: string; messages: Message[] }[], maxBytes: number) {
  let out: { topic: string; messages: Message[] }[] = [];
  let size = 0;
  for (const { topic, messages } of topicMessages) {
    let part: Message[] = [];
    out.push({ topic, messages: part });
    for (const m of messages) {
      const bytes = sizeOf(m.value) + sizeOf(m.key) + 64;
      if (size + bytes > maxBytes && size > 0) {
        yield out;
        part = [];
        out = [{ topic, messages: part }];
        size = 0;
      }
      part.push(m);
      size += bytes;
    }
  }
  const rest = out.filter((t) => t.messages.length > 0);
  if (rest.length > 0) yield rest;
}

function sizeOf(v: Message['value'] | Message['key']): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

import { redactRaw } from '../../libs/adapters/index.js';
import type { DeadLetter, InputFormat } from '../../libs/contracts/index.js';
import type { BatchHandler, ConsumedMessage, DeadLetterTopic, KafkaProducer, Watermark } from '../../libs/kafka/index.js';
import type { BatchWriter } from '../ingest/batch-writer.js';
import type { Pipeline } from '../ingest/pipeline.js';
import type { PreparedLine } from '../ingest/prepare.js';
import { NO_ORDINALS } from '../ingest/ordinals.js';


/**
 * Wraps the store writer the pipeline writes into so each dead letter also goes to the dead-letter
 * topic, tagged with the Kafka message it came from (`current`, set per message by the handler).
 */
export function tapDeadLetters(inner: BatchWriter, sink: (d: DeadLetter) => void): BatchWriter {
  return {
    ...inner,
    addDeadLetter(d) {
      sink(d);
      return inner.addDeadLetter(d);
    },
  };
}

/**
 * The raw mirror topic's handler: each message value is one log line (or a Kong batch array) in any
 * format the adapters accept, run through `pipeline` (which detects and stores in the all-in-one
 * process, or forwards to vigil.events in the ingest role). Values that are empty or oversized never
 * reach a parser; they become dead letters at once.
 */
export function createRawHandler(
  cfg: { format: InputFormat; maxMessageBytes: number },
  deps: {
    /** Built over `writer`. */
    pipeline: Pipeline;
    /** Wrapped with `tapDeadLetters(…, handler.onDeadLetter)`, so every dead letter also reaches the topic. */
    writer: BatchWriter;
    producer: KafkaProducer;
    deadLetters: DeadLetterTopic;
    /** Which is made durable first in `flush`; both always precede the commit. */
    order: 'store-first' | 'produce-first';
    /** Event time across the consumed partitions, handed to detection (libs/kafka/watermark.ts). */
    watermark: Watermark;
    now?: () => number;
  },
): BatchHandler & { onDeadLetter(d: DeadLetter): void } {
  const now = deps.now ?? Date.now;
  let current: ConsumedMessage | undefined;
  /** Parsed and normalized ahead by `prepare` (on the pipeline's worker), taken by `handle`. */
  const prepared = new WeakMap<ConsumedMessage, PreparedLine>();
  const occurrenceOf = (m: ConsumedMessage) => `${m.topic}/${m.partition}/${m.offset}`;

  function onDeadLetter(d: DeadLetter): void {
    if (!current) return;
    // "offset" or "offset:item" for batched arrays: the item is what follows the offset.
    const item = d.position.startsWith(`${current.offset}:`) ? d.position.slice(current.offset.length + 1) : '0';
    deps.deadLetters.add(current, { reason: d.reason, raw: d.raw, format: d.format, position: item });
  }

  return {
    onDeadLetter,
    // The writer and the producer both chain their flushes, so a flush covers everything handled
    // before it even while an earlier one is still writing: the loop may handle the next batch meanwhile.
    overlapsFlush: true,

    async prepare(messages) {
      const todo = messages.filter((m) => rejectReason(m.value, cfg.maxMessageBytes) === undefined);
      const lines = await deps.pipeline.preparer.lines(
        todo.map((m) => ({ line: m.value as Buffer, occurrence: occurrenceOf(m) })),
        cfg.format,
      );
      todo.forEach((m, i) => {
        const line = lines[i];
        if (line) prepared.set(m, line);
      });
    },

    handle(m) {
      current = m;
      const at = { source: `kafka:${m.topic}/${m.partition}`, position: m.offset };
      try {
        const reason = rejectReason(m.value, cfg.maxMessageBytes);
        if (reason !== undefined || m.value === null) {
          // Only the head of an oversized value is kept (redactRaw truncates further).
          const raw = m.value ? redactRaw(m.value.subarray(0, 64 * 1024).toString('utf8')) : '';
          const d: DeadLetter = { ...at, format: 'kafka', reason: reason ?? 'empty message', raw, receivedAt: now() };
          deps.watermark.advance(m, undefined, m.lag);
          // The tapped writer also sends it to the dead-letter topic (onDeadLetter).
          return deps.writer.addDeadLetter(d);
        }
        const ready = prepared.get(m);
        // The consumer loop prepares every message before handling it: a miss is a bug, not bad input.
        if (ready === undefined) throw new Error(`raw handler: ${occurrenceOf(m)} was handled without being prepared`);
        // Let go of it now: kafkajs holds its messages until the whole fetched batch (thousands of
        // messages) is handled, and the WeakMap entry would keep the prepared events alive as long.
        prepared.delete(m);
        const watermark = deps.watermark.advance(m, newestTs(ready), m.lag);
        const value = m.value;
        return deps.pipeline.processPrepared(ready, undefined, { ...at, occurrence: occurrenceOf(m), text: () => value.toString('utf8') }, NO_ORDINALS, watermark);
      } finally {
        current = undefined;
      }
    },

    async flush() {
      // Store-first (detect here): alerts reach vigil.alerts only once stored. Produce-first (ingest
      // role): events are on vigil.events before the dead-letter rows land; either way both precede the commit.
      if (deps.order === 'store-first') {
        await deps.writer.flush();
        await deps.producer.flush();
      } else {
        await deps.producer.flush();
        await deps.writer.flush();
      }
    },
  };
}

/** The newest event time in a prepared line (a Kong batch carries several), if it holds any event. */
function newestTs(line: PreparedLine): number | undefined {
  let newest: number | undefined;
  for (const item of line.items) for (const s of item.steps) if (s.kind === 'event' && (newest === undefined || s.event.ts > newest)) newest = s.event.ts;
  return newest;
}

/** Why a value is dead-lettered before parsing, if it is. */
export function rejectReason(value: Buffer | null, maxBytes: number): string | undefined {
  if (value === null) return 'empty message (null value)';
  if (value.length > maxBytes) return `oversized: ${value.length} bytes > ${maxBytes}`;
  return undefined;
}

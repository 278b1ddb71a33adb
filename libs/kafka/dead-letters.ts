import type { ConsumedMessage } from './consumer-loop.js';
import type { KafkaProducer } from './producer.js';

/** Header names on vigil.deadletter records (stable: tooling filters on them). */
export const DEAD_LETTER_HEADERS = {
  reason: 'vigil-reason',
  topic: 'vigil-source-topic',
  partition: 'vigil-source-partition',
  offset: 'vigil-source-offset',
  /** Item within the message ("0", or "3" for the 4th element of a batched Kong array). */
  position: 'vigil-source-position',
  format: 'vigil-format',
} as const;

/**
 * Input that cannot become an event goes to the dead-letter topic (as well as the dead_letters
 * table), keyed like its source, with headers naming the reason and where it came from.
 * NOTE: the value is what the table keeps: the input truncated and with credentials redacted. The
 * source topic/partition/offset point at the original while the raw topic retains it.
 */
export function createDeadLetterTopic(cfg: { topic: string }, deps: { producer: KafkaProducer }) {
  return {
    add(source: Pick<ConsumedMessage, 'topic' | 'partition' | 'offset' | 'key'>, dl: { reason: string; raw: string; format: string; position: string }): void {
      deps.producer.enqueue(cfg.topic, {
        key: source.key ? source.key.toString('utf8') : null,
        value: dl.raw,
        headers: {
          [DEAD_LETTER_HEADERS.reason]: dl.reason.slice(0, 1000),
          [DEAD_LETTER_HEADERS.topic]: source.topic,
          [DEAD_LETTER_HEADERS.partition]: String(source.partition),
          [DEAD_LETTER_HEADERS.offset]: source.offset,
          [DEAD_LETTER_HEADERS.position]: dl.position,
          [DEAD_LETTER_HEADERS.format]: dl.format,
        },
      });
    },
  };
}
export type DeadLetterTopic = ReturnType<typeof createDeadLetterTopic>;

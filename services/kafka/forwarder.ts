import type { KafkaProducer } from '../../libs/kafka/index.js';
import type { BatchWriter } from '../ingest/batch-writer.js';

/**
 * The ingest role's "writer": normalized events go to vigil.events keyed by principal id (so the
 * detect role's consumer group puts each principal's events, and so its detector state, on exactly
 * one instance); dead letters still go to the store.
 *
 * NOTE privacy: values are NormalizedEvents, tokenized like the events table, except
 * `objects[].seq` (the raw integer id, kept so sequential walks are still detected when detect runs
 * in another process). vigil.events is therefore an internal topic inside the same trust boundary
 * as the raw mirror topic (which already holds raw ids): same ACLs, same short retention.
 */
export function createEventForwarder(cfg: { topic: string; batchSize: number }, deps: { producer: KafkaProducer; writer: BatchWriter }): BatchWriter {
  return {
    addEvent(e) {
      deps.producer.enqueue(cfg.topic, { key: e.principal.id, value: JSON.stringify(e) });
      return deps.producer.pending() >= cfg.batchSize;
    },
    addDeadLetter: (d) => deps.writer.addDeadLetter(d),
    async flush() {
      await deps.producer.flush();
      await deps.writer.flush();
    },
    pending: () => deps.producer.pending() + deps.writer.pending(),
    start: () => deps.writer.start(),
    stop: () => deps.writer.stop(),
  };
}

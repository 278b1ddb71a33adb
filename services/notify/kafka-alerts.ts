import { AlertSchema, type Alert } from '../../libs/contracts/index.js';
import type { BatchHandler, DeadLetterTopic } from '../../libs/kafka/index.js';
import type { Logger } from '../../libs/log/index.js';
import type { Outbox } from './outbox.js';

/** Alerts buffered before the handler asks for a flush (and so a commit). */
const FLUSH_AT = 500;

/**
 * The notify role's handler over vigil.alerts (Kafka split mode): each value is an alert version
 * the detect role stored. `flush` writes the outbox rows, then makes dead letters durable; the
 * consumer loop commits only after that, so a crash re-reads the tail and enqueueing is idempotent.
 * A value that is not an Alert goes to vigil.deadletter with the reason.
 */
export function createAlertsHandler(deps: { outbox: Outbox; deadLetters: DeadLetterTopic; flushProducer: () => Promise<void>; logger: Logger }): BatchHandler {
  const log = deps.logger.child({ component: 'notify-alerts-consumer' });
  let buffer: Alert[] = [];
  return {
    handle(m) {
      const text = m.value?.toString('utf8') ?? '';
      let reason: string;
      try {
        const parsed = AlertSchema.safeParse(JSON.parse(text));
        if (parsed.success) {
          buffer.push(parsed.data);
          return buffer.length >= FLUSH_AT;
        }
        reason = `not an Alert: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
      } catch (e) {
        reason = `invalid JSON: ${e instanceof Error ? e.message : String(e)}`;
      }
      log.warn({ event: 'alert_message_dead_lettered', topic: m.topic, partition: m.partition, offset: m.offset, reason });
      deps.deadLetters.add(m, { reason, raw: text.slice(0, 64 * 1024), format: 'vigil-alert', position: '0' });
      return false;
    },
    async flush() {
      const batch = buffer;
      if (batch.length > 0) await deps.outbox.enqueue(batch);
      // Only forget what was written: a failed enqueue keeps the batch for the loop's retry.
      buffer = buffer.slice(batch.length);
      await deps.flushProducer();
    },
  };
}

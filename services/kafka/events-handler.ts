import { redactRaw } from '../../libs/adapters/index.js';
import type { RecentIds } from '../../libs/cache/index.js';
import { NormalizedEventSchema, type DeadLetter, type NormalizedEvent } from '../../libs/contracts/index.js';
import type { BatchHandler, DeadLetterTopic, KafkaProducer, Watermark } from '../../libs/kafka/index.js';
import type { DetectorRuntime } from '../../detectors/framework.js';
import type { AlertManager } from '../detect/alert-manager.js';
import type { BatchWriter } from '../ingest/batch-writer.js';
import type { PipelineMetrics } from '../ingest/metrics.js';
import { rejectReason } from './raw-handler.js';

/**
 * The detect role's handler over vigil.events: each value is a NormalizedEvent the ingest role
 * produced, keyed by principal. Detect -> aggregate alerts -> buffer the event; `flush` stores
 * events, dead letters and alerts (the writer's order), then produces dead letters and the alert
 * versions just written to vigil.alerts. A value that is not a NormalizedEvent is a dead letter.
 */
export function createEventsHandler(
  cfg: { maxMessageBytes: number },
  deps: {
    detectors: DetectorRuntime;
    alerts: AlertManager;
    writer: BatchWriter;
    producer: KafkaProducer;
    deadLetters: DeadLetterTopic;
    metrics: PipelineMetrics;
    /** Event time across the consumed partitions, handed to detection (libs/kafka/watermark.ts). */
    watermark: Watermark;
    /**
     * The latest event ids: an event the ingest role produced twice (re-reading the raw topic after a
     * crash before its commit) is detected and stored once.
     */
    recent?: RecentIds;
    now?: () => number;
  },
): BatchHandler & { counts(): { events: number; deadLetters: number; findings: number; duplicates: number } } {
  const now = deps.now ?? Date.now;
  const counts = { events: 0, deadLetters: 0, findings: 0, duplicates: 0 };

  return {
    // See the raw handler: the writer and the producer chain their flushes.
    overlapsFlush: true,

    handle(m) {
      const source = `kafka:${m.topic}/${m.partition}`;
      const text = m.value?.toString('utf8') ?? '';
      let reason = rejectReason(m.value, cfg.maxMessageBytes);
      let event: NormalizedEvent | undefined;
      if (reason === undefined) {
        try {
          const parsed = NormalizedEventSchema.safeParse(JSON.parse(text));
          if (parsed.success) event = parsed.data;
          else reason = `not a NormalizedEvent: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
        } catch (e) {
          reason = `invalid JSON: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
      if (!event) {
        deps.watermark.advance(m, undefined, m.lag);
        counts.deadLetters++;
        deps.metrics.deadLetters.inc({ format: 'vigil-event' });
        const d: DeadLetter = { source, position: m.offset, format: 'vigil-event', reason: reason ?? 'unknown', raw: redactRaw(text.slice(0, 64 * 1024)), receivedAt: now() };
        deps.deadLetters.add(m, { reason: d.reason, raw: d.raw, format: d.format, position: '0' });
        return deps.writer.addDeadLetter(d);
      }
      if (deps.recent?.seen(event.eventId) === true) {
        // Still moves event time: the partition's position is past it.
        deps.watermark.advance(m, event.ts, m.lag);
        counts.duplicates++;
        deps.metrics.duplicates.inc({ format: event.source });
        return false;
      }
      counts.events++;
      deps.metrics.events.inc({ format: event.source });
      // The origin records the principal's partition and the partition's position: what a handoff
      // saves and loads (services/kafka/handoff.ts).
      const watermark = deps.watermark.advance(m, event.ts, m.lag);
      const findings = deps.detectors.detect(event, { partition: m.partition, offset: m.offset }, watermark);
      if (findings.length > 0) {
        counts.findings += findings.length;
        for (const f of findings) deps.metrics.findings.inc({ detector: f.detector });
        deps.alerts.onFindings(findings);
      }
      return deps.writer.addEvent(event);
    },

    async flush() {
      // Store first: an alert reaches vigil.alerts only once the events it cites are stored.
      await deps.writer.flush();
      await deps.producer.flush();
    },

    counts: () => ({ ...counts }),
  };
}

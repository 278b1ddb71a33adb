import { redactRaw } from '../../libs/adapters/index.js';
import type { RecentIds } from '../../libs/cache/index.js';
import type { InputFormat, NormalizedEvent } from '../../libs/contracts/index.js';
import type { DetectorRuntime } from '../../detectors/framework.js';
import type { AlertManager } from '../detect/alert-manager.js';
import type { BatchWriter } from './batch-writer.js';
import type { PipelineMetrics } from './metrics.js';
import { eventIdFor } from './normalize.js';
import type { Ordinals } from './ordinals.js';
import { identityOf, itemOccurrence, type PreparedItem, type PreparedLine } from './prepare.js';
import type { Preparer } from './preparer.js';

export interface SourcePosition {
  /** File path, "http:/v1/ingest", later a Kafka topic/partition. */
  source: string;
  /** Line number (1-based) in a file, item index in an HTTP body, offset in a Kafka partition. */
  position: string;
  /**
   * Where this exact input sits, when the transport can say so for good (Kafka: topic/partition/offset).
   * When set, event ids hash the line with it instead of counting identical lines, because occurrence
   * counts restart with the process while a redelivered message keeps its coordinate. Pass ordinals that
   * always answer 0 then (NO_ORDINALS in ./ordinals.ts). A line that names its request (a gateway
   * request id) hashes neither: a copy of it at another offset is the same request (prepare.ts).
   */
  occurrence?: string;
  /**
   * The line's text, for a caller that passes none (Kafka: decoding every message only in case it
   * is needed would cost a copy per event); read only when an event of it becomes a dead letter.
   */
  text?: () => string;
}

export interface PipelineCounts {
  lines: number;
  events: number;
  deadLetters: number;
  findings: number;
  /** Events left out as copies of one seen lately (Config ingest.dedupEvents): neither detected nor stored again. */
  duplicates: number;
}

export interface Pipeline {
  /**
   * One source line through parse -> normalize -> detect -> buffer, on this thread. Synchronous and
   * never throws for bad input (that becomes a dead letter); returns true when the writer wants a flush.
   * Only for an inline preparer: a worker's route templates would not learn from this line.
   */
  processLine(line: string, at: SourcePosition, format: InputFormat, ordinals: Ordinals): boolean;
  /**
   * The second half of processLine for a line the preparer already parsed and normalized
   * (`prepared`, from `preparer.lines`): occurrence ids, detect, buffer. `line` may be omitted when
   * `ordinals` always answers 0 (Kafka), because only a repeated line needs its text again.
   * `watermark`: event time across all input when the line's own source is one of several (Kafka
   * partitions, Detector.detect); omitted for one ordered source.
   */
  processPrepared(prepared: PreparedLine, line: string | undefined, at: SourcePosition, ordinals: Ordinals, watermark?: number): boolean;
  /** A whole POSTed body; resolves once its rows are durably written (so a 202 means stored). */
  ingestBody(body: string, format: InputFormat, source: string, ordinals: Ordinals): Promise<{ accepted: number; deadLettered: number; duplicates: number }>;
  /** Parses and normalizes, on the worker thread when there is one (see preparer.ts). */
  readonly preparer: Preparer;
  flush(): Promise<void>;
  counts(): PipelineCounts;
}

/**
 * The path every mirrored log line takes, whatever transport brought it (file replay, HTTP ingest,
 * Kafka). The preparer parses and normalizes; detection happens in memory on event time, on this
 * thread and in source order; the writer makes rows durable.
 */
export function createPipeline(deps: {
  preparer: Preparer;
  detectors: DetectorRuntime;
  alerts: AlertManager;
  writer: BatchWriter;
  metrics: PipelineMetrics;
  /** Events stamped more than this ahead of `now` are dead letters (Config ingest.maxFutureSeconds); 0: no limit. */
  maxFutureSeconds?: number;
  /** The latest event ids (Config ingest.dedupEvents), to leave out an event delivered again; none: every event counts. */
  recent?: RecentIds;
  now?: () => number;
}): Pipeline {
  const now = deps.now ?? Date.now;
  const maxFutureMs = (deps.maxFutureSeconds ?? 0) * 1000;
  const counts: PipelineCounts = { lines: 0, events: 0, deadLetters: 0, findings: 0, duplicates: 0 };

  function deadLetter(raw: string, at: SourcePosition, format: string, reason: string): boolean {
    counts.deadLetters++;
    deps.metrics.deadLetters.inc({ format });
    return deps.writer.addDeadLetter({ source: at.source, position: at.position, format, reason, raw: redactRaw(raw), receivedAt: now() });
  }

  /** An event delivered again: already detected and buffered (or stored), so only counted. */
  function duplicate(ev: NormalizedEvent): void {
    counts.duplicates++;
    deps.metrics.duplicates.inc({ format: ev.source });
  }

  function event(ev: NormalizedEvent, watermark: number | undefined): boolean {
    counts.events++;
    deps.metrics.events.inc({ format: ev.source });
    const findings = deps.detectors.detect(ev, undefined, watermark);
    if (findings.length > 0) {
      counts.findings += findings.length;
      for (const f of findings) deps.metrics.findings.inc({ detector: f.detector });
      deps.alerts.onFindings(findings);
    }
    return deps.writer.addEvent(ev);
  }

  function applyItem(item: PreparedItem, line: string | undefined, at: SourcePosition, ordinals: Ordinals, watermark?: number): boolean {
    const raw = item.raw ?? line;
    let wantsFlush = false;
    for (const step of item.steps) {
      if (step.kind === 'dead') {
        if (step.first !== undefined) ordinals.next(step.first);
        wantsFlush = deadLetter(raw ?? '', at, step.format, step.reason) || wantsFlush;
        continue;
      }
      const ordinal = step.named ? 0 : ordinals.next(step.event.eventId);
      if (ordinal !== 0) {
        if (raw === undefined) throw new Error('pipeline: a repeated line needs its text for its event id');
        step.event.eventId = eventIdFor(identityOf(raw, at.occurrence, step.index), ordinal);
      }
      const ahead = maxFutureMs > 0 ? step.event.ts - now() : 0;
      if (ahead > maxFutureMs) {
        const reason =
          `event time ${new Date(step.event.ts).toISOString()} is ${Math.round(ahead / 1000)} s ahead of this machine's clock ` +
          `(more than VIGIL_INGEST_MAX_FUTURE_SECONDS=${maxFutureMs / 1000}): the gateway's clock or time zone is wrong`;
        wantsFlush = deadLetter(raw ?? at.text?.() ?? '', at, step.event.source, reason) || wantsFlush;
        continue;
      }
      if (deps.recent?.seen(step.event.eventId) === true) {
        duplicate(step.event);
        continue;
      }
      wantsFlush = event(step.event, watermark) || wantsFlush;
    }
    return wantsFlush;
  }

  function processPrepared(prepared: PreparedLine, line: string | undefined, at: SourcePosition, ordinals: Ordinals, watermark?: number): boolean {
    if (prepared.blank) return false;
    counts.lines++;
    let wantsFlush = false;
    for (const item of prepared.items) {
      let where = at;
      if (item.item !== undefined) {
        where = { source: at.source, position: `${at.position}:${item.item}` };
        const occurrence = itemOccurrence(at.occurrence, item.item);
        if (occurrence !== undefined) where.occurrence = occurrence;
      }
      wantsFlush = applyItem(item, line, where, ordinals, watermark) || wantsFlush;
    }
    return wantsFlush;
  }

  return {
    preparer: deps.preparer,
    processLine(line, at, format, ordinals) {
      const { prepareLineSync } = deps.preparer;
      if (prepareLineSync === undefined) throw new Error('pipeline: processLine needs an inline preparer; use preparer.lines and processPrepared');
      return processPrepared(prepareLineSync(line, format, at.occurrence), line, at, ordinals);
    },
    processPrepared,

    async ingestBody(body, format, source, ordinals) {
      const before = { events: counts.events, dead: counts.deadLetters, duplicates: counts.duplicates };
      for (const item of await deps.preparer.body(body, format)) {
        counts.lines++;
        if (applyItem(item, undefined, { source, position: item.item ?? '0' }, ordinals)) await deps.writer.flush();
      }
      await deps.writer.flush();
      return { accepted: counts.events - before.events, deadLettered: counts.deadLetters - before.dead, duplicates: counts.duplicates - before.duplicates };
    },

    flush: () => deps.writer.flush(),
    counts: () => ({ ...counts }),
  };
}

import { parseBody, parseLine, redactRaw, type ParseOutcome } from '../../libs/adapters/index.js';
import type { ApiEvent, InputFormat, NormalizedEvent } from '../../libs/contracts/index.js';
import type { DetectorRuntime } from '../../detectors/framework.js';
import type { AlertManager } from '../detect/alert-manager.js';
import type { BatchWriter } from './batch-writer.js';
import type { PipelineMetrics } from './metrics.js';
import { eventIdFor } from './normalize.js';
import type { Ordinals } from './ordinals.js';

export interface SourcePosition {
  /** File path, "http:/v1/ingest", later a Kafka topic/partition. */
  source: string;
  /** Line number (1-based) in a file, item index in an HTTP body, offset in a Kafka partition. */
  position: string;
  /**
   * Where this exact input sits, when the transport can say so for good (Kafka: topic/partition/offset).
   * When set, event ids hash the line with it instead of counting identical lines, because occurrence
   * counts restart with the process while a redelivered message keeps its coordinate. Pass ordinals that
   * always answer 0 then (see NO_ORDINALS in services/kafka).
   */
  occurrence?: string;
}

export interface PipelineCounts {
  lines: number;
  events: number;
  deadLetters: number;
  findings: number;
}

export interface Pipeline {
  /**
   * One source line through parse -> normalize -> detect -> buffer. Synchronous and never throws
   * for bad input (that becomes a dead letter); returns true when the writer wants a flush.
   */
  processLine(line: string, at: SourcePosition, format: InputFormat, ordinals: Ordinals): boolean;
  /** A whole POSTed body; resolves once its rows are durably written (so a 202 means stored). */
  ingestBody(body: string, format: InputFormat, source: string, ordinals: Ordinals): Promise<{ accepted: number; deadLettered: number }>;
  flush(): Promise<void>;
  counts(): PipelineCounts;
}

export type Normalize = (ev: ApiEvent, meta: { eventId: string; source: string }) => NormalizedEvent;

/**
 * The path every mirrored log line takes, whatever transport brought it (file replay, HTTP ingest,
 * later Kafka). Detection happens in memory on event time; the writer makes rows durable.
 */
export function createPipeline(deps: {
  normalize: Normalize;
  detectors: DetectorRuntime;
  alerts: AlertManager;
  writer: BatchWriter;
  metrics: PipelineMetrics;
  now?: () => number;
}): Pipeline {
  const now = deps.now ?? Date.now;
  const counts: PipelineCounts = { lines: 0, events: 0, deadLetters: 0, findings: 0 };

  function deadLetter(raw: string, at: SourcePosition, format: string, reason: string): boolean {
    counts.deadLetters++;
    deps.metrics.deadLetters.inc({ format });
    return deps.writer.addDeadLetter({ source: at.source, position: at.position, format, reason, raw: redactRaw(raw), receivedAt: now() });
  }

  function handle(outcome: ParseOutcome, raw: string, at: SourcePosition, ordinals: Ordinals): boolean {
    if (outcome.kind === 'deadLetter') return deadLetter(raw, at, outcome.format, outcome.reason);
    let wantsFlush = false;
    outcome.events.forEach((ev, i) => {
      // NOTE: one raw item normally holds one event; should an adapter ever return several, each
      // gets the item plus its index as identity.
      const base = at.occurrence === undefined ? raw : `${raw}\u0000${at.occurrence}`;
      const identity = i === 0 ? base : `${base}\u0000${i}`;
      const first = eventIdFor(identity, 0);
      const ordinal = ordinals.next(first);
      const eventId = ordinal === 0 ? first : eventIdFor(identity, ordinal);
      let normalized: NormalizedEvent;
      try {
        normalized = deps.normalize(ev, { eventId, source: outcome.format });
      } catch (e) {
        // NOTE: normalization of a schema-valid event should not fail; if it does, keep the input.
        wantsFlush = deadLetter(raw, at, outcome.format, `normalize: ${e instanceof Error ? e.message : String(e)}`) || wantsFlush;
        return;
      }
      counts.events++;
      deps.metrics.events.inc({ format: outcome.format });
      const findings = deps.detectors.detect(normalized);
      if (findings.length > 0) {
        counts.findings += findings.length;
        for (const f of findings) deps.metrics.findings.inc({ detector: f.detector });
        deps.alerts.onFindings(findings);
      }
      wantsFlush = deps.writer.addEvent(normalized) || wantsFlush;
    });
    return wantsFlush;
  }

  return {
    processLine(line, at, format, ordinals) {
      // Blank lines separate nothing and carry nothing: skipping them loses no input.
      if (line.trim() === '') return false;
      counts.lines++;
      if (!line.trimStart().startsWith('[')) return handle(parseLine(line, format), line, at, ordinals);
      // A batched line (Kong arrays): each element stands alone, so one bad element becomes one
      // dead letter at "line:index" and the good ones still become events.
      let wantsFlush = false;
      for (const item of parseBody(line, format)) {
        const pos: SourcePosition = { source: at.source, position: `${at.position}:${item.position}` };
        if (at.occurrence !== undefined) pos.occurrence = `${at.occurrence}:${item.position}`;
        wantsFlush = handle(item.outcome, item.raw, pos, ordinals) || wantsFlush;
      }
      return wantsFlush;
    },

    async ingestBody(body, format, source, ordinals) {
      const before = { events: counts.events, dead: counts.deadLetters };
      for (const { position, outcome, raw } of parseBody(body, format)) {
        // NDJSON blank lines carry nothing (see processLine).
        if (raw.trim() === '') continue;
        counts.lines++;
        if (handle(outcome, raw, { source, position: String(position) }, ordinals)) await deps.writer.flush();
      }
      await deps.writer.flush();
      return { accepted: counts.events - before.events, deadLettered: counts.deadLetters - before.dead };
    },

    flush: () => deps.writer.flush(),
    counts: () => ({ ...counts }),
  };
}

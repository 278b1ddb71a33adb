import { parseBody, parseLine, type ParseOutcome } from '../../libs/adapters/index.js';
import type { ApiEvent, InputFormat, NormalizedEvent } from '../../libs/contracts/index.js';
import type { DetectorRuntime } from '../../detectors/framework.js';
import type { AlertManager } from '../detect/alert-manager.js';
import type { BatchWriter } from './batch-writer.js';
import type { PipelineMetrics } from './metrics.js';
import { eventIdFor } from './normalize.js';
import type { Ordinals } from './ordinals.js';
import { redactRaw } from '../../libs/adapters/index.js';

export interface SourcePosition {
  /** File path, "http:/v1/ingest", later a Kafka topic/partition. */
  source: string;
  /** Line number (1-based) in a file, item index in an HTTP body. */
  position: string;
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
    const many = outcome.events.length > 1;
    outcome.events.forEach((ev, i) => {
      // A batched Kong line holds several events: each gets the line plus its index as identity.
      const identity = many ? `${raw}\u0000${i}` : raw;
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
      return handle(parseLine(line, format), line, at, ordinals);
    },

    async ingestBody(body, format, source, ordinals) {
      const before = { events: counts.events, dead: counts.deadLetters };
      const items = parseBody(body, format);
      const raws = splitItems(body, items.length);
      for (const { position, outcome } of items) {
        counts.lines++;
        const raw = raws[position] ?? body;
        if (handle(outcome, raw, { source, position: String(position) }, ordinals)) await deps.writer.flush();
      }
      await deps.writer.flush();
      return { accepted: counts.events - before.events, deadLettered: counts.deadLetters - before.dead };
    },

    flush: () => deps.writer.flush(),
    counts: () => ({ ...counts }),
  };
}

/**
 * The raw text of each item of a body, for event identity and dead letters: NDJSON lines, or the
 * items of a JSON array (re-serialized), or the body itself when it is one object.
 */
function splitItems(body: string, n: number): string[] {
  const trimmed = body.trim();
  if (trimmed.startsWith('[')) {
    try {
      const arr = JSON.parse(trimmed) as unknown;
      if (Array.isArray(arr)) return arr.map((x) => JSON.stringify(x));
    } catch {
      return [body];
    }
  }
  const lines = body.split('\n').filter((l) => l.trim() !== '');
  return lines.length === n ? lines : [body];
}

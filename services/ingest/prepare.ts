import { parseBody, parseLine, type ParseOutcome } from '../../libs/adapters/index.js';
import type { InputFormat, NormalizedEvent } from '../../libs/contracts/index.js';
import { eventIdFor, type Normalizer } from './normalize.js';

/**
 * The first half of the pipeline: a source line (or an HTTP body) parsed and normalized, with no
 * per-source state (occurrence counts, detectors, writer) involved. Kept apart so it can run on a
 * worker thread (preparer.ts) while the main thread detects the previous lines; the second half,
 * pipeline.ts `processPrepared`, applies the steps in order. Both threads run this same code, so a
 * line gives the same events whichever thread prepared it.
 */
export type Step =
  /**
   * `event.eventId` is the first-occurrence id; the pipeline re-derives it when the line repeats,
   * unless `named`: the line names its request (a gateway request id), so a copy of it is the same
   * request delivered again, not another one, and keeps the same id wherever and however often it comes.
   */
  | { kind: 'event'; event: NormalizedEvent; index: number; named: boolean }
  /** `first` is set when normalizing failed: the event's occurrence still counts, as before the split. */
  | { kind: 'dead'; format: string; reason: string; first?: string };

/** One raw item: a whole line, or one element of a batched line (Kong arrays) or of an HTTP body. */
export interface PreparedItem {
  /** The element's position within its line or body; absent for a whole line. */
  item?: string;
  /** The item's text, when the caller may not hold it: array and body elements, and dead letters. */
  raw?: string;
  steps: Step[];
}

export interface PreparedLine {
  /** Blank lines carry nothing and are not counted as lines. */
  blank: boolean;
  items: PreparedItem[];
}

/** What an event id hashes: the raw item, its transport coordinate if any, its index within the item. */
export function identityOf(raw: string, occurrence: string | undefined, index: number): string {
  const base = occurrence === undefined ? raw : `${raw}\u0000${occurrence}`;
  return index === 0 ? base : `${base}\u0000${index}`;
}

/** The occurrence of element `item` of a batched line whose own occurrence is `occurrence`. */
export function itemOccurrence(occurrence: string | undefined, item: string): string | undefined {
  return occurrence === undefined ? undefined : `${occurrence}:${item}`;
}

export function prepareLine(normalize: Normalizer, line: string, format: InputFormat, occurrence?: string): PreparedLine {
  if (line.trim() === '') return { blank: true, items: [] };
  if (!line.trimStart().startsWith('[')) {
    const item = prepareItem(normalize, parseLine(line, format), line, occurrence);
    // The caller holds the line, but a worker's caller may hold only its bytes: dead letters keep it.
    if (item.steps.some((s) => s.kind === 'dead')) item.raw = line;
    return { blank: false, items: [item] };
  }
  // A batched line: each element stands alone, so one bad element is one dead letter at "line:index".
  const items = parseBody(line, format).map((b) => {
    const item = String(b.position);
    return { ...prepareItem(normalize, b.outcome, b.raw, itemOccurrence(occurrence, item)), item, raw: b.raw };
  });
  return { blank: false, items };
}

/** A POSTed body (a Kong batch array or NDJSON), blank NDJSON lines left out. */
export function prepareBody(normalize: Normalizer, body: string, format: InputFormat): PreparedItem[] {
  const out: PreparedItem[] = [];
  for (const b of parseBody(body, format)) {
    if (b.raw.trim() === '') continue;
    out.push({ ...prepareItem(normalize, b.outcome, b.raw, undefined), item: String(b.position), raw: b.raw });
  }
  return out;
}

function prepareItem(normalize: Normalizer, outcome: ParseOutcome, raw: string, occurrence: string | undefined): PreparedItem {
  if (outcome.kind === 'deadLetter') return { steps: [{ kind: 'dead', format: outcome.format, reason: outcome.reason }] };
  const steps: Step[] = [];
  outcome.events.forEach((ev, index) => {
    // NOTE: one raw item normally holds one event; should an adapter ever return several, each
    // gets the item plus its index as identity.
    // NOTE: the request id alone is not the identity (a client can send its own X-Request-Id); the
    // whole line is, and it also holds the start time to the millisecond and the latencies, so two
    // requests practically never give the same named line. Lines without an id (nginx `combined`:
    // whole seconds) keep counting identical copies as distinct requests.
    const named = ev.requestId !== undefined && ev.requestId !== '';
    const first = eventIdFor(identityOf(raw, named ? undefined : occurrence, index), 0);
    try {
      steps.push({ kind: 'event', event: normalize(ev, { eventId: first, source: outcome.format }), index, named });
    } catch (e) {
      // NOTE: normalization of a schema-valid event should not fail; if it does, keep the input.
      steps.push({ kind: 'dead', format: outcome.format, reason: `normalize: ${e instanceof Error ? e.message : String(e)}`, first });
    }
  });
  return { steps };
}

// Entry points: one source line, or one HTTP body, to ParseOutcomes. Each line is JSON-parsed at
// most once and detected from the parsed value, never by re-parsing per candidate format.
import type { InputFormat } from '../contracts/index.js';
import { detectJsonFormat, type JsonFormat } from './detect.js';
import { envoyToEvent } from './envoy.js';
import { describeJsonError, parseJson } from './json.js';
import { kongToEvent } from './kong.js';
import { nativeToEvent } from './native.js';
import { combinedToEvent } from './nginx-combined.js';
import { nginxJsonToEvent } from './nginx-json.js';
import { deadLetter, mapMany, mapOne, validate, type Mapped, type ParseOutcome } from './outcome.js';
import { isRecord } from './values.js';

const MAPPERS: Record<JsonFormat, (record: unknown) => Mapped> = {
  kong: kongToEvent,
  vigil: nativeToEvent,
  nginx: nginxJsonToEvent,
  envoy: envoyToEvent,
};

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/** Index of the first character that is not a space or tab, or -1 for a blank line. */
function firstNonBlank(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return i;
  }
  return -1;
}

/** Drops a UTF-8 byte order mark (first line of some files) and the \r of CRLF line endings. */
function cleanLine(line: string): string {
  const start = line.charCodeAt(0) === 0xfeff ? 1 : 0;
  const end = line.charCodeAt(line.length - 1) === 0x0d ? line.length - 1 : line.length;
  return start === 0 && end === line.length ? line : line.slice(start, end);
}

export function parseLine(line: string, format: InputFormat): ParseOutcome {
  const text = cleanLine(line);
  const first = firstNonBlank(text);
  if (first < 0) return deadLetter(format === 'auto' ? 'unknown' : format, 'empty line');
  const c = text.charCodeAt(first);
  const looksJson = c === OPEN_BRACE || c === OPEN_BRACKET;
  if (!looksJson) {
    if (format === 'auto' || format === 'nginx') return combinedOutcome(text, format);
    return deadLetter(format, `${format}: line is not JSON (expected '{' or '[')`);
  }
  const parsed = parseJson(text);
  if (!parsed.ok) return deadLetter(format === 'auto' ? 'unknown' : format, parsed.reason);
  return valueOutcome(parsed.value, format);
}

/** A parsed JSON value (a line, a body, or one element of a body's array) to an outcome. */
export function valueOutcome(value: unknown, format: InputFormat): ParseOutcome {
  if (Array.isArray(value)) {
    const head: unknown = value[0];
    const fmt = format === 'auto' ? (isRecord(head) ? detectJsonFormat(head) : undefined) : format;
    if (fmt === undefined) return deadLetter('unknown', value.length === 0 ? 'empty JSON array' : 'unrecognized format');
    return mapMany(fmt, MAPPERS[fmt], value);
  }
  if (!isRecord(value)) {
    const got = value === null ? 'null' : typeof value;
    return format === 'auto'
      ? deadLetter('unknown', `unrecognized format: a JSON ${got}, not an object`)
      : deadLetter(format, `${format}: expected a JSON object, got ${got}`);
  }
  const fmt = format === 'auto' ? detectJsonFormat(value) : format;
  if (fmt === undefined) return deadLetter('unknown', 'unrecognized format');
  return mapOne(fmt, MAPPERS[fmt], value);
}

function combinedOutcome(text: string, format: 'auto' | 'nginx'): ParseOutcome {
  const mapped = combinedToEvent(text);
  if (mapped === undefined) {
    return format === 'auto'
      ? deadLetter('unknown', 'unrecognized format')
      : deadLetter('nginx-combined', 'nginx combined: line does not match the combined format');
  }
  if (typeof mapped === 'string') return deadLetter('nginx-combined', mapped);
  const event = validate(mapped);
  return typeof event === 'string'
    ? deadLetter('nginx-combined', event)
    : { kind: 'ok', format: 'nginx-combined', events: [event] };
}

export interface BodyItem {
  /** 0-based: the array index for a JSON array body, the line index for NDJSON. */
  position: number;
  outcome: ParseOutcome;
  /**
   * The item's own text, for event identity and dead letters: the NDJSON line, the array element
   * re-serialized, or the whole body when it is one value. Never the whole batch for one item, so
   * a bad element of a large batch is kept whole in the dead-letter store.
   */
  raw: string;
}

/**
 * A whole POSTed body. Kong's http-log posts one JSON object, or an array when it batches; custom
 * mirrors post NDJSON. The body is first tried as one JSON value (object or array, possibly
 * pretty-printed); if that fails it is read as NDJSON. An empty body gives no items.
 * NOTE: NDJSON blank lines come back as 'empty line' dead letters (callers skip them); a single
 * final newline does not count as a line.
 */
export function parseBody(body: string, format: InputFormat): BodyItem[] {
  const first = firstNonBlank(body);
  if (first < 0) return [];
  const c = body.charCodeAt(first);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let value: unknown;
    let parsed = false;
    try {
      value = JSON.parse(body) as unknown;
      parsed = true;
    } catch {
      // Most often NDJSON: JSON.parse stops right after the first line, so this costs little.
    }
    if (parsed) {
      if (!Array.isArray(value)) return [{ position: 0, outcome: valueOutcome(value, format), raw: body }];
      return value.map((item: unknown, position) => {
        const raw = stringifyItem(item);
        // Too deep to re-serialize (JSON.parse nests further than JSON.stringify can recurse): the
        // item becomes a dead letter keeping the body's text, which the dead-letter store truncates.
        if (raw === undefined) return { position, outcome: deadLetter(format === 'auto' ? 'unknown' : format, 'JSON nested too deeply'), raw: body };
        return { position, outcome: valueOutcome(item, format), raw };
      });
    }
    // A pretty-printed document whose first line is a lone bracket is one broken value, not NDJSON.
    const firstLineEnd = body.indexOf('\n', first);
    const firstLine = body.slice(first, firstLineEnd < 0 ? body.length : firstLineEnd).trim();
    if (firstLineEnd >= 0 && (firstLine === '{' || firstLine === '[')) {
      return [{ position: 0, outcome: deadLetter(format === 'auto' ? 'unknown' : format, describeJsonError(body)), raw: body }];
    }
  }
  const lines = body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, position) => ({ position, outcome: parseLine(line, format), raw: line }));
}

function stringifyItem(item: unknown): string | undefined {
  try {
    return JSON.stringify(item);
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

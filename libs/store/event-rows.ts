import type { NormalizedEvent } from '../contracts/index.js';
import { toChTime } from './sql.js';

/**
 * Event rows already encoded for the insert (JSONCompactEachRow, one line per event, `EVENT_COLUMNS`
 * order), in UTF-8 bytes outside the JavaScript heap.
 *
 * Why: the batch writer used to hold the NormalizedEvent objects of a whole batch (5,000 by default)
 * until ClickHouse had written them. Held that long, every event outlived two young-generation
 * collections and was copied into the old generation, only to die there; on the Kafka path that
 * promotion was the largest part of the main thread's garbage-collection cost (docs/performance.md,
 * eighth pass). Encoded on arrival, an event dies young, and the bytes waiting for the insert are
 * never scanned or copied by the collector. The encoding is the one the client applied at insert
 * time before (`JSON.stringify(values) + '\n'`), so the stored rows are the same.
 */
export interface EncodedEventRows {
  readonly rows: number;
  /** Each a run of whole lines. */
  readonly chunks: readonly Buffer[];
}

export interface EventRowBuffer {
  add(e: NormalizedEvent): void;
  /** Rows added since the last `take`. */
  readonly rows: number;
  /** Everything added so far, as inserts of at most `maxRows` rows each; the buffer starts empty again. */
  take(): EncodedEventRows[];
}

/** Every column of `events`, in the order `toEventValues` gives their values. */
export const EVENT_COLUMNS = [
  'event_id', 'ts', 'source', 'method', 'host', 'service', 'route', 'path_tokenized', 'query_keys', 'status',
  'request_bytes', 'response_bytes', 'latency_ms', 'client_ip', 'user_agent', 'principal', 'principal_kind', 'app',
  'issuer', 'scopes', 'patient', 'fhir_user', 'auth_scheme', 'credential_fingerprint', 'object_types', 'object_ids',
  'object_via', 'object_created', 'phi_seen', 'phi_categories', 'phi_resource_types', 'phi_in',
] as const satisfies readonly [string, ...string[]];

/**
 * Flattens an event into the values of its row, in `EVENT_COLUMNS` order: positional, because this
 * runs for every stored event and named rows cost ~2-3 µs more per event to encode and to parse
 * (docs/performance.md, fourth pass). Optional principal fields become '' (events are analytical
 * rows, absent and empty mean the same there).
 * NOTE: ObjectRef.seq is deliberately not copied: raw id values never leave process memory.
 */
export function toEventValues(e: NormalizedEvent): unknown[] {
  const p = e.principal;
  const objects = e.objects;
  return [
    e.eventId,
    toChTime(e.ts),
    e.source,
    e.method,
    e.host,
    e.service,
    e.route,
    e.pathTokenized,
    e.queryKeys,
    e.status,
    e.requestBytes,
    e.responseBytes,
    e.latencyMs,
    e.clientIp,
    e.userAgent,
    p.id,
    p.kind,
    p.app ?? '',
    p.issuer ?? '',
    p.scopes,
    p.patient ?? '',
    p.fhirUser ?? '',
    p.authScheme,
    p.credentialFingerprint ?? '',
    objects.map((o) => o.type),
    objects.map((o) => o.id),
    objects.map((o) => o.via),
    objects.map((o) => (o.created ? 1 : 0)),
    // Categories and type names only: the bodies themselves never reach the normalized event.
    e.phi === undefined ? 0 : 1,
    e.phi?.categories ?? [],
    e.phi?.resourceTypes ?? [],
    e.phi?.in ?? [],
  ];
}

/** The same row by column name: for tests and for reading what a stored event holds. */
export function toEventRow(e: NormalizedEvent): Record<string, unknown> {
  const values = toEventValues(e);
  return Object.fromEntries(EVENT_COLUMNS.map((c, i) => [c, values[i]]));
}

/** Off-heap bytes per chunk: a few hundred rows each. */
const CHUNK_BYTES = 256 * 1024;
/** Rows per INSERT statement: the memory one insert holds (~10 MB), and parts big enough to merge cheaply. */
export const MAX_ROWS_PER_INSERT = 10_000;

export function createEventRowBuffer(opts: { maxRows?: number; chunkBytes?: number } = {}): EventRowBuffer {
  const maxRows = opts.maxRows ?? MAX_ROWS_PER_INSERT;
  const chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
  let sealed: EncodedEventRows[] = [];
  /** The insert being filled: its finished chunks, and the chunk being written (`cur`, `used` bytes). */
  let chunks: Buffer[] = [];
  let rows = 0;
  let total = 0;
  let cur: Buffer | undefined;
  let used = 0;

  function closeChunk(): void {
    if (cur !== undefined && used > 0) chunks.push(cur.subarray(0, used));
    cur = undefined;
    used = 0;
  }

  function seal(): void {
    closeChunk();
    if (rows > 0) sealed.push({ rows, chunks });
    chunks = [];
    rows = 0;
  }

  return {
    add(e) {
      const line = `${JSON.stringify(toEventValues(e))}\n`;
      // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
      const most = line.length * 3;
      if (cur === undefined || cur.length - used < most) {
        closeChunk();
        // NOTE: allocUnsafeSlow, not the shared pool: each chunk lives until its insert is written.
        cur = Buffer.allocUnsafeSlow(Math.max(chunkBytes, most));
      }
      used += cur.write(line, used, 'utf8');
      rows++;
      total++;
      if (rows >= maxRows) seal();
    },
    get rows() {
      return total;
    },
    take() {
      seal();
      const out = sealed;
      sealed = [];
      total = 0;
      return out;
    },
  };
}

/** The rows of `events`, encoded, as inserts of at most MAX_ROWS_PER_INSERT rows. */
export function encodeEventRows(events: readonly NormalizedEvent[]): EncodedEventRows[] {
  const buffer = createEventRowBuffer();
  for (const e of events) buffer.add(e);
  return buffer.take();
}

import { describe, expect, it } from 'vitest';
import { EVENT_COLUMNS, createEventRowBuffer, encodeEventRows, toEventValues, type EncodedEventRows } from './event-rows.js';
import { makeEvent } from './test-support/fixtures.js';

const text = (r: EncodedEventRows) => Buffer.concat(r.chunks).toString('utf8');
/** What @clickhouse/client sends for these rows as JSONCompactEachRow values. */
const clientBody = (values: unknown[][]) => values.map((v) => `${JSON.stringify(v)}\n`).join('');

describe('event row buffer', () => {
  it('encodes each event as the JSONCompactEachRow line the client would send, in EVENT_COLUMNS order', () => {
    const events = [makeEvent(1), makeEvent(2, { status: 404, objects: [] })];
    const [only, ...rest] = encodeEventRows(events);
    expect(rest).toEqual([]);
    expect(only?.rows).toBe(2);
    expect(text(only as EncodedEventRows)).toBe(clientBody(events.map(toEventValues)));
    const first = JSON.parse(text(only as EncodedEventRows).split('\n')[0] as string) as unknown[];
    expect(first).toHaveLength(EVENT_COLUMNS.length);
    expect(first[EVENT_COLUMNS.indexOf('event_id')]).toBe('ev-0001');
    expect(first[EVENT_COLUMNS.indexOf('object_ids')]).toEqual(['tok_1']);
  });

  it('splits into inserts of at most maxRows rows, in order, and starts empty after take', () => {
    const buffer = createEventRowBuffer({ maxRows: 3 });
    const events = Array.from({ length: 7 }, (_, i) => makeEvent(i));
    for (const e of events) buffer.add(e);
    expect(buffer.rows).toBe(7);
    const inserts = buffer.take();
    expect(inserts.map((r) => r.rows)).toEqual([3, 3, 1]);
    expect(inserts.map(text).join('')).toBe(clientBody(events.map(toEventValues)));
    expect(buffer.rows).toBe(0);
    expect(buffer.take()).toEqual([]);
  });

  it('keeps rows whole across chunk boundaries, multi-byte text and rows larger than a chunk included', () => {
    const buffer = createEventRowBuffer({ chunkBytes: 600 });
    const events = [
      makeEvent(1, { userAgent: 'Mözilla/5.0 – ünïcode ✓ 🩺' }),
      makeEvent(2, { userAgent: 'x'.repeat(5000) }),
      makeEvent(3, { userAgent: '"quoted" \\ back\nslash' }),
      makeEvent(4),
    ];
    for (const e of events) buffer.add(e);
    const [all] = buffer.take();
    expect(all?.chunks.length).toBeGreaterThan(1);
    // Every chunk ends at a line end: no row (nor a UTF-8 sequence) is cut between two chunks.
    for (const c of all?.chunks ?? []) expect(c[c.length - 1]).toBe(0x0a);
    expect(text(all as EncodedEventRows)).toBe(clientBody(events.map(toEventValues)));
  });

  it('never copies raw object ids: seq stays in process memory', () => {
    const [r] = encodeEventRows([makeEvent(5)]);
    expect(text(r as EncodedEventRows)).not.toContain('900005');
  });
});

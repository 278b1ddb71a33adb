import { describe, expect, test } from 'vitest';
import { ApiEventSchema, MAX_BODY_CHARS, type ApiEvent, type ApiEventInput } from '../contracts/index.js';
import { conforms, EVENT_KEYS } from './conforms.js';
import { parseLine } from './index.js';
import { fixtureLines } from './test-support/fixtures.js';

const FILES = [
  'kong/file-log.jsonl',
  'kong/http-log.batch.jsonl',
  'nginx/access.json.log',
  'nginx/access.combined.log',
  'envoy/access.json.log',
  'vigil/events.jsonl',
];

function fixtureEvents(): ApiEvent[] {
  const events: ApiEvent[] = [];
  for (const file of FILES) {
    for (const line of fixtureLines(file)) {
      const outcome = parseLine(line, 'auto');
      if (outcome.kind === 'ok') events.push(...outcome.events);
    }
  }
  return events;
}

const BASE: ApiEventInput = {
  time: '2026-11-29T05:24:12.101Z',
  method: 'GET',
  path: '/fhir/Patient/123',
  status: 200,
  requestHeaders: { 'user-agent': 'x' },
  responseHeaders: {},
  clientIp: '10.0.0.1',
};

/** Each breaks one constraint of ApiEventSchema. */
const INVALID: [string, Record<string, unknown>][] = [
  ['unknown key', { userId: 'u' }],
  ['time not a date', { time: '2026-13-01T00:00:00.000Z' }],
  ['time 30 February', { time: '2026-02-30T00:00:00.000Z' }],
  ['time as a number', { time: 1795929852101 }],
  ['method with digits', { method: 'G3T' }],
  ['method empty', { method: '' }],
  ['method too long', { method: 'A'.repeat(33) }],
  ['scheme ftp', { scheme: 'ftp' }],
  ['host too long', { host: 'h'.repeat(513) }],
  ['path without slash', { path: 'fhir' }],
  ['path empty', { path: '' }],
  ['path too long', { path: `/${'p'.repeat(8192)}` }],
  ['query too long', { query: 'q'.repeat(16385) }],
  ['status fraction', { status: 200.5 }],
  ['status negative', { status: -1 }],
  ['status too big', { status: 1000 }],
  ['header value number', { requestHeaders: { a: 1 } }],
  ['headers array', { responseHeaders: ['a'] }],
  ['bytes negative', { requestBytes: -1 }],
  ['bytes fraction', { responseBytes: 1.5 }],
  ['latency negative', { latencyMs: -0.1 }],
  ['latency infinite', { latencyMs: Number.POSITIVE_INFINITY }],
  ['clientIp empty', { clientIp: '' }],
  ['clientIp too long', { clientIp: 'i'.repeat(65) }],
  ['consumer id number', { consumer: { id: 1 } }],
  ['entity not object', { authenticatedEntity: 'x' }],
  ['service too long', { service: 's'.repeat(257) }],
  ['route too long', { gatewayRoute: 'r'.repeat(257) }],
  ['request id too long', { requestId: 'r'.repeat(257) }],
  ['fields value number', { fields: { a: 2 } }],
  ['request body not text', { requestBody: { a: 1 } }],
  ['response body too long', { responseBody: 'b'.repeat(MAX_BODY_CHARS + 1) }],
];

/** Valid for zod, but the fast check leaves them to zod (defaults, offsets, stripping). */
const LEFT_TO_ZOD: [string, Record<string, unknown>][] = [
  ['time with offset', { time: '2026-11-29T06:24:12.101+01:00' }],
  ['time without milliseconds', { time: '2026-11-29T05:24:12Z' }],
  ['headers missing', { requestHeaders: undefined }],
  ['consumer with extra key', { consumer: { id: 'c', created_at: 1 } }],
];

describe('conforms agrees with ApiEventSchema', () => {
  test('every event parsed from the fixtures conforms, and zod returns it unchanged', () => {
    const events = fixtureEvents();
    expect(events).toHaveLength(50);
    for (const event of events) {
      expect(conforms(event)).toBe(true);
      const result = ApiEventSchema.safeParse(event);
      expect(result.success && result.data).toEqual(event);
    }
  });

  test.each(INVALID)('%s: rejected by both', (_name, change) => {
    const event = { ...BASE, ...change };
    expect(ApiEventSchema.safeParse(event).success).toBe(false);
    expect(conforms(event)).toBe(false);
  });

  test.each(LEFT_TO_ZOD)('%s: valid, left to zod', (_name, change) => {
    const event = { ...BASE, ...change };
    expect(ApiEventSchema.safeParse(event).success).toBe(true);
    expect(conforms(event)).toBe(false);
  });

  test('the fast check knows exactly the contract keys (update conforms.ts when the contract changes)', () => {
    expect(Object.keys(ApiEventSchema.shape)).toEqual([...EVENT_KEYS]);
  });

  test('an event with every optional field set conforms', () => {
    const full: ApiEventInput = {
      ...BASE,
      scheme: 'https',
      host: 'h',
      query: 'a=1',
      requestBytes: 1,
      responseBytes: 2,
      latencyMs: 0.5,
      consumer: { id: 'c', username: 'u', customId: 'x' },
      authenticatedEntity: { id: 'e', consumerId: 'c' },
      service: 's',
      gatewayRoute: 'r',
      requestId: 'q',
      fields: { user_id: 'u' },
      requestBody: '{"resourceType":"Patient"}',
      responseBody: '',
    };
    expect(conforms(full)).toBe(true);
    expect(ApiEventSchema.safeParse(full).success).toBe(true);
  });
});

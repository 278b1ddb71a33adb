import { describe, expect, test } from 'vitest';
import type { ApiEvent } from '../contracts/index.js';
import { parseLine } from './index.js';
import { kongToEvent } from './kong.js';
import { fixtureLines, JWT_BULK, JWT_CLINICIAN, JWT_PATIENT_PORTAL } from './test-support/fixtures.js';

const lines = fixtureLines('kong/file-log.jsonl');
const batches = fixtureLines('kong/http-log.batch.jsonl');
const bad = fixtureLines('kong/file-log.bad.jsonl');

function events(line: string): ApiEvent[] {
  const outcome = parseLine(line, 'kong');
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got: ${outcome.reason}`);
  expect(outcome.format).toBe('kong');
  return outcome.events;
}

function one(line: string): ApiEvent {
  const all = events(line);
  expect(all).toHaveLength(1);
  return all[0] as ApiEvent;
}

describe('Kong log entries', () => {
  test('a proxied FHIR read keeps the consumer, credential, route, service, sizes and latency', () => {
    expect(one(lines[0] ?? '')).toEqual({
      time: '2026-11-29T05:24:12.101Z',
      method: 'GET',
      scheme: 'https',
      host: 'api.example-health.org',
      path: '/fhir/Patient/123',
      status: 200,
      requestHeaders: {
        host: 'api.example-health.org',
        accept: 'application/fhir+json',
        authorization: `Bearer ${JWT_PATIENT_PORTAL}`,
        'user-agent': 'PatientPortal/2.3 (iPhone; iOS 17.1)',
        'x-forwarded-for': '198.51.100.23',
      },
      responseHeaders: {
        'content-type': 'application/fhir+json;charset=utf-8',
        connection: 'close',
        date: 'Sun, 29 Nov 2026 05:24:12 GMT',
        via: '1.1 kong/3.9.1',
        'x-kong-upstream-latency': '38',
        'x-kong-proxy-latency': '2',
        'x-kong-request-id': 'b0f6e2f7a43c8d0b3e5b2a1c9d8e7f60',
      },
      requestBytes: 1187,
      responseBytes: 2381,
      latencyMs: 42,
      clientIp: '198.51.100.23',
      consumer: { id: '9e2f0c4a-3b7d-4e1f-a2c5-7d8e9f0a1b2c', username: 'patient-portal', customId: 'app-001' },
      authenticatedEntity: { id: 'c0ffee00-0000-4000-8000-000000000001', consumerId: '9e2f0c4a-3b7d-4e1f-a2c5-7d8e9f0a1b2c' },
      service: 'fhir-api',
      gatewayRoute: 'fhir-patient',
      requestId: 'b0f6e2f7a43c8d0b3e5b2a1c9d8e7f60',
      fields: { workspace: 'default', upstream_uri: '/fhir/Patient/123' },
    });
  });

  test('a search keeps its raw query string from request.uri', () => {
    const e = one(lines[1] ?? '');
    expect([e.method, e.path, e.query, e.status, e.responseBytes, e.latencyMs]).toEqual([
      'GET',
      '/fhir/Observation',
      'patient=123&category=vital-signs&_count=50',
      200,
      18422,
      131,
    ]);
  });

  test('a create keeps the Location header and the REDACTED authorization Kong wrote', () => {
    const e = one(lines[2] ?? '');
    expect(e.status).toBe(201);
    expect(e.responseHeaders.location).toBe('https://api.example-health.org/fhir/Patient/456/_history/1');
    expect(e.requestHeaders.authorization).toBe('REDACTED');
    expect(e.consumer).toEqual({ id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', username: 'clinician-app', customId: 'app-002' });
    expect(e.clientIp).toBe('203.0.113.7');
  });

  test('404, 401 and 403 answers are events like any other', () => {
    expect(one(lines[3] ?? '')).toMatchObject({ path: '/fhir/Patient/999', status: 404, latencyMs: 17 });
    const unauthenticated = one(lines[4] ?? '');
    expect(unauthenticated).toMatchObject({ path: '/fhir/Patient/124', status: 401, clientIp: '192.0.2.66', latencyMs: 1 });
    expect(unauthenticated.consumer).toBeUndefined();
    expect(unauthenticated.authenticatedEntity).toBeUndefined();
    expect(unauthenticated.requestHeaders.authorization).toBeUndefined();
  });

  test('multi-valued headers are joined with ", " and a flag-style query survives', () => {
    const e = one(lines[5] ?? '');
    expect(e.status).toBe(403);
    expect(e.query).toBe('active&role=admin&role=auditor');
    expect(e.requestHeaders.accept).toBe('application/json, text/plain');
    expect(e.requestHeaders['x-forwarded-for']).toBe('198.51.100.99, 10.0.0.2');
    expect(e.requestHeaders.apikey).toBe('sk_live_51HfixtureKEY0000000000');
    expect(e.consumer).toEqual({ id: '7f8e9d0c-1b2a-4c3d-9e4f-5a6b7c8d9e0f', username: 'bulk-export' });
  });

  test('an older Kong entry (string sizes, consumer_id as { id }, http URL) parses the same way', () => {
    const e = one(lines[6] ?? '');
    expect(e).toMatchObject({
      time: '2026-11-29T05:24:12.905Z',
      method: 'DELETE',
      scheme: 'http',
      path: '/fhir/Patient/124',
      status: 204,
      requestBytes: 642,
      responseBytes: 312,
      latencyMs: 23,
      requestId: 'legacy-req-0001',
      authenticatedEntity: { id: 'c0ffee00-0000-4000-8000-000000000002', consumerId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' },
    });
    expect(e.requestHeaders.authorization).toBe(`Bearer ${JWT_CLINICIAN}`);
  });

  test('a batched http-log line (JSON array) gives one event per entry, in order', () => {
    const first = events(batches[0] ?? '');
    expect(first.map((e) => [e.path, e.status, e.requestId])).toEqual([
      ['/fhir/Patient/125', 200, 'c1a2b3c4d5e6f708192a3b4c5d6e7f80'],
      ['/fhir/Patient/126', 200, 'c1a2b3c4d5e6f708192a3b4c5d6e7f81'],
      ['/fhir/Patient/127', 404, 'c1a2b3c4d5e6f708192a3b4c5d6e7f82'],
    ]);
    expect(first[0]?.requestHeaders.authorization).toBe(`Bearer ${JWT_BULK}`);
    const second = events(batches[1] ?? '');
    expect(second.map((e) => [e.method, e.path, e.query])).toEqual([
      ['GET', '/fhir/Observation', 'patient=125&code=http://loinc.org%7C8867-4'],
      ['PUT', '/fhir/Patient/125', undefined],
    ]);
  });
});

describe('Kong dead letters', () => {
  test.each([
    [0, 'invalid JSON at position 300: unexpected end of input (truncated line?)'],
    [1, 'kong: response.status missing'],
    [2, 'kong: response.status is not a number: "Not Found"'],
    [3, 'kong: started_at missing'],
    [4, 'kong: request is not an object'],
    [5, 'schema: method: HTTP method letters only'],
    [6, 'item 1: kong: client_ip missing'],
  ])('broken line %i is a dead letter: %s', (index, reason) => {
    expect(parseLine(bad[index] ?? '', 'kong')).toEqual({ kind: 'deadLetter', format: 'kong', reason });
  });

  test('the mapper names the first missing piece of an entry', () => {
    expect(kongToEvent([])).toBe('kong: expected a JSON object');
    expect(kongToEvent({ response: {} })).toBe('kong: request missing');
    expect(kongToEvent({ request: {} })).toBe('kong: response missing');
    expect(kongToEvent({ request: {}, response: {} })).toBe('kong: request.method missing');
    expect(kongToEvent({ request: { method: 'GET' }, response: { status: 200 }, started_at: 1, client_ip: '1.2.3.4' })).toBe(
      'kong: request.uri missing',
    );
    expect(
      kongToEvent({ request: { method: 'GET', uri: '/' }, response: { status: 200 }, started_at: 1e20, client_ip: '1.2.3.4' }),
    ).toBe('kong: started_at is out of range: 100000000000000000000');
  });
});

describe('Kong query and identity details', () => {
  const base = { response: { status: 200 }, started_at: 1795929852000, client_ip: '10.0.0.1' };

  test('the query comes from url when the uri has none, and from querystring as a last resort', () => {
    const fromUrl = kongToEvent({ ...base, request: { method: 'GET', uri: '/a', url: 'https://h:8443/a?x=%20y' } });
    expect(fromUrl).toMatchObject({ path: '/a', query: 'x=%20y', host: 'h:8443', scheme: 'https' });
    const rebuilt = kongToEvent({
      ...base,
      request: { method: 'GET', uri: '/a', querystring: { flag: true, tag: ['a b', 'c'], q: 'Müller' } },
    });
    expect(rebuilt).toMatchObject({ query: 'flag&tag=a%20b&tag=c&q=M%C3%BCller' });
  });

  test('the path comes from url when uri is absent', () => {
    expect(kongToEvent({ ...base, request: { method: 'GET', url: 'http://h/fhir/Patient/1?_format=json' } })).toMatchObject({
      path: '/fhir/Patient/1',
      query: '_format=json',
    });
  });

  test('a consumer or credential without any id fields is left out', () => {
    const e = kongToEvent({ ...base, request: { method: 'GET', uri: '/' }, consumer: { created_at: 1 }, authenticated_entity: {} });
    expect(e).toMatchObject({ consumer: undefined, authenticatedEntity: undefined });
  });

  test('x-kong-request-id in request headers is the request id when request.id is absent', () => {
    const e = kongToEvent({ ...base, request: { method: 'GET', uri: '/', headers: { 'X-Kong-Request-Id': 'abc' } } });
    expect(e).toMatchObject({ requestId: 'abc', requestHeaders: { 'x-kong-request-id': 'abc' } });
  });
});

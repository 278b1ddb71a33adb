import { describe, expect, test } from 'vitest';
import type { ApiEvent } from '../contracts/index.js';
import { envoyToEvent } from './envoy.js';
import { parseLine } from './index.js';
import { fixtureLines, JWT_BULK, JWT_CLINICIAN, JWT_PATIENT_PORTAL } from './test-support/fixtures.js';

// Written as Envoy's json_format renders fixtures/envoy/vigil-access-log.yaml: typed numbers,
// null for unset operators; the last line is an Istio sidecar's default JSON access log.
const lines = fixtureLines('envoy/access.json.log');
const bad = fixtureLines('envoy/access.json.bad.log');

function one(line: string | undefined): ApiEvent {
  const outcome = parseLine(line ?? '', 'envoy');
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got: ${outcome.reason}`);
  expect(outcome.format).toBe('envoy');
  return outcome.events[0] as ApiEvent;
}

describe('Envoy JSON access log lines', () => {
  test('a FHIR read: typed numbers, nested headers, nulls left out, leftovers in fields', () => {
    expect(one(lines[0])).toEqual({
      time: '2026-11-29T05:24:12.101Z',
      method: 'GET',
      scheme: 'https',
      host: 'fhir.example.org',
      path: '/fhir/Patient/123',
      status: 200,
      requestHeaders: {
        'user-agent': 'PatientPortal/2.3 (iPhone; iOS 17.1)',
        'x-forwarded-for': '198.51.100.23',
        authorization: `Bearer ${JWT_PATIENT_PORTAL}`,
      },
      responseHeaders: { 'content-type': 'application/fhir+json;charset=utf-8' },
      requestBytes: 0,
      responseBytes: 1957,
      latencyMs: 41,
      clientIp: '198.51.100.23',
      service: 'fhir_backend',
      gatewayRoute: 'fhir',
      requestId: '0e5c8a52-6b7e-4f57-9a3c-7c1f0b2d4e01',
      fields: { protocol: 'HTTP/2', upstream_service_time: '38', upstream_host: '10.20.0.15:8080' },
    });
  });

  test(':path carries the query, which is split off raw', () => {
    expect(one(lines[1])).toMatchObject({
      path: '/fhir/Observation',
      query: 'patient=123&category=vital-signs&_count=50',
      gatewayRoute: 'fhir_observation',
      responseBytes: 18004,
      latencyMs: 129,
    });
  });

  test('a create keeps Location, request body size and content type', () => {
    const e = one(lines[2]);
    expect(e).toMatchObject({ method: 'POST', status: 201, requestBytes: 412, responseBytes: 37 });
    expect(e.responseHeaders.location).toBe('https://fhir.example.org/fhir/Patient/456/_history/1');
    expect(e.requestHeaders).toMatchObject({ 'content-type': 'application/fhir+json', authorization: `Bearer ${JWT_CLINICIAN}` });
  });

  test('404, 401 and an ext_authz 403 with an API key', () => {
    expect(one(lines[3])).toMatchObject({ path: '/fhir/Patient/999', status: 404 });
    const unauthenticated = one(lines[4]);
    expect(unauthenticated).toMatchObject({ status: 401, clientIp: '192.0.2.66', fields: { protocol: 'HTTP/2' } });
    expect(unauthenticated.requestHeaders.authorization).toBeUndefined();
    const denied = one(lines[5]);
    expect(denied).toMatchObject({ method: 'DELETE', path: '/admin/users/42', status: 403, service: 'admin_backend' });
    expect(denied.requestHeaders['x-api-key']).toBe('sk_live_51HfixtureKEY0000000000');
    expect(denied.fields).toEqual({ protocol: 'HTTP/1.1', response_flags: 'UAEX' });
  });

  test('a downstream disconnect (response code 0) is an event with status 0', () => {
    expect(one(lines[6])).toMatchObject({
      status: 0,
      latencyMs: 30001,
      query: 'name=M%C3%BCller&birthdate=ge1970-01-01',
      requestHeaders: { authorization: `Bearer ${JWT_BULK}` },
      fields: { response_flags: 'DC' },
    });
  });

  test("an Istio sidecar's JSON line parses; the port is cut from the remote address", () => {
    const e = one(lines[7]);
    expect(e).toMatchObject({
      path: '/fhir/Patient/125/_history/2',
      clientIp: '10.244.0.7',
      service: 'inbound|8080||',
      gatewayRoute: 'default',
      requestId: '9b1d7a0c-2f4e-4a8b-b6c5-d3e2f1a0b9c8',
    });
    expect(e.scheme).toBeUndefined();
    expect(e.fields?.requested_server_name).toBe('outbound_.8080_._.fhir-backend.fhir.svc.cluster.local');
  });
});

describe('Envoy dead letters', () => {
  test.each([
    [0, 'invalid JSON at position 250: unexpected end of input (truncated line?)'],
    [1, 'envoy: response_code missing'],
    [2, 'envoy: start_time missing'],
    [3, 'envoy: response_code is not a number: "not-a-code"'],
    [4, 'schema: path: must start with "/"'],
    [5, 'envoy: duration is not a number: "fast"'],
  ])('broken line %i is a dead letter', (index, reason) => {
    expect(parseLine(bad[index] ?? '', 'envoy')).toEqual({ kind: 'deadLetter', format: 'envoy', reason });
  });

  test('the mapper names the first missing key', () => {
    const base = { start_time: '2026-11-29T05:24:12.101Z', method: 'GET', path: '/', response_code: 200, downstream_remote_address: '1.2.3.4' };
    expect(envoyToEvent(null)).toBe('envoy: expected a JSON object');
    expect(envoyToEvent({ ...base, method: null })).toBe('envoy: method missing');
    expect(envoyToEvent({ ...base, path: '-' })).toBe('envoy: path missing');
    expect(envoyToEvent({ ...base, downstream_remote_address: null })).toBe('envoy: downstream_remote_address missing');
    expect(envoyToEvent({ ...base, start_time: 'noon' })).toBe('envoy: start_time is not a date: "noon"');
  });
});

describe('Envoy string-only formats', () => {
  test('"-" for unset values and numbers as strings (deprecated json_format, format strings) are read', () => {
    const e = envoyToEvent({
      start_time: '2026-11-29T05:24:12.101Z',
      method: 'GET',
      path: '/fhir/Patient/1',
      response_code: '200',
      bytes_received: '0',
      bytes_sent: '99',
      duration: '7',
      downstream_remote_address: '[2001:db8::9]:443',
      user_agent: '-',
      request_headers: { authorization: '-', 'X-Api-Key': 'k1' },
    });
    expect(e).toMatchObject({ status: 200, requestBytes: 0, responseBytes: 99, latencyMs: 7, clientIp: '2001:db8::9' });
    // Only the header that was really sent: '-' means Envoy had nothing to log.
    expect(typeof e !== 'string' && e.requestHeaders).toEqual({ 'x-api-key': 'k1' });
  });
});

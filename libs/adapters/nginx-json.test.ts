import { describe, expect, test } from 'vitest';
import type { ApiEvent } from '../contracts/index.js';
import { parseLine } from './index.js';
import { nginxJsonToEvent } from './nginx-json.js';
import { fixtureLines, JWT_BULK, JWT_CLINICIAN, JWT_PATIENT_PORTAL } from './test-support/fixtures.js';

// Recorded from a real nginx 1.22 with fixtures/nginx/vigil-log-format.conf (fixtures/nginx/record.sh).
const lines = fixtureLines('nginx/access.json.log');
const bad = fixtureLines('nginx/access.json.bad.log');

function one(line: string | undefined): ApiEvent {
  const outcome = parseLine(line ?? '', 'nginx');
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got: ${outcome.reason}`);
  expect(outcome.format).toBe('nginx');
  expect(outcome.events).toHaveLength(1);
  return outcome.events[0] as ApiEvent;
}

describe('nginx vigil_json lines', () => {
  test('a FHIR read: time from $msec, raw path, headers from http_* and sent_http_* keys', () => {
    expect(one(lines[0])).toEqual({
      time: '2026-11-29T05:24:35.884Z',
      method: 'GET',
      scheme: 'http',
      host: 'fhir.example.org',
      path: '/fhir/Patient/123',
      status: 200,
      requestHeaders: {
        'x-request-id': '7f1c2d3e-0001-4a5b-9c8d-000000000001',
        authorization: `Bearer ${JWT_PATIENT_PORTAL}`,
        'user-agent': 'PatientPortal/2.3 (iPhone; iOS 17.1)',
      },
      responseHeaders: { 'content-type': 'application/fhir+json' },
      requestBytes: 633,
      responseBytes: 25,
      latencyMs: 0,
      clientIp: '127.0.0.1',
      requestId: '7f1c2d3e-0001-4a5b-9c8d-000000000001',
      fields: { server_protocol: 'HTTP/1.1' },
    });
  });

  test('a search keeps the query as sent; $request_id is the request id without X-Request-ID', () => {
    expect(one(lines[1])).toMatchObject({
      path: '/fhir/Observation',
      query: 'patient=123&category=vital-signs&_count=50',
      requestId: '8e07fff5e87699ef14ef779efc2a98e9',
    });
  });

  test('a create carries the Location header, request content type and X-Forwarded-For', () => {
    const e = one(lines[2]);
    expect(e).toMatchObject({ method: 'POST', path: '/fhir/Patient', status: 201, requestBytes: 614, responseBytes: 37 });
    expect(e.responseHeaders).toEqual({
      location: 'https://fhir.example.org/fhir/Patient/456/_history/1',
      'content-type': 'application/fhir+json',
    });
    expect(e.requestHeaders['content-type']).toBe('application/fhir+json');
    expect(e.requestHeaders['x-forwarded-for']).toBe('203.0.113.7, 10.0.0.2');
    expect(e.requestHeaders.authorization).toBe(`Bearer ${JWT_CLINICIAN}`);
  });

  test('404, 403 with an API key, and 401 lines', () => {
    expect(one(lines[3])).toMatchObject({ path: '/fhir/Patient/999', status: 404, time: '2026-11-29T05:24:35.920Z' });
    const apiKey = one(lines[4]);
    expect(apiKey).toMatchObject({ path: '/admin/users', status: 403 });
    expect(apiKey.requestHeaders).toEqual({ 'x-api-key': 'sk_live_51HfixtureKEY0000000000', 'user-agent': 'curl/7.88.1' });
    expect(one(lines[5])).toMatchObject({ path: '/api/v1/users/42', query: 'fields=email,phone', status: 401 });
  });

  test('escaped quotes, backslashes, percent-encoding and raw UTF-8 come through exactly', () => {
    const encoded = one(lines[6]);
    expect(encoded.query).toBe(
      'name=M%C3%BCller&given=Jos%C3%A9&note=%22quoted%22%20%26%20more&_sort=-date&code=http://loinc.org%7C1234-5',
    );
    expect(encoded.requestHeaders['user-agent']).toBe('Evil "quoted" agent \\ backslash');
    expect(encoded.requestHeaders.authorization).toBe(`Bearer ${JWT_BULK}`);
    const raw = one(lines[7]);
    expect(raw.path).toBe('/fhir/Patient/123/$everything');
    expect(raw.query).toBe('_since=2026-01-01T00:00:00Z&x="a\'b"&city=Zürich');
    expect(raw.requestHeaders['user-agent']).toBe('Ünïcödé-Client/1.0 ☃');
  });

  test('remote_user goes to fields, where identity configuration looks for it', () => {
    const e = one(lines[8]);
    expect(e).toMatchObject({ method: 'DELETE', path: '/fhir/Patient/124', time: '2026-11-29T05:24:35.970Z' });
    expect(e.fields).toEqual({ server_protocol: 'HTTP/1.1', remote_user: 'alice' });
    expect(e.requestHeaders.authorization).toBe('Basic YWxpY2U6czNjcmV0');
  });

  test('a cookie-less browser request keeps its referer; an access_token stays in the query for later stages', () => {
    const e = one(lines[9]);
    expect(e.path).toBe('/fhir/Patient/123/_history');
    expect(e.query).toBe(`access_token=${JWT_PATIENT_PORTAL}`);
    expect(e.requestHeaders.referer).toBe('https://portal.example.org/app?patient=123');
  });

  test('a proxied request keeps the quoted $upstream_response_time and $upstream_addr as fields', () => {
    expect(one(lines[10]).fields).toEqual({
      server_protocol: 'HTTP/1.1',
      upstream_response_time: '0.001',
      upstream_addr: '127.0.0.1:37967',
    });
    expect(one(lines[11])).toMatchObject({ path: '/fhir/metadata', requestBytes: 99, fields: { server_protocol: 'HTTP/1.0' } });
  });
});

describe('nginx JSON dead letters', () => {
  test.each([
    [0, 'nginx', 'nginx: request_method is empty (nginx could not parse the request line; status 400)'],
    [1, 'nginx', 'invalid JSON at position 180: unexpected end of input (truncated line?)'],
    [2, 'nginx', 'nginx: status is not a number: "OK"'],
    [3, 'nginx', 'nginx: remote_addr missing'],
    [4, 'nginx', 'nginx: msec is not a number: "yesterday"'],
  ])('broken line %i is a dead letter', (index, format, reason) => {
    expect(parseLine(bad[index] ?? '', 'nginx')).toEqual({ kind: 'deadLetter', format, reason });
  });

  test('the mapper names what is missing', () => {
    const base = { request_method: 'GET', status: 200, remote_addr: '10.0.0.1', request_uri: '/' };
    expect(nginxJsonToEvent('x')).toBe('nginx: expected a JSON object');
    expect(nginxJsonToEvent({ ...base, request_method: undefined })).toBe('nginx: request_method missing');
    expect(nginxJsonToEvent({ ...base, status: '' })).toBe('nginx: status missing');
    expect(nginxJsonToEvent(base)).toBe('nginx: msec or time_iso8601 missing');
    expect(nginxJsonToEvent({ ...base, msec: 1, request_uri: '' })).toBe('nginx: request_uri missing');
    expect(nginxJsonToEvent({ ...base, time_iso8601: 'soon' })).toBe('nginx: time_iso8601 is not a date: "soon"');
  });
});

describe('nginx JSON written by other log_formats', () => {
  const base = { request_method: 'GET', status: 200, remote_addr: '10.0.0.1', request_uri: '/fhir/Patient/1' };

  test('$time_iso8601 with an offset and $time_local are converted to UTC', () => {
    expect(nginxJsonToEvent({ ...base, time_iso8601: '2026-11-29T06:18:59+01:00' })).toMatchObject({
      time: '2026-11-29T05:18:59.000Z',
    });
    expect(nginxJsonToEvent({ ...base, time_local: '29/Nov/2026:00:18:59 -0500' })).toMatchObject({
      time: '2026-11-29T05:18:59.000Z',
    });
  });

  test('numbers written as quoted strings are read as numbers; request_time seconds become milliseconds', () => {
    expect(
      nginxJsonToEvent({ ...base, msec: '1795929875.884', status: '404', request_length: '120', request_time: '0.153' }),
    ).toMatchObject({ status: 404, requestBytes: 120, latencyMs: 153, time: '2026-11-29T05:24:35.884Z' });
  });

  test('without $request_uri the path is $uri and the query $args; $bytes_sent stands in for body bytes', () => {
    expect(
      nginxJsonToEvent({ ...base, msec: 1, request_uri: undefined, uri: '/fhir/Patient', args: 'name=x', bytes_sent: 300 }),
    ).toMatchObject({ path: '/fhir/Patient', query: 'name=x', responseBytes: 300 });
  });

  test('extra keys become fields and extra http_ keys become headers', () => {
    expect(nginxJsonToEvent({ ...base, msec: 1, user_id: 'u-77', http_x_user_id: 'u-77', tenant: 3 })).toMatchObject({
      fields: { user_id: 'u-77', tenant: '3' },
      requestHeaders: { 'x-user-id': 'u-77' },
    });
  });
});

import { describe, expect, test } from 'vitest';
import type { ApiEvent } from '../contracts/index.js';
import { parseLine } from './index.js';
import { combinedToEvent, parseClfTime, unescapeNginx } from './nginx-combined.js';
import { fixtureLines, JWT_PATIENT_PORTAL } from './test-support/fixtures.js';

// Recorded from a real nginx 1.22 writing its predefined `combined` format (fixtures/nginx/record.sh).
const lines = fixtureLines('nginx/access.combined.log');
const bad = fixtureLines('nginx/access.combined.bad.log');

function one(line: string | undefined): ApiEvent {
  const outcome = parseLine(line ?? '', 'nginx');
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got: ${outcome.reason}`);
  expect(outcome.format).toBe('nginx-combined');
  return outcome.events[0] as ApiEvent;
}

describe('nginx combined lines', () => {
  test('a FHIR read: second-precision time, user agent as a header, body bytes', () => {
    expect(one(lines[0])).toEqual({
      time: '2026-11-29T05:24:35.000Z',
      method: 'GET',
      path: '/fhir/Patient/123',
      status: 200,
      requestHeaders: { 'user-agent': 'PatientPortal/2.3 (iPhone; iOS 17.1)' },
      responseHeaders: {},
      responseBytes: 25,
      clientIp: '127.0.0.1',
    });
  });

  test('search, create, 404, 403 and 401 lines', () => {
    expect(one(lines[1])).toMatchObject({ path: '/fhir/Observation', query: 'patient=123&category=vital-signs&_count=50' });
    expect(one(lines[2])).toMatchObject({ method: 'POST', path: '/fhir/Patient', status: 201, responseBytes: 37 });
    expect(one(lines[3])).toMatchObject({ path: '/fhir/Patient/999', status: 404 });
    expect(one(lines[4])).toMatchObject({ path: '/admin/users', status: 403 });
    expect(one(lines[5])).toMatchObject({ path: '/api/v1/users/42', query: 'fields=email,phone', status: 401 });
  });

  test('\\xHH escapes are undone, including quotes, backslashes and UTF-8 bytes', () => {
    expect(one(lines[6]).requestHeaders['user-agent']).toBe('Evil "quoted" agent \\ backslash');
    const e = one(lines[7]);
    expect(e.path).toBe('/fhir/Patient/123/$everything');
    expect(e.query).toBe('_since=2026-01-01T00:00:00Z&x="a\'b"&city=Zürich');
    expect(e.requestHeaders['user-agent']).toBe('Ünïcödé-Client/1.0 ☃');
  });

  test('remote_user goes to fields; the referer becomes a header', () => {
    expect(one(lines[8])).toMatchObject({ method: 'DELETE', fields: { remote_user: 'alice' } });
    const e = one(lines[9]);
    expect(e.query).toBe(`access_token=${JWT_PATIENT_PORTAL}`);
    expect(e.requestHeaders).toEqual({ 'user-agent': 'Mozilla/5.0', referer: 'https://portal.example.org/app?patient=123' });
  });

  test('an HTTP/1.0 request line parses like HTTP/1.1', () => {
    expect(one(lines[11])).toMatchObject({ path: '/fhir/metadata', time: '2026-11-29T05:24:36.000Z' });
  });
});

describe('nginx combined variants', () => {
  test('the common format (no referer, no user agent) parses', () => {
    expect(combinedToEvent('10.1.2.3 - - [29/Nov/2026:05:18:59 +0000] "GET /fhir/Patient/7 HTTP/1.1" 200 512')).toMatchObject({
      path: '/fhir/Patient/7',
      status: 200,
      responseBytes: 512,
      requestHeaders: {},
    });
  });

  test('fields appended after the user agent are ignored', () => {
    const line = '10.1.2.3 - - [29/Nov/2026:05:18:59 +0000] "GET / HTTP/1.1" 200 5 "-" "ua" "198.51.100.1" rt=0.002';
    expect(combinedToEvent(line)).toMatchObject({ path: '/', requestHeaders: { 'user-agent': 'ua' } });
  });

  test('a proxy-style absolute target gives scheme, host and path; HTTP/0.9 has no protocol', () => {
    expect(combinedToEvent('10.1.2.3 - - [29/Nov/2026:05:18:59 +0000] "GET https://api.example.org:8443/x?y=1 HTTP/1.1" 200 5 "-" "-"')).toMatchObject({
      scheme: 'https',
      host: 'api.example.org:8443',
      path: '/x',
      query: 'y=1',
    });
    expect(combinedToEvent('10.1.2.3 - - [29/Nov/2026:05:18:59 +0000] "GET /old" 200 5 "-" "-"')).toMatchObject({ path: '/old' });
  });

  test('an IPv6 client address is kept whole', () => {
    expect(combinedToEvent('2001:db8::7 - - [29/Nov/2026:05:18:59 +0000] "GET / HTTP/1.1" 200 5 "-" "-"')).toMatchObject({
      clientIp: '2001:db8::7',
    });
  });
});

describe('nginx combined dead letters', () => {
  test.each([
    [0, 'nginx combined: malformed request line (not "METHOD /target HTTP/x"), status 400'],
    [1, 'nginx combined: no request line ("-"), status 408'],
    [2, 'nginx combined: time is not a date: "31/Foo/2026:05:24:13 +0000"'],
    [3, 'nginx combined: status is not a number: "2OO"'],
    [4, 'nginx combined: line does not match the combined format'],
  ])('broken line %i is a dead letter', (index, reason) => {
    expect(parseLine(bad[index] ?? '', 'nginx')).toEqual({ kind: 'deadLetter', format: 'nginx-combined', reason });
  });

  test('a line cut after the request is reported, not guessed at', () => {
    expect(combinedToEvent('1.2.3.4 - - [29/Nov/2026:05:18:59 +0000] "GET / HTTP/1.1" 200')).toBe(
      'nginx combined: body_bytes_sent missing',
    );
    expect(combinedToEvent('1.2.3.4 - - [29/Nov/2026:05:18:59 +0000] "GET / HTTP/1.1" 200 5 "-')).toBe(
      'nginx combined: line does not match the combined format',
    );
  });
});

describe('$time_local and escapes', () => {
  test('offsets are applied, impossible dates rejected', () => {
    expect(parseClfTime('29/Nov/2026:05:18:59 +0000')).toBe('2026-11-29T05:18:59.000Z');
    expect(parseClfTime('01/Jan/2027:01:30:00 +0230')).toBe('2026-12-31T23:00:00.000Z');
    expect(parseClfTime('31/Feb/2026:05:18:59 +0000')).toBeUndefined();
    expect(parseClfTime('29/Nov/2026:25:18:59 +0000')).toBeUndefined();
    expect(parseClfTime('29/Nov/2026:05:18:59 0000')).toBeUndefined();
  });

  test('unescaping leaves text without escapes untouched and keeps invalid escapes literally', () => {
    expect(unescapeNginx('plain')).toBe('plain');
    expect(unescapeNginx('a\\x22b\\x5Cc')).toBe('a"b\\c');
    expect(unescapeNginx('bad \\xZZ')).toBe('bad \\xZZ');
  });
});

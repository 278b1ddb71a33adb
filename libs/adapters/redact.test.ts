import { describe, expect, test } from 'vitest';
import { MAX_RAW_BYTES, redactRaw } from './index.js';
import { fixtureLines, JWT_BULK, JWT_CLINICIAN, JWT_PATIENT_PORTAL } from './test-support/fixtures.js';

const SECRETS = [JWT_PATIENT_PORTAL, JWT_CLINICIAN, JWT_BULK, 'sk_live_51HfixtureKEY0000000000', 'YWxpY2U6czNjcmV0'];
const FILES = [
  'kong/file-log.jsonl',
  'kong/http-log.batch.jsonl',
  'kong/file-log.bad.jsonl',
  'nginx/access.json.log',
  'nginx/access.json.bad.log',
  'nginx/access.combined.log',
  'envoy/access.json.log',
  'envoy/access.json.bad.log',
  'vigil/events.jsonl',
  'vigil/events.bad.jsonl',
];

describe('redactRaw', () => {
  test.each(FILES)('no credential of %s survives, and no line grows past 4 KiB', (file) => {
    for (const line of fixtureLines(file)) {
      const safe = redactRaw(line);
      for (const secret of SECRETS) expect(safe).not.toContain(secret.slice(0, 24));
      expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(MAX_RAW_BYTES);
    }
  });

  test('JSON header values are masked by name, whatever the naming style', () => {
    const raw =
      '{"authorization":"Bearer abc.def","Proxy-Authorization":"Basic Zm9vOmJhcg==","cookie":["a=1","b=2"],' +
      '"http_x_api_key":"k-123","sent_http_set_cookie":"sid=9","apikey":"k-456","accept":"*/*"}';
    expect(redactRaw(raw)).toBe(
      '{"authorization":"[REDACTED]","Proxy-Authorization":"[REDACTED]","cookie":"[REDACTED]",' +
        '"http_x_api_key":"[REDACTED]","sent_http_set_cookie":"[REDACTED]","apikey":"[REDACTED]","accept":"*/*"}',
    );
  });

  test('Bearer tokens, secret query parameters and JWTs are masked anywhere in text', () => {
    const line = `1.2.3.4 - - [29/Nov/2026:05:24:35 +0000] "GET /p?x=1&access_token=${JWT_BULK}&apikey=k9 HTTP/1.1" 200 5 "-" "ua Bearer zzz"`;
    expect(redactRaw(line)).toBe(
      '1.2.3.4 - - [29/Nov/2026:05:24:35 +0000] "GET /p?x={value}&access_token=[REDACTED]&apikey=[REDACTED] HTTP/1.1" 200 5 "-" "ua Bearer [REDACTED]"',
    );
    expect(redactRaw(`{"note":"token ${JWT_CLINICIAN} leaked"}`)).toBe('{"note":"token [REDACTED] leaked"}');
    expect(redactRaw('Authorization: Basic dXNlcjpwYXNz\nCookie: sid=1; x=2\nHost: h')).toBe(
      'Authorization: [REDACTED]\nCookie: [REDACTED]\nHost: h',
    );
  });

  test('a value cut off mid-string is still masked', () => {
    expect(redactRaw('{"authorization":"Bearer eyJhbGciOi')).toBe('{"authorization":"[REDACTED]"');
  });

  test('long input is cut to 4 KiB of UTF-8, with a marker giving the full size', () => {
    const raw = `{"path":"/${'é'.repeat(5000)}"}`;
    const safe = redactRaw(raw);
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(MAX_RAW_BYTES);
    expect(safe.endsWith('…[truncated: 10012 bytes in all]')).toBe(true);
    expect(safe.startsWith('{"path":"/éé')).toBe(true);
    expect(safe).not.toContain('\uFFFD');
  });

  test('a secret beyond the scanned prefix of a huge line cannot leak: it is cut away', () => {
    const raw = `${'x'.repeat(100_000)} Bearer ${JWT_BULK}`;
    const safe = redactRaw(raw);
    expect(safe).not.toContain(JWT_BULK.slice(0, 24));
    expect(safe.endsWith(`…[truncated: ${Buffer.byteLength(raw)} bytes in all]`)).toBe(true);
  });

  test('short input without secrets or identifiers is unchanged', () => {
    expect(redactRaw('GET /fhir/metadata')).toBe('GET /fhir/metadata');
  });

  test('raw object ids are masked as route templates show them (redact-ids.ts)', () => {
    expect(redactRaw('GET /fhir/Patient/123')).toBe('GET /fhir/Patient/{id}');
  });
});

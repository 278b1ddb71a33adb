import { describe, expect, test } from 'vitest';
import { maskIdentifiers, maskReason } from './redact-ids.js';
import { redactRaw } from './redact.js';

describe('maskIdentifiers', () => {
  test('id segments of paths become {id}, as route templates show them, in any URL form', () => {
    expect(maskIdentifiers('GET /fhir/Patient/8812345 HTTP/1.1')).toBe('GET /fhir/Patient/{id} HTTP/1.1');
    expect(maskIdentifiers('{"uri":"/fhir/Patient/PAT-93751-XQ/_history/2","url":"https://fhir.example.org:443/api/orders/ORD-55512"}')).toBe(
      '{"uri":"/fhir/Patient/{id}/_history/{id}","url":"https://fhir.example.org:443/api/orders/{id}"}',
    );
    // FHIR context: a plain-word id after a resource type is still an id there.
    expect(maskIdentifiers('"location":"/fhir/Patient/example"')).toBe('"location":"/fhir/Patient/{id}"');
    // Slashes escaped as \/ (PHP, some JSON writers).
    expect(maskIdentifiers('{"path":"\\/api\\/orders\\/ORD-55512"}')).toBe('{"path":"\\/api\\/orders\\/{id}"}');
  });

  test('every query value is masked, wherever the query string sits', () => {
    expect(maskIdentifiers('"/fhir/Observation?subject=Patient/8812345&_count=50"')).toBe('"/fhir/Observation?subject={value}&_count={value}"');
    expect(maskIdentifiers('{"args":"patient=PAT-93751-XQ&category=vital-signs","query":"name=smith"}')).toBe('{"args":"patient={value}&category={value}","query":"name={value}"}');
  });

  test("Kong's querystring table is masked whole, also when the line is cut off inside it", () => {
    expect(maskIdentifiers('{"querystring":{"patient":"8812345","tags":["a","b"]},"size":5}')).toBe('{"querystring":"{value}","size":5}');
    expect(maskIdentifiers('{"querystring":{"patient":"88123')).toBe('{"querystring":"{value}"');
  });

  test('words, dates, content types and hosts stay readable', () => {
    const line = '1.2.3.4 - - [29/Nov/2026:05:24:35 +0000] "GET /fhir/metadata HTTP/1.1" 200 5 "application/fhir+json" "https://fhir.example.org/"';
    expect(maskIdentifiers(line)).toBe(line);
  });
});

test('redactRaw keeps no raw patient id of a dead-lettered Kong line', () => {
  const raw = '{"request":{"uri":"/fhir/Patient/PAT-93751-XQ?patient=8812345","querystring":{"patient":"8812345"},"headers":{"authorization":"Bearer abc.def"}},"response":{"status":"OK"';
  expect(redactRaw(raw)).toBe('{"request":{"uri":"/fhir/Patient/{id}?patient={value}","querystring":"{value}","headers":{"authorization":"[REDACTED]"}},"response":{"status":"OK"');
});

test('maskReason hides an id-like quoted value or path in a reason and keeps every other word', () => {
  expect(maskReason('kong: response.status is not a number: "PAT-93751-XQ"')).toBe('kong: response.status is not a number: "{id}"');
  expect(maskReason('nginx combined: time is not a date: "/fhir/Patient/8812345"')).toBe('nginx combined: time is not a date: "/fhir/Patient/{id}"');
  expect(maskReason('kong: response.status is not a number: "two hundred"; started_at is not a number: "yesterday"')).toBe(
    'kong: response.status is not a number: "two hundred"; started_at is not a number: "yesterday"',
  );
  expect(maskReason('schema: path: must start with "/"')).toBe('schema: path: must start with "/"');
});

test('id-like JSON string values are masked wherever they stand; words, IPs and times stay', () => {
  expect(maskIdentifiers('{"response":{"status":"PAT-93751-XQ"},"client_ip":"198.51.100.23","time":"2026-11-29T05:24:35+00:00","service":{"name":"fhir-api"}}')).toBe(
    '{"response":{"status":"{id}"},"client_ip":"198.51.100.23","time":"2026-11-29T05:24:35+00:00","service":{"name":"fhir-api"}}',
  );
});

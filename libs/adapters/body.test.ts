import { describe, expect, test } from 'vitest';
import { MAX_BODY_CHARS, type ApiEvent } from '../contracts/index.js';
import { parseLine, redactRaw } from './index.js';
import { maskBodies } from './redact-body.js';
import { fixtureLines } from './test-support/fixtures.js';

// fixtures/kong/with-bodies.log: file-log lines of fixtures/kong/file-log.jsonl's first request,
// with bodies logged as docs/phi.md configures (request.body / response.body custom fields; one
// line with a top-level response_body field, one with a base64 body, one with no body at all).
const lines = fixtureLines('kong/with-bodies.log');

function one(line: string): ApiEvent {
  const outcome = parseLine(line, 'auto');
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got: ${outcome.reason}`);
  expect(outcome.events).toHaveLength(1);
  return outcome.events[0] as ApiEvent;
}

describe('mirrored bodies pass through the adapters unchanged, in memory only', () => {
  test('Kong: string, JSON object, empty, base64 and top-level bodies; absent when not logged', () => {
    const events = lines.map(one);
    expect(events.map((e) => [e.method, e.path, e.requestBody?.length, e.responseBody?.length])).toEqual([
      ['GET', '/fhir/Patient/123', undefined, 396],
      ['GET', '/fhir/Observation', undefined, 368],
      ['POST', '/fhir/Patient', 111, 0],
      ['GET', '/fhir/metadata', undefined, 123],
      ['GET', '/fhir/Patient/124', undefined, 164],
      ['GET', '/api/v1/appointments/9001', undefined, 99],
      ['GET', '/fhir/Patient/123', undefined, undefined],
    ]);
    // A body logged as a JSON object (a decoded Lua table) is re-serialized.
    expect(JSON.parse(events[1]?.responseBody ?? '')).toMatchObject({ resourceType: 'Bundle', total: 2 });
    // A string body is kept verbatim.
    const logged = JSON.parse(lines[0] ?? '') as { response: { body: string } };
    expect(events[0]?.responseBody).toBe(logged.response.body);
    // Bodies are not identity fields.
    expect(events[0]?.fields).toEqual({ workspace: 'default', upstream_uri: '/fhir/Patient/123' });
  });

  test('nginx JSON: $request_body, and an OpenResty resp_body variable, never in `fields`', () => {
    const line = JSON.stringify({
      msec: '1795929852.101',
      request_method: 'POST',
      request_uri: '/api/forms',
      status: '200',
      remote_addr: '10.0.0.9',
      request_body: 'ssn=512-84-3377',
      resp_body: '{"ok":true}',
    });
    const e = one(line);
    expect([e.requestBody, e.responseBody, e.fields]).toEqual(['ssn=512-84-3377', '{"ok":true}', undefined]);
  });

  test('native: bodies over MAX_BODY_CHARS are cut, not rejected (a rejection would dead-letter the body)', () => {
    const e = one(
      JSON.stringify({
        time: '2026-11-29T05:24:12.101Z',
        method: 'GET',
        path: '/fhir/Patient/1',
        status: 200,
        clientIp: '10.0.0.1',
        responseBody: 'x'.repeat(MAX_BODY_CHARS + 10),
      }),
    );
    expect(e.responseBody?.length).toBe(MAX_BODY_CHARS);
  });
});

describe('dead letters never keep a body', () => {
  test('maskBodies masks string, object, array and cut-off body values whole', () => {
    expect(maskBodies('{"request":{"body":"ssn=512-84-3377"},"response":{"body":{"a":["}",{"b":"Zelda"}]},"status":200}}')).toBe(
      '{"request":{"body":"[REDACTED BODY]"},"response":{"body":"[REDACTED BODY]","status":200}}',
    );
    expect(maskBodies('{"requestBody":["Zelda"],"responseBody":null,"x":1}')).toBe('{"requestBody":"[REDACTED BODY]","responseBody":"[REDACTED BODY]","x":1}');
    expect(maskBodies('{"response_body":"{\\"name\\":\\"Zelda Quarr')).toBe('{"response_body":"[REDACTED BODY]"');
    expect(maskBodies('{"resp_body": {"deep": [[[')).toBe('{"resp_body": "[REDACTED BODY]"');
    expect(maskBodies('{"nobody":"x","body_bytes_sent":12}')).toBe('{"nobody":"x","body_bytes_sent":12}');
  });

  test('a Kong line with bodies that fails validation is stored without them', () => {
    const line = (lines[0] ?? '').replace('"status":200', '"status":"OK"');
    const outcome = parseLine(line, 'kong');
    expect(outcome).toEqual({ kind: 'deadLetter', format: 'kong', reason: 'kong: response.status is not a number: "OK"' });
    const stored = redactRaw(line);
    for (const secret of ['Quarrington', 'Zelda', '512-84-3377', 'MR-0048213', '1984-07-19']) expect(stored).not.toContain(secret);
    expect(stored).toContain('"body":"[REDACTED BODY]"');
  });
});

import { describe, expect, test } from 'vitest';
import { parseLine } from './index.js';
import { fixtureLines, JWT_CLINICIAN, JWT_PATIENT_PORTAL } from './test-support/fixtures.js';

const lines = fixtureLines('vigil/events.jsonl');
const bad = fixtureLines('vigil/events.bad.jsonl');

describe('Vigil native JSON', () => {
  test('an event in the contract shape comes back as it was written', () => {
    expect(parseLine(lines[0] ?? '', 'vigil')).toEqual({
      kind: 'ok',
      format: 'vigil',
      events: [
        {
          time: '2026-11-29T05:24:12.101Z',
          method: 'GET',
          scheme: 'https',
          host: 'fhir.example.org',
          path: '/fhir/Patient/123',
          status: 200,
          requestHeaders: { authorization: `Bearer ${JWT_PATIENT_PORTAL}`, 'user-agent': 'PatientPortal/2.3 (iPhone; iOS 17.1)' },
          responseHeaders: { 'content-type': 'application/fhir+json' },
          requestBytes: 0,
          responseBytes: 1957,
          latencyMs: 41.2,
          clientIp: '198.51.100.23',
          requestId: 'mirror-0001',
        },
      ],
    });
  });

  test('missing header maps default to empty objects; fields, consumer and credential pass through', () => {
    const created = parseLine(lines[2] ?? '', 'vigil');
    expect(created.kind === 'ok' && created.events[0]?.fields).toEqual({ user_id: 'user-2002', tenant: 'north-clinic' });
    const partner = parseLine(lines[4] ?? '', 'vigil');
    expect(partner.kind === 'ok' && partner.events[0]).toMatchObject({
      requestHeaders: {},
      responseHeaders: {},
      consumer: { id: 'c-17', username: 'partner-app' },
      authenticatedEntity: { id: 'cred-9', consumerId: 'c-17' },
    });
  });

  test('an offset time is converted to Z and header names are lowercased', () => {
    const outcome = parseLine(lines[3] ?? '', 'vigil');
    expect(outcome.kind === 'ok' && outcome.events[0]).toMatchObject({
      time: '2026-11-29T05:24:12.480Z',
      requestHeaders: { authorization: `Bearer ${JWT_CLINICIAN}`, 'user-agent': 'ClinicianDesk/5.0' },
    });
  });
});

describe('Vigil native dead letters', () => {
  test.each([
    [0, 'invalid JSON at position 120: unexpected end of input (truncated line?)'],
    [1, 'schema: path: must start with "/"'],
    [2, 'schema: status: Invalid input: expected number, received string'],
    [3, 'schema: clientIp: Invalid input: expected string, received undefined'],
    [4, 'schema: Unrecognized key: "userId"'],
    [5, 'schema: time: Invalid ISO datetime'],
    [6, "vigil: line is not JSON (expected '{' or '[')"],
  ])('broken line %i is a dead letter', (index, reason) => {
    expect(parseLine(bad[index] ?? '', 'vigil')).toEqual({ kind: 'deadLetter', format: 'vigil', reason });
  });

  test('several schema problems are listed together, at most three', () => {
    const outcome = parseLine('{"time":1,"method":2,"path":3,"status":"x","clientIp":5}', 'vigil');
    expect(outcome).toEqual({
      kind: 'deadLetter',
      format: 'vigil',
      reason:
        'schema: time: Invalid input: expected string, received number; method: Invalid input: expected string, received number; ' +
        'path: Invalid input: expected string, received number; and 2 more',
    });
  });
});

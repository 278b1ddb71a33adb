import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { event, principal } from '../test-support/events.js';
import { createScopeViolationDetector } from './index.js';

const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);

function run(events: NormalizedEvent[]): Finding[] {
  const d = createScopeViolationDetector();
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}

function as(scopes: string[], over: Partial<NormalizedEvent>): NormalizedEvent {
  return event({
    ts: T0,
    principal: { id: 'user:pat-77', kind: 'user', app: 'mychart', scopes, authScheme: 'bearer' },
    ...over,
  });
}

describe('scope-violation', () => {
  it('raises uncovered_read when a patient/Observation.read token reads MedicationRequest and gets 200', () => {
    const findings = run([as(['launch/patient', 'openid', 'patient/Observation.read'], { route: '/fhir/MedicationRequest', eventId: 'e1' })]);
    expect(findings).toEqual([
      {
        detector: 'scope-violation',
        owasp: 'API1:2023',
        severity: 'high',
        principal: 'user:pat-77',
        app: 'mychart',
        route: '/fhir/MedicationRequest',
        ts: T0,
        eventId: 'e1',
        sourceIp: '203.0.113.7',
        summary:
          'user:pat-77 got 200 for GET MedicationRequest (search) although its SMART scopes (patient/Observation.read) do not allow it',
        confidence: 0.95,
        evidence: {
          pattern: 'uncovered_read',
          confidence: 0.95,
          observed: 'GET MedicationRequest search answered 200',
          baseline: 'the SMART scopes granted to the token',
          window: 'single request',
          resourceType: 'MedicationRequest',
          interaction: 'search',
          method: 'GET',
          status: 200,
          grantedScopes: ['patient/Observation.read'],
          cohortViolators: 1,
        },
      },
    ]);
  });

  it('raises a critical uncovered_write (API5) when a read-only token writes and the API answers 2xx', () => {
    const v1 = run([as(['user/*.read', 'openid'], { method: 'POST', status: 201, route: '/fhir/Observation' })]);
    expect(v1.map((f) => [f.severity, f.owasp, f.evidence.pattern, f.evidence.interaction])).toEqual([
      ['critical', 'API5:2023', 'uncovered_write', 'create'],
    ]);
    const v2 = run([
      as(['patient/*.rs'], { method: 'DELETE', status: 204, route: '/fhir/Observation/{id}' }),
      as(['patient/Observation.rs'], { method: 'PATCH', status: 200, route: '/fhir/Observation/{id}' }),
    ]);
    expect(v2.map((f) => f.evidence.interaction)).toEqual(['delete', 'update']);
  });

  it('accepts requests the scopes cover, in v1 and v2 syntax, wildcards and compartment searches', () => {
    const covered = [
      as(['patient/*.read'], { route: '/fhir/Patient/{id}' }),
      as(['patient/Observation.read'], { route: '/fhir/Patient/{id}/Observation' }),
      as(['patient/Observation.rs?category=laboratory'], { route: '/fhir/Observation' }),
      as(['patient/Observation.rs'], { method: 'POST', route: '/fhir/Observation/_search' }),
      as(['user/Observation.cruds'], { method: 'PUT', route: '/fhir/Observation/{id}' }),
      as(['user/Observation.c'], { method: 'PUT', route: '/fhir/Observation/{id}' }),
      as(['system/*.*'], { method: 'DELETE', route: '/fhir/Patient/{id}' }),
      as(['user/*.write', 'user/*.read'], { method: 'POST', route: '/fhir/Observation' }),
      as(['user/*.read'], { route: '/fhir/Observation/{id}/_history/{id}' }),
    ];
    expect(run(covered)).toEqual([]);
  });

  it('distinguishes v2 read from search', () => {
    const found = run([as(['patient/Observation.s'], { route: '/fhir/Observation/{id}' })]);
    expect(found.map((f) => f.evidence.interaction)).toEqual(['read']);
  });

  it('stays silent when the API refused the request: its authorization worked', () => {
    const refused = [403, 401, 404, 500].map((status) => as(['patient/Observation.read'], { status, route: '/fhir/MedicationRequest' }));
    expect(run(refused)).toEqual([]);
  });

  it('reports a gap many principals of one cohort share once as systemic, then stays quiet', () => {
    const ward = Array.from({ length: 10 }, (_, i) =>
      event({
        ts: T0 + i * 1000,
        eventId: `w${i}`,
        principal: principal(`user:dr${i}`, 'ehr', ['user/*.read', 'openid']),
        method: 'POST',
        status: 201,
        route: '/fhir/Observation',
      }),
    );
    const findings = run(ward);
    // Threshold max(3, 5% of ~10 principals) = 3: two individual findings, then one systemic.
    expect(findings.map((f) => [f.eventId, f.evidence.pattern, f.severity, f.evidence.cohortViolators])).toEqual([
      ['w0', 'uncovered_write', 'critical', 1],
      ['w1', 'uncovered_write', 'critical', 2],
      ['w2', 'systemic_gap', 'medium', 3],
    ]);
    expect(findings[2]?.summary).toBe(
      "3 principals of user:dr2's cohort (~3) got 2xx for POST Observation (create) beyond their SMART scopes (user/*.read): the API does not enforce them for this app",
    );
  });

  it('keeps flagging one principal who repeats a violation nobody else in its cohort commits', () => {
    const repeat = Array.from({ length: 6 }, (_, i) => as(['patient/Observation.read'], { ts: T0 + i, route: '/fhir/MedicationRequest' }));
    expect(run(repeat).map((f) => f.evidence.pattern)).toEqual(Array(6).fill('uncovered_read'));
  });

  it('ignores principals without SMART resource scopes and requests that are not FHIR interactions', () => {
    const ignored = [
      as([], { route: '/fhir/MedicationRequest' }),
      as(['openid', 'profile', 'fhirUser', 'launch', 'offline_access'], { route: '/fhir/MedicationRequest' }),
      as(['patient/Observation.read'], { route: '/fhir/Patient/{id}/$everything' }),
      as(['patient/Observation.read'], { route: '/fhir/metadata' }),
      as(['patient/Observation.read'], { route: '/api/orders/{id}' }),
      as(['patient/Observation.read'], { route: '/Account/Login' }),
    ];
    expect(run(ignored)).toEqual([]);
  });
});

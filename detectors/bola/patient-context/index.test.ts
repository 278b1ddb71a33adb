import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent, Principal } from '../../../libs/contracts/index.js';
import { event, principal, ref } from '../../test-support/events.js';
import { createPatientContextDetector } from './index.js';

const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const PATIENT_SCOPES = ['launch/patient', 'openid', 'fhirUser', 'patient/*.read'];
const claimed = principal('user:pat-77', 'mychart', PATIENT_SCOPES, { patient: 'tok_p1' });
const scopedOnly = principal('user:pat-88', 'mychart', PATIENT_SCOPES);

function run(events: NormalizedEvent[]): Finding[] {
  const d = createPatientContextDetector({ learningReads: 5, principalCap: 1000 });
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}

function read(p: Principal, i: number, patientId: string, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return event({ ts: T0 + i * 60_000, eventId: `e${i}`, principal: p, objects: [ref('Patient', patientId)], ...over });
}

describe('bola/patient-context', () => {
  it('raises a critical finding on the first read of another patient by a token with a patient claim (no learning)', () => {
    const findings = run([read(claimed, 0, 'tok_p1'), read(claimed, 1, 'tok_p2')]);
    expect(findings).toEqual([
      {
        detector: 'bola/patient-context',
        owasp: 'API1:2023',
        severity: 'critical',
        principal: 'user:pat-77',
        app: 'mychart',
        route: '/fhir/Patient/{id}',
        ts: T0 + 60_000,
        eventId: 'e1',
        sourceIp: '203.0.113.7',
        summary: 'user:pat-77, bound to patient tok_p1 by its SMART patient claim, read patient tok_p2 and the API answered 200',
        confidence: 0.97,
        evidence: {
          pattern: 'other_patient_access',
          confidence: 0.97,
          observed: { foreignPatients: ['tok_p2'], via: ['path'], method: 'GET', status: 200 },
          baseline: { boundPatient: 'tok_p1', bindingSource: 'patient_claim' },
          window: 'single request',
        },
      },
    ]);
  });

  it('catches other patients named by search parameters and references', () => {
    const search = read(claimed, 0, 'tok_p1', {
      route: '/fhir/Observation',
      objects: [ref('Patient', 'tok_p3', { via: 'query' }), ref('Patient', 'tok_p4', { via: 'reference' })],
    });
    const [f] = run([search]);
    expect(f?.evidence.observed).toEqual({ foreignPatients: ['tok_p3', 'tok_p4'], via: ['query', 'reference'], method: 'GET', status: 200 });
    expect(f?.summary).toBe('user:pat-77, bound to patient tok_p1 by its SMART patient claim, read patient tok_p3 and 1 more and the API answered 200');
  });

  it('reports a refused read (403/404) as other_patient_denied with medium severity, and ignores other statuses', () => {
    const findings = run([read(claimed, 0, 'tok_p2', { status: 403 }), read(claimed, 1, 'tok_p2', { status: 500 }), read(claimed, 2, 'tok_p2', { status: 401 })]);
    expect(findings.map((f) => [f.severity, f.evidence.pattern])).toEqual([['medium', 'other_patient_denied']]);
  });

  it('binds a patient-portal login by its fhirUser claim', () => {
    const portal = principal('user:pp', 'portal', ['patient/*.read'], { fhirUser: 'Patient/tok_p1' });
    const findings = run([read(portal, 0, 'tok_p1'), read(portal, 1, 'tok_p9')]);
    expect(findings.map((f) => [f.severity, f.evidence.baseline, f.confidence])).toEqual([
      ['critical', { boundPatient: 'tok_p1', bindingSource: 'fhir_user' }, 0.9],
    ]);
  });

  it('does not treat the launch patient of a clinician token (user/ scopes) as a binding', () => {
    const clinician = principal('user:dr-1', 'ehr', ['launch', 'user/*.read'], { patient: 'tok_p1', fhirUser: 'Practitioner/tok_d1' });
    const chart = ['tok_p1', 'tok_p2', 'tok_p3', 'tok_p4', 'tok_p5', 'tok_p6', 'tok_p7'].map((p, i) => read(clinician, i, p));
    expect(run(chart)).toEqual([]);
  });

  it('learns a binding from a patient-scoped token that only ever reads one patient, then flags another (high)', () => {
    const habit = Array.from({ length: 5 }, (_, i) => read(scopedOnly, i, 'tok_p1'));
    const findings = run([...habit, read(scopedOnly, 5, 'tok_p2'), read(scopedOnly, 6, 'tok_p1'), read(scopedOnly, 7, 'tok_p3')]);
    expect(findings.map((f) => [f.eventId, f.severity, f.confidence, f.evidence.window])).toEqual([
      ['e5', 'high', 0.6, `5 reads since ${new Date(T0).toISOString()}`],
      ['e7', 'high', 0.65, `6 reads since ${new Date(T0).toISOString()}`],
    ]);
    expect(findings[0]?.evidence.baseline).toEqual({ boundPatient: 'tok_p1', bindingSource: 'learned', singlePatientReads: 5 });
  });

  it('does not learn a binding before learningReads, nor from a token that touched two patients while learning', () => {
    const early = [read(scopedOnly, 0, 'tok_p1'), read(scopedOnly, 1, 'tok_p1'), read(scopedOnly, 2, 'tok_p2')];
    expect(run(early)).toEqual([]);
    const twoPatients = [...early, ...Array.from({ length: 10 }, (_, i) => read(scopedOnly, 3 + i, 'tok_p1')), read(scopedOnly, 20, 'tok_p5')];
    expect(run(twoPatients)).toEqual([]);
  });

  it('never learns a binding for a RelatedPerson (a parent reading two children) or a credential without SMART scopes', () => {
    const parent = principal('user:mum', 'mychart', PATIENT_SCOPES, { fhirUser: 'RelatedPerson/tok_r1' });
    const gatewayUser = principal('user:x', 'portal', []);
    for (const p of [parent, gatewayUser]) {
      const events = [...Array.from({ length: 8 }, (_, i) => read(p, i, 'tok_p1')), read(p, 9, 'tok_p2')];
      expect(run(events)).toEqual([]);
    }
  });

  it('ignores a Patient the caller created and requests without Patient objects', () => {
    const created = read(claimed, 0, 'tok_new', { method: 'POST', status: 201, objects: [ref('Patient', 'tok_new', { via: 'location', created: true })] });
    const other = read(claimed, 1, 'x', { route: '/fhir/Practitioner/{id}', objects: [ref('Practitioner', 'tok_d1')] });
    expect(run([created, other])).toEqual([]);
  });
});

describe('bola/patient-context: bindings from mirrored token responses', () => {
  const opaque = principal('key:fp_tok1', 'mychart', []);
  const grantEvent = (scopes: string[]) =>
    event({ ts: T0, eventId: 'g0', method: 'POST', route: '/auth/token', principal: principal('app:mychart', 'mychart', []), grant: { principal: 'key:fp_tok1', patient: 'tok_p1', scopes } });

  it('binds an opaque token to the patient its token response named: the first read of another patient is critical', () => {
    const findings = run([grantEvent(['launch/patient', 'patient/*.read']), read(opaque, 1, 'tok_p1'), read(opaque, 2, 'tok_p2')]);
    expect(findings.map((f) => [f.eventId, f.severity, f.confidence, f.summary])).toEqual([
      ['e2', 'critical', 0.95, 'key:fp_tok1, bound to patient tok_p1 by its token response, read patient tok_p2 and the API answered 200'],
    ]);
    expect(findings[0]?.evidence.baseline).toEqual({ boundPatient: 'tok_p1', bindingSource: 'token_response' });
  });

  it('does not bind the token of an EHR launch (user/ scopes): the patient is only the chart on screen', () => {
    expect(run([grantEvent(['launch', 'user/*.read']), read(opaque, 1, 'tok_p1'), read(opaque, 2, 'tok_p2')])).toEqual([]);
  });
});

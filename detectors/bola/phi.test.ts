import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent, Phi } from '../../libs/contracts/index.js';
import { event, patient, principal, ref } from '../test-support/events.js';
import { createEnumerationDetector } from './enumeration/index.js';
import { createForeignObjectDetector, DEFAULTS } from './foreign-object/index.js';
import { createPatientContextDetector } from './patient-context/index.js';

// BOLA findings say what PHI the responses disclosed: evidence.phi (categories and FHIR types,
// from the triggering events' own classification) and "including PHI (...)" in the summary.
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const PATIENT: Phi = { categories: ['fhir-resource', 'name', 'dob', 'ssn'], resourceTypes: ['Patient'], in: ['response'] };

function run<S>(d: { createState(): S; detect(e: NormalizedEvent, s: S): Finding[] }, events: NormalizedEvent[]): Finding[] {
  const s = d.createState();
  return events.flatMap((e) => d.detect(e, s));
}

describe('bola/patient-context with PHI', () => {
  const claimed = principal('user:pat-77', 'mychart', ['launch/patient', 'patient/*.read'], { patient: 'tok_p1' });
  const read = (i: number, id: string, phi?: Phi) =>
    event({ ts: T0 + i * 60_000, eventId: `e${i}`, principal: claimed, objects: [ref('Patient', id)], ...(phi ? { phi } : {}) });

  it('adds the response’s PHI to the evidence and the summary', () => {
    const [f] = run(createPatientContextDetector({ learningReads: 5, principalCap: 1000 }), [read(0, 'tok_p1', PATIENT), read(1, 'tok_p2', PATIENT)]);
    expect(f?.evidence).toEqual({
      phi: { categories: ['fhir-resource', 'name', 'dob', 'ssn'], resourceTypes: ['Patient'] },
      pattern: 'other_patient_access',
      confidence: 0.97,
      observed: { foreignPatients: ['tok_p2'], via: ['path'], method: 'GET', status: 200 },
      baseline: { boundPatient: 'tok_p1', bindingSource: 'patient_claim' },
      window: 'single request',
    });
    expect(f?.summary).toBe(
      'user:pat-77, bound to patient tok_p1 by its SMART patient claim, read patient tok_p2 and the API answered 200 including PHI (Patient, name, date of birth, SSN)',
    );
  });

  it('says nothing about PHI when the body was seen and showed none, or was not logged', () => {
    const seenEmpty = run(createPatientContextDetector({ learningReads: 5, principalCap: 1000 }), [read(1, 'tok_p2', { categories: [], resourceTypes: [], in: [] })]);
    const unseen = run(createPatientContextDetector({ learningReads: 5, principalCap: 1000 }), [read(1, 'tok_p2')]);
    for (const f of [...seenEmpty, ...unseen]) {
      expect('phi' in f.evidence).toBe(false);
      expect(f.summary).toBe('user:pat-77, bound to patient tok_p1 by its SMART patient claim, read patient tok_p2 and the API answered 200');
    }
  });
});

describe('bola/foreign-object with PHI', () => {
  it('adds the PHI of the foreign read', () => {
    const cfg = { ...DEFAULTS, minCohortPrincipals: 5, minCohortObjects: 20, objectCap: 10_000, cohortCap: 100 };
    const scopes = ['openid', 'patient/*.read'];
    const members = Array.from({ length: 8 }, (_, i) => principal(`user:u${i}`, 'mychart', scopes));
    const use = (p: (typeof members)[number], ts: number, id: string, over: Partial<NormalizedEvent> = {}) =>
      event({ ts, eventId: `${p.id}-${id}-${ts}`, principal: p, route: '/fhir/DocumentReference/{id}', objects: [ref('DocumentReference', id)], ...over });
    const own: NormalizedEvent[] = [];
    for (let h = 0; h < 3; h++) members.forEach((m, i) => {
      for (let k = 0; k < 4; k++) own.push(use(m, T0 + h * 3_600_000 + i * 1000 + k, `tok_d${i}_${k}`));
    });
    const docPhi: Phi = { categories: ['fhir-resource', 'mrn'], resourceTypes: ['DocumentReference'], in: ['response'] };
    const eve = principal('user:eve', 'mychart', scopes);
    const findings = run(createForeignObjectDetector(cfg), [...own, use(eve, T0 + 4 * 3_600_000, 'tok_d3_1', { phi: docPhi })]);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence.phi).toEqual({ categories: ['fhir-resource', 'mrn'], resourceTypes: ['DocumentReference'] });
    expect(findings[0]?.summary).toBe(
      'user:eve read DocumentReference tok_d3_1, which user:u3 alone used and came back to, and the API answered 200 including PHI (DocumentReference, MRN)',
    );
  });
});

describe('bola/enumeration with PHI', () => {
  const cfg = { windowSeconds: 300, minDistinct: 20, baselineMultiplier: 4, learningWindows: 3, sequentialRun: 10, minFailures: 15 };
  const W = 300_000;

  it('aggregates the PHI of the successful reads in the alerting window, not of earlier windows', () => {
    const npi: Phi = { categories: ['npi'], resourceTypes: [], in: ['response'] };
    const history = Array.from({ length: 30 }, (_, i) =>
      event({ ts: T0 + Math.floor(i / 5) * W + (i % 5) * 1000, objects: [patient(((i * 7919) % 100_000) + 1, { seq: undefined })], phi: npi }),
    );
    const burstStart = T0 + 6 * W;
    const burst = Array.from({ length: 21 }, (_, i) =>
      event({
        ts: burstStart + i * 2000,
        objects: [patient(50_000 + i * 13, { seq: undefined })],
        // Every other read returned the whole Patient, the others only a birth date.
        ...(i % 2 === 0 ? { phi: PATIENT } : { phi: { categories: ['dob'], resourceTypes: [], in: ['response'] } }),
      }),
    );
    const findings = run(createEnumerationDetector(cfg), [...history, ...burst]);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence).toMatchObject({
      pattern: 'distinct_ids',
      distinctIds: 21,
      phi: { categories: ['fhir-resource', 'name', 'dob', 'ssn'], resourceTypes: ['Patient'] },
    });
    expect(findings[0]?.summary).toBe(
      'user:alice read 21 distinct Patient objects within 300s; its baseline is 5 per window (threshold 20) including PHI (Patient, name, date of birth, SSN)',
    );
  });
});

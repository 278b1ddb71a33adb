import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent, Phi } from '../../libs/contracts/index.js';
import { event, principal } from '../test-support/events.js';
import { createExfilDetector } from './index.js';
import { throughStore } from '../test-support/rows.js';

// PHI in data-exfiltration findings: aggregated over the responses of the alerting window (volume)
// or taken from the one bulk response (bulk_new), from the events' own `phi` only.
const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);
const W = 300_000;
const MiB = 1024 * 1024;
const user = (id: string) => principal(id, 'app:portal', ['user/*.read']);

const PATIENT_SSN: Phi = { categories: ['fhir-resource', 'name', 'ssn'], resourceTypes: ['Patient'], in: ['response'] };
const OBSERVATION: Phi = { categories: ['fhir-resource'], resourceTypes: ['Observation'], in: ['response'] };
const NOTHING: Phi = { categories: [], resourceTypes: [], in: [] };
const NPI_ONLY: Phi = { categories: ['npi'], resourceTypes: [], in: ['response'] };

function reads(id: string, windows: number, bytes: number, over: Partial<NormalizedEvent> = {}): NormalizedEvent[] {
  return Array.from({ length: windows }, (_, k) => event({ ts: T0 + k * W + 10_000, responseBytes: bytes, principal: user(id), route: '/fhir/Observation', ...over }));
}

function detect(events: NormalizedEvent[]): Finding[] {
  const d = createExfilDetector();
  const s = d.createState();
  return events.flatMap((e) => d.detect(e, s));
}

describe('data-exfiltration says what PHI the responses carried', () => {
  it('a volume spike lists the PHI of its window’s responses, not of earlier windows', () => {
    // Earlier windows returned an NPI: that is history, not part of this spike.
    const history = reads('user:alice', 312, 200_000, { phi: NPI_ONLY });
    const start = T0 + 313 * W + 10_000;
    const dump = Array.from({ length: 6 }, (_, i) =>
      event({ ts: start + i * 1000, responseBytes: MiB, principal: user('user:alice'), route: '/fhir/Observation', phi: [OBSERVATION, NOTHING, PATIENT_SSN][i % 3] }),
    );
    const findings = detect([...history, ...dump]);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence.phi).toEqual({ categories: ['fhir-resource', 'name', 'ssn'], resourceTypes: ['Observation', 'Patient'] });
    expect(findings[0]?.summary).toBe(
      'user:alice received 6 MiB of responses within 300s including PHI (Observation, Patient, name, SSN); its own baseline is 0.19 MiB (threshold 5 MiB)',
    );
  });

  it('a volume spike whose bodies were seen but showed nothing has no phi evidence', () => {
    const history = reads('user:bob', 312, 200_000);
    const start = T0 + 313 * W + 10_000;
    const dump = Array.from({ length: 6 }, (_, i) => event({ ts: start + i * 1000, responseBytes: MiB, principal: user('user:bob'), route: '/fhir/Observation', phi: NOTHING }));
    const findings = detect([...history, ...dump]);
    expect(findings).toHaveLength(1);
    expect('phi' in (findings[0]?.evidence ?? {})).toBe(false);
    expect(findings[0]?.summary).toBe('user:bob received 6 MiB of responses within 300s; its own baseline is 0.19 MiB (threshold 5 MiB)');
  });

  it('a new $everything read reports the PHI of its own response', () => {
    const cohort = ['user:b', 'user:c', 'user:alice'].flatMap((id) => reads(id, 312, 50_000)).sort((a, b) => a.ts - b.ts);
    const everything = event({
      ts: T0 + 313 * W,
      principal: user('user:alice'),
      route: '/fhir/Patient/{id}/$everything',
      responseBytes: 900_000,
      phi: { categories: ['fhir-resource', 'dob', 'mrn'], resourceTypes: ['Condition', 'Patient'], in: ['response'] },
    });
    const findings = detect([...cohort, everything]);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence).toMatchObject({ pattern: 'bulk_new', phi: { categories: ['fhir-resource', 'dob', 'mrn'], resourceTypes: ['Condition', 'Patient'] } });
    expect(findings[0]?.summary).toBe(
      'user:alice ran an $everything read on /fhir/Patient/{id}/$everything including PHI (Condition, Patient, date of birth, MRN); it never did and its cohort rarely does',
    );
  });

  it('keeps the window’s PHI through a snapshot and restore (a restart or handoff mid-window)', () => {
    const history = reads('user:alice', 312, 200_000, { phi: NPI_ONLY });
    const start = T0 + 313 * W + 10_000;
    const dump = Array.from({ length: 6 }, (_, i) =>
      event({ ts: start + i * 1000, responseBytes: MiB, principal: user('user:alice'), route: '/fhir/Observation', phi: i < 3 ? PATIENT_SSN : OBSERVATION }),
    );
    const d = createExfilDetector();
    const before = d.createState();
    // Cut after the Patient responses: only Observations arrive on the restored state.
    for (const e of [...history, ...dump.slice(0, 3)]) expect(d.detect(e, before)).toEqual([]);
    const after = d.createState();
    d.restore(after, throughStore(d.snapshot(before, 1)));
    const findings = dump.slice(3).flatMap((e) => d.detect(e, after));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence.phi).toEqual({ categories: ['fhir-resource', 'name', 'ssn'], resourceTypes: ['Observation', 'Patient'] });
  });
});

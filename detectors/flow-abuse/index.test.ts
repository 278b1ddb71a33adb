import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { principalOf } from '../test-support/auth.js';
import { event, ref } from '../test-support/events.js';
import { createFlowAbuseDetector, DEFAULTS } from './index.js';

const H = 3600_000;
const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);
const SESSIONS = 30;
const MED = '/fhir/MedicationRequest/{id}';
const REFILL = '/fhir/MedicationRequest/{id}/$refill';

function run(events: NormalizedEvent[]): Finding[] {
  const d = createFlowAbuseDetector(DEFAULTS);
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}

const patientUser = (n: number): Principal => principalOf(`user:p${n}`, { app: 'patient-app', scopes: ['patient/*.*'] });
const biller = (n: number): Principal => principalOf(`user:b${n}`, { app: 'billing', scopes: ['user/Claim.write'] });
const med = (n: number) => ref('MedicationRequest', `tok_m${n}`);

/** One patient session: look at a prescription, refill it once. */
function refillSession(u: number, at: number, medication: number): NormalizedEvent[] {
  const who = patientUser(u);
  return [
    event({ ts: at, principal: who, route: MED, objects: [med(medication)] }),
    event({ ts: at + 20_000, principal: who, route: REFILL, method: 'POST', objects: [med(medication)] }),
  ];
}

/** One billing session: create a claim, then submit it. */
function claimSession(u: number, at: number, claim: number): NormalizedEvent[] {
  const who = biller(u);
  const c = ref('claims', `tok_c${claim}`);
  return [
    event({ ts: at, principal: who, route: '/billing/claims', method: 'POST', status: 201, objects: [{ ...c, via: 'location', created: true }] }),
    event({ ts: at + 30_000, principal: who, route: '/billing/claims/{id}/submit', method: 'POST', objects: [c] }),
  ];
}

/** 12 patients and 12 billers, one session each every 2 hours for 60 hours. */
function population(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let k = 0; k < SESSIONS; k++) {
    for (let u = 0; u < 12; u++) {
      out.push(...refillSession(u, T0 + k * 2 * H + u * 60_000, u * 100 + k));
      out.push(...claimSession(u, T0 + k * 2 * H + u * 60_000 + 1000, u * 100 + k));
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

const AFTER = T0 + SESSIONS * 2 * H;

describe('flow-abuse', () => {
  it('stays quiet on the ordinary flows it learns from', () => {
    expect(run(population())).toEqual([]);
  });

  it('raises repeated_operation when one object is refilled far more often than the cohort does', () => {
    const attack = [
      event({ ts: AFTER, principal: patientUser(0), route: MED, objects: [med(7)] }),
      ...Array.from({ length: 6 }, (_, i) => event({ ts: AFTER + (i + 1) * 60_000, principal: patientUser(0), route: REFILL, method: 'POST', objects: [med(7)] })),
    ];
    const found = run([...population(), ...attack]);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ detector: 'flow-abuse', owasp: 'API6:2023', severity: 'medium', principal: 'user:p0', route: REFILL, ts: AFTER + 5 * 60_000 });
    // The cohort refills each prescription once per window: 2 x p99 (1) = 2 is under the floor of 5.
    expect(found[0]?.evidence).toEqual({
      pattern: 'repeated_operation',
      confidence: 0.7,
      repeats: 5,
      threshold: 5,
      thresholdBasis: 'floor',
      populationQuantile: 1,
      populationSamples: 349,
      objectType: 'MedicationRequest',
      objectId: 'tok_m7',
      windowSeconds: 3600,
    });
    expect(found[0]?.summary).toBe(`user:p0 repeated POST ${REFILL} on one MedicationRequest 5 times within 3600s (threshold 5)`);
  });

  it('scales the repeat threshold with a cohort whose work updates one object many times', () => {
    // Nurses update each task 8 times per hour as the task progresses.
    const nurse = (n: number) => principalOf(`user:n${n}`, { app: 'ward', scopes: ['user/Task.write'] });
    const work: NormalizedEvent[] = [];
    for (let k = 0; k < 4; k++)
      for (let u = 0; u < 12; u++)
        for (let i = 0; i < 8; i++) work.push(event({ ts: T0 + k * H + u * 1000 + i * 300_000, principal: nurse(u), route: '/fhir/Task/{id}', method: 'PUT', objects: [ref('Task', `tok_t${u}_${k}`)] }));
    work.sort((a, b) => a.ts - b.ts);
    const busy = (n: number) => Array.from({ length: n }, (_, i) => event({ ts: T0 + 4 * H + i * 60_000, principal: nurse(0), route: '/fhir/Task/{id}', method: 'PUT', objects: [ref('Task', 'tok_busy')] }));
    expect(run([...work, ...busy(15)])).toEqual([]);
    const found = run([...work, ...busy(16)]);
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toMatchObject({ repeats: 16, threshold: 16, thresholdBasis: 'cohort', populationQuantile: 8 });
  });

  it('holds routes still learning to twice the floor', () => {
    const refills = (n: number) => Array.from({ length: n }, (_, i) => event({ ts: T0 + i * 60_000, principal: patientUser(1), route: REFILL, method: 'POST', objects: [med(1)] }));
    expect(run(refills(9))).toEqual([]);
    const found = run(refills(10));
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toMatchObject({ repeats: 10, threshold: 10, thresholdBasis: 'learning_floor', confidence: 0.6 });
  });

  it('raises skipped_step when a claim is submitted without the create step the population always takes first', () => {
    const c = ref('claims', 'tok_c_other');
    const skip = [
      event({ ts: AFTER, principal: biller(3), route: '/billing/claims/{id}', objects: [c] }),
      event({ ts: AFTER + 10_000, principal: biller(3), route: '/billing/claims/{id}/submit', method: 'POST', objects: [c] }),
    ];
    const found = run([...population(), ...skip]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'medium', principal: 'user:b3', route: '/billing/claims/{id}/submit' });
    expect(found[0]?.evidence).toEqual({
      pattern: 'skipped_step',
      confidence: 0.85,
      step: 'POST /billing/claims/{id}/submit',
      skipped: ['POST /billing/claims'],
      share: 1,
      arrivals: 360,
      requiredShare: 0.98,
      sessionSteps: 1,
    });
  });

  it('does not call a step skipped before the population has seen enough arrivals', () => {
    const c = ref('claims', 'tok_c_other');
    const early = population().filter((e) => e.ts < T0 + 8 * 2 * H);
    const skip = [event({ ts: T0 + 8 * 2 * H, principal: biller(3), route: '/billing/claims/{id}/submit', method: 'POST', objects: [c] })];
    // 8 sessions x 12 billers = 96 arrivals: under the 100 needed.
    expect(run([...early, ...skip])).toEqual([]);
  });

  it('raises unseen_transition on a write the population never does after that step', () => {
    const odd = [
      event({ ts: AFTER, principal: patientUser(2), route: MED, objects: [med(9)] }),
      event({ ts: AFTER + 5000, principal: patientUser(2), route: MED, method: 'DELETE', objects: [med(9)] }),
    ];
    const found = run([...population(), ...odd]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'medium', route: MED });
    expect(found[0]?.evidence).toEqual({
      pattern: 'unseen_transition',
      confidence: 0.6,
      from: `GET ${MED}`,
      to: `DELETE ${MED}`,
      transitionCount: 0,
      fromTotal: 360,
      upperShare: 0.0083,
      rareShare: 0.01,
    });
    expect(found[0]?.summary).toBe(`user:p2 went from GET ${MED} to DELETE ${MED}, a transition the population never made in 360 transitions from there`);
  });

  it('calls a refill without first opening the prescription a skipped step, as the population always opens it', () => {
    const blind = event({ ts: AFTER, principal: patientUser(5), route: REFILL, method: 'POST', objects: [med(5)] });
    expect(run([...population(), blind]).map((f) => [f.evidence.pattern, f.evidence.skipped])).toEqual([['skipped_step', [`GET ${MED}`]]]);
  });

  it('does not judge the flows of an IP principal, whose requests mix many people', () => {
    const anon = principalOf('ip:198.51.100.4');
    const odd = [event({ ts: AFTER, principal: anon, route: MED, objects: [med(9)] }), event({ ts: AFTER + 5000, principal: anon, route: MED, method: 'DELETE', objects: [med(9)] })];
    expect(run([...population(), ...odd])).toEqual([]);
  });

  it('ignores failed steps', () => {
    const failed = Array.from({ length: 30 }, (_, i) => event({ ts: AFTER + i * 1000, status: 409, principal: patientUser(0), route: REFILL, method: 'POST', objects: [med(7)] }));
    expect(run([...population(), ...failed])).toEqual([]);
  });

  it('gives the same findings when the same events are replayed into fresh state', () => {
    const look = event({ ts: AFTER - 1000, principal: patientUser(4), route: MED, objects: [med(4)] });
    const refills = Array.from({ length: 8 }, (_, i) => event({ ts: AFTER + i * 1000, principal: patientUser(4), route: REFILL, method: 'POST', objects: [med(4)] }));
    const events = [...population(), look, ...refills];
    const a = run(events);
    expect(a).toHaveLength(4);
    expect(run(events)).toEqual(a);
  });
});

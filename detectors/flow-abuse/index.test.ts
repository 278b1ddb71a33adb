import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { principalOf } from '../test-support/auth.js';
import { event, ref } from '../test-support/events.js';
import { createFlowAbuseDetector, DEFAULTS } from './index.js';
import { ownRareRate, type PrincipalFlow } from './session.js';
import { H, med, MED, oddSession, patientUser, REFILL, T0 } from './test-traffic.js';

const SESSIONS = 30;

function run(events: NormalizedEvent[]): Finding[] {
  const d = createFlowAbuseDetector(DEFAULTS);
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}

const biller = (n: number): Principal => principalOf(`user:b${n}`, { app: 'billing', scopes: ['user/Claim.write'] });

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
    // The cohort refills each prescription once per window (12 patients x 30 windows, each taught when
    // it ended): 2 x p99 (1) = 2 is under the floor of 5.
    expect(found[0]?.evidence).toEqual({
      pattern: 'repeated_operation',
      confidence: 0.7,
      repeats: 5,
      threshold: 5,
      thresholdBasis: 'floor',
      populationQuantile: 1,
      populationSamples: 360,
      objectType: 'MedicationRequest',
      objectId: 'tok_m7',
      windowSeconds: 3600,
    });
    expect(found[0]?.summary).toBe(`user:p0 repeated POST ${REFILL} on one MedicationRequest 5 times in a row, each within 3600s of the previous (threshold 5)`);
  });

  it('judges a write on the innermost object of its path: notes on ten patients of one clinic are ten targets', () => {
    // A multi-tenant API: the clinic is where the patients live, not what a note is written on.
    const NOTES = '/api/v1/clinics/{id}/patients/{id}/notes';
    const clinician = principalOf('user:doc', { app: 'pc-web', scopes: ['openid', 'api'] });
    const note = (k: number, patient: number) =>
      event({ ts: AFTER + k * 10 * 60_000, principal: clinician, route: NOTES, method: 'POST', objects: [ref('clinics', 'tok_c1'), ref('patients', `tok_p${patient}`)] });
    expect(run([...population(), ...Array.from({ length: 10 }, (_, k) => note(k, k))])).toEqual([]);
    // Six notes on one patient of that clinic are six writes on one object.
    const found = run([...population(), ...Array.from({ length: 6 }, (_, k) => note(k, 3))]);
    expect(found.map((f) => [f.evidence.objectType, f.evidence.objectId, f.evidence.repeats])).toEqual([
      ['patients', 'tok_p3', 5],
      ['patients', 'tok_p3', 6],
    ]);
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

  it('learns from principals who write once and never again, as their windows end in event time', () => {
    const once = Array.from({ length: 30 }, (_, i) => event({ ts: T0 + i * 60_000, principal: patientUser(100 + i), route: REFILL, method: 'POST', objects: [med(100 + i)] }));
    const attack = Array.from({ length: 5 }, (_, i) => event({ ts: T0 + 3 * H + i * 60_000, principal: patientUser(0), route: REFILL, method: 'POST', objects: [med(7)] }));
    const found = run([...once, ...attack]);
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toMatchObject({ repeats: 5, threshold: 5, thresholdBasis: 'floor', populationSamples: 30 });
  });

  it('counts a paced run on one object whole: refills 40 minutes apart, never more than two in an hour', () => {
    const paced = (n: number, gap: number) => Array.from({ length: n }, (_, i) => event({ ts: AFTER + i * gap, principal: patientUser(0), route: REFILL, method: 'POST', objects: [med(7)] }));
    const found = run([...population(), ...paced(5, 40 * 60_000)]);
    expect(found.map((f) => [f.ts, f.evidence.repeats, f.evidence.threshold])).toEqual([[AFTER + 4 * 40 * 60_000, 5, 5]]);
    // A pause longer than the window ends the run: once a day for a week is five separate refills.
    expect(run([...population(), ...paced(7, 25 * H)])).toEqual([]);
  });

  it('treats bookings on a collection as one operation repeated, judged by how the cohort repeats any write while the route is new', () => {
    const APPTS = '/api/v1/appointments';
    const loop = Array.from({ length: 6 }, (_, i) => {
      const appt = ref('appointments', `tok_a${i}`);
      return [
        event({ ts: AFTER + i * 240_000, principal: patientUser(6), route: APPTS, method: 'POST', status: 201, objects: [{ ...appt, via: 'location', created: true }] }),
        event({ ts: AFTER + i * 240_000 + 60_000, principal: patientUser(6), route: `${APPTS}/{id}`, method: 'DELETE', status: 204, objects: [appt] }),
      ];
    }).flat();
    const found = run([...population(), ...loop]);
    // Each booking is also cancelled again: the undone creations count too (see the undo tests below).
    expect(found.map((f) => [f.evidence.pattern, f.route, f.evidence.repeats])).toEqual([
      ['repeated_operation', APPTS, 5],
      ['repeated_undo', `${APPTS}/{id}`, 5],
      ['repeated_operation', APPTS, 6],
      ['repeated_undo', `${APPTS}/{id}`, 6],
    ]);
    // Nobody booked before, but the cohort's 360 refill windows say its members write once per window.
    expect(found[0]?.evidence).toEqual({
      pattern: 'repeated_operation',
      confidence: 0.7,
      repeats: 5,
      threshold: 5,
      thresholdBasis: 'floor',
      populationQuantile: 1,
      populationSamples: 360,
      ongoingPeerRuns: 0,
      objectType: 'collection',
      windowSeconds: 3600,
    });
    expect(found[0]?.summary).toBe(`user:p6 repeated POST ${APPTS} 5 times within 3600s (threshold 5)`);
  });

  it('does not judge record creation on a collection before any population has been learned', () => {
    // A clinician charting 12 new Observations in an hour on a fresh deployment: normal work that only
    // a learned population can call excessive. The same count on one existing object would alert.
    const clinician = principalOf('user:dr1', { app: 'ehr', scopes: ['user/*.read', 'user/Observation.write'] });
    const charting = Array.from({ length: 12 }, (_, i) =>
      event({ ts: T0 + i * 240_000, principal: clinician, route: '/fhir/Observation', method: 'POST', status: 201, objects: [{ ...ref('Observation', `tok_o${i}`), via: 'location', created: true }] }),
    );
    expect(run(charting)).toEqual([]);
    const sameObject = Array.from({ length: 12 }, (_, i) => event({ ts: T0 + i * 240_000, principal: clinician, route: '/fhir/Observation/{id}', method: 'PUT', objects: [ref('Observation', 'tok_o1')] }));
    expect(run(sameObject).map((f) => f.evidence.thresholdBasis)).toEqual(['learning_floor', 'learning_floor', 'learning_floor']);
  });

  it('does not count logins or searches sent as POST as repeated operations', () => {
    const posts = Array.from({ length: 20 }, (_, i) => [
      event({ ts: AFTER + i * 60_000, principal: patientUser(7), route: '/oauth2/token', method: 'POST' }),
      event({ ts: AFTER + i * 60_000 + 1000, principal: patientUser(7), route: '/fhir/Observation/_search', method: 'POST' }),
    ]).flat();
    expect(run([...population(), ...posts])).toEqual([]);
  });

  it('does not alert on one skipped step or one unseen transition alone: some rare step is expected among many sessions', () => {
    const c = ref('claims', 'tok_c_other');
    const skip = [
      event({ ts: AFTER, principal: biller(3), route: '/billing/claims/{id}', objects: [c] }),
      event({ ts: AFTER + 10_000, principal: biller(3), route: '/billing/claims/{id}/submit', method: 'POST', objects: [c] }),
    ];
    const odd = [
      event({ ts: AFTER, principal: patientUser(2), route: MED, objects: [med(9)] }),
      event({ ts: AFTER + 5000, principal: patientUser(2), route: MED, method: 'DELETE', objects: [med(9)] }),
    ];
    const blind = [event({ ts: AFTER, principal: patientUser(5), route: REFILL, method: 'POST', objects: [med(5)] })];
    expect(run([...population(), ...skip])).toEqual([]);
    expect(run([...population(), ...odd])).toEqual([]);
    expect(run([...population(), ...blind])).toEqual([]);
  });

  it('raises a flow finding when one session gathers anomalous writes improbable for any session of its cohort that day', () => {
    const found = run([...population(), ...oddSession(patientUser(2), AFTER)]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ detector: 'flow-abuse', severity: 'high', principal: 'user:p2', route: MED, ts: AFTER + 7000 });
    // 144 patient sessions a day: the limit is 0.01 / 144 (1e-4.16). After two unseen writes and one
    // ordinary refill, C(3, 2) x 3/360 x 3/362 (1e-3.68) is above it; with the third unseen write
    // C(4, 3) x 3/360 x 3/362 x 3/363 (1e-5.64) is not.
    expect(found[0]?.evidence).toEqual({
      pattern: 'unseen_transition',
      confidence: 0.65,
      step: `PATCH ${MED}`,
      anomalies: [
        { pattern: 'unseen_transition', step: `GET ${MED} -> DELETE ${MED}`, p: 0.0083, count: 0, total: 360 },
        { pattern: 'unseen_transition', step: `GET ${MED} -> PUT ${MED}`, p: 0.0083, count: 0, total: 362 },
        { pattern: 'unseen_transition', step: `GET ${MED} -> PATCH ${MED}`, p: 0.0083, count: 0, total: 363 },
      ],
      judgedSteps: 4,
      log10Chance: -5.64,
      log10Limit: -4.16,
      cohortSessionsPerDay: 144,
      ownRareRate: 0,
      familyAlpha: 0.01,
    });
    expect(found[0]?.summary).toBe(
      `user:p2 made 3 state-changing steps in one session that its cohort almost never makes (GET ${MED} -> DELETE ${MED}, never in 360; ` +
        `GET ${MED} -> PUT ${MED}, never in 362; GET ${MED} -> PATCH ${MED}, never in 363); chance for a cohort session 1e-6, limit 0.01 / 144 sessions a day`,
    );
  });

  it("judges transitions against the principal's own cohort: what clinicians always do is no anomaly for a clinician", () => {
    const clinician = (n: number): Principal => principalOf(`user:dr${n}`, { app: 'ehr', scopes: ['user/*.*'] });
    const clinic: NormalizedEvent[] = [];
    for (let k = 0; k < SESSIONS; k++) for (let u = 0; u < 12; u++) clinic.push(...oddSession(clinician(u), T0 + k * 2 * H + u * 60_000 + 2000, u * 100 + k));
    const all = [...population(), ...clinic].sort((a, b) => a.ts - b.ts);
    expect(run([...all, ...oddSession(clinician(3), AFTER)])).toEqual([]);
    expect(run([...all, ...oddSession(patientUser(3), AFTER)]).map((f) => [f.principal, f.evidence.pattern])).toEqual([['user:p3', 'unseen_transition']]);
  });

  it("judges a principal whose past sessions often held a step its cohort rarely takes against its own rate too (a minority role in the cohort)", () => {
    // p2 and p3 are patients like the others, except that p2, an hour after each of its last ten
    // refill sessions, opens a prescription and updates some other record, a different one each
    // time (a caregiver's account, say: steps no other patient takes); p3 did that once.
    const TYPES = ['Observation', 'Condition', 'AllergyIntolerance', 'Goal', 'CarePlan', 'Appointment', 'Communication', 'Consent', 'Coverage', 'Device'];
    const aside = (u: number, k: number, type: string) => {
      const at = T0 + k * 2 * H + H + u * 60_000;
      return [
        event({ ts: at, principal: patientUser(u), route: MED, objects: [med(u * 100 + k)] }),
        event({ ts: at + 5000, principal: patientUser(u), route: `/fhir/${type}/{id}`, method: 'PUT', objects: [ref(type, `tok_${u}_${k}`)] }),
      ];
    };
    const habit = TYPES.flatMap((type, i) => aside(2, 20 + i, type));
    const base = [...population(), ...habit, ...aside(3, 27, 'Immunization')].sort((a, b) => a.ts - b.ts);
    const found = (u: number) => {
      const d = createFlowAbuseDetector(DEFAULTS);
      const state = d.createState();
      const out = [...base, ...oddSession(patientUser(u), AFTER)].flatMap((e) => d.detect(e, state));
      return { out, flow: state.principals.peek(`user:p${u}`) };
    };
    const p2 = found(2);
    expect(p2.out).toEqual([]);
    // 39 judged steps (a refill session's refill, an aside's update), 6 of them anomalous: the first
    // four asides came before the cohort's transitions from a prescription read were trusted
    // (fewer than 300). Its rate, 6 / (39 + 20), floors each of the odd session's three p of 0.0083:
    // C(4, 3) x 0.10^3 is 1e-2.4, far above the limit of 1e-4.16 that p3's 1e-5.68 is under.
    expect([p2.flow?.pastJudged, p2.flow?.pastRare]).toEqual([39, 6]);
    expect(ownRareRate(p2.flow as PrincipalFlow)).toBeCloseTo(6 / 59, 12);
    const p3 = found(3);
    // One such step is chance, not a habit: p3 is judged against its cohort alone.
    expect(p3.out.map((f) => [f.principal, f.evidence.pattern, f.evidence.log10Chance, f.evidence.ownRareRate])).toEqual([['user:p3', 'unseen_transition', -5.68, 0]]);
    expect([p3.flow?.pastJudged, p3.flow?.pastRare]).toEqual([30, 1]);
  });

  it('does not call a step skipped when the cohort only ever takes it after the same step (a step is never required before itself)', () => {
    // Billers submit several claims per session: later submits follow earlier ones, the first never does.
    const c = (n: number) => ref('claims', `tok_cs${n}`);
    const work: NormalizedEvent[] = [];
    for (let k = 0; k < SESSIONS; k++)
      for (let u = 0; u < 12; u++)
        for (let i = 0; i < 3; i++) work.push(event({ ts: T0 + k * 2 * H + u * 60_000 + i * 10_000, principal: biller(u), route: '/billing/claims/{id}/submit', method: 'POST', objects: [c(k * 1000 + u * 10 + i)] }));
    const state = createFlowAbuseDetector(DEFAULTS).createState();
    const d = createFlowAbuseDetector(DEFAULTS);
    for (const e of work.sort((a, b) => a.ts - b.ts)) expect(d.detect(e, state)).toEqual([]);
    const stats = state.targets.get(`billing|user/Claim.write|POST /billing/claims/{id}/submit`);
    expect([stats?.arrivals, [...(stats?.preceded.keys() ?? [])]]).toEqual([360, []]);
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

import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { principalOf } from '../test-support/auth.js';
import { event, ref } from '../test-support/events.js';
import { createFlowAbuseDetector, DEFAULTS } from './index.js';

const H = 3600_000;
const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);
const APPTS = '/api/v1/appointments';

function run(events: NormalizedEvent[]): Finding[] {
  const d = createFlowAbuseDetector(DEFAULTS);
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}

const patient = (n: number): Principal => principalOf(`user:p${n}`, { app: 'patient-app', scopes: ['patient/*.*'] });
const clinician = (n: number): Principal => principalOf(`user:dr${n}`, { app: 'ehr', scopes: ['user/*.read', 'user/Observation.write'] });

/** A booking (201 + Location naming the new appointment) and, `cancelAfter` ms later, its cancellation. */
function bookAndCancel(who: Principal, at: number, appt: string, cancelAfter: number | undefined): NormalizedEvent[] {
  const a = ref('appointments', appt);
  const book = event({ ts: at, principal: who, route: APPTS, method: 'POST', status: 201, objects: [{ ...a, via: 'location', created: true }] });
  if (cancelAfter === undefined) return [book];
  return [book, event({ ts: at + cancelAfter, principal: who, route: `${APPTS}/{id}`, method: 'DELETE', status: 204, objects: [a] })];
}

const loop = (who: Principal, n: number, cancel: boolean) => Array.from({ length: n }, (_, i) => bookAndCancel(who, T0 + i * 240_000, `tok_a${i}`, cancel ? 60_000 : undefined)).flat();

/**
 * 12 clinicians, each charting 3 new Observations within 20 minutes every 2 hours for 60 hours: the
 * organisation's record creation. Each run of creations teaches its peak (3) once an hour passes without one.
 */
function charting(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let k = 0; k < 30; k++)
    for (let u = 0; u < 12; u++)
      for (let i = 0; i < 3; i++) {
        const o = ref('Observation', `tok_o${k}_${u}_${i}`, { via: 'location', created: true });
        out.push(event({ ts: T0 + k * 2 * H + u * 60_000 + i * 600_000, principal: clinician(u), route: '/fhir/Observation', method: 'POST', status: 201, objects: [o] }));
      }
  return out.sort((a, b) => a.ts - b.ts);
}

describe('flow-abuse: undone creations', () => {
  it('judges creations the principal deletes again like repeats on one object, even before any population is learned', () => {
    expect(run(loop(patient(1), 9, true))).toEqual([]);
    const found = run(loop(patient(1), 10, true));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ detector: 'flow-abuse', severity: 'medium', principal: 'user:p1', route: `${APPTS}/{id}`, ts: T0 + 9 * 240_000 + 60_000 });
    expect(found[0]?.evidence).toEqual({
      pattern: 'repeated_undo',
      confidence: 0.6,
      repeats: 10,
      threshold: 10,
      thresholdBasis: 'learning_floor',
      populationQuantile: 0,
      populationSamples: 0,
      objectType: 'appointments',
      windowSeconds: 3600,
    });
    expect(found[0]?.summary).toBe(`user:p1 created and deleted again 10 appointments (POST ${APPTS}) in a row, each within 3600s of the previous (threshold 10)`);
  });

  it('does not let a loop that crosses a window boundary teach its own partial count before it is judged', () => {
    // 30 patients refilled once each: the cohort writes once per run, so the floor (5) holds.
    const refills = Array.from({ length: 30 }, (_, i) =>
      event({ ts: T0 + i * 60_000, principal: patient(100 + i), route: '/api/v1/prescriptions/{id}/refills', method: 'POST', status: 201, objects: [ref('prescriptions', `tok_rx${i}`)] }),
    );
    // 4 bookings cancelled before the hour ends, 3 after: taught at the boundary, the abuser's own 4 would
    // have made the cohort's p99 4 and its threshold 8, above the 7 it reaches.
    const cycles = Array.from({ length: 7 }, (_, i) => bookAndCancel(patient(6), T0 + 2 * H + 44 * 60_000 + i * 240_000, `tok_c${i}`, 60_000)).flat();
    const found = run([...refills, ...cycles]);
    expect(found.map((f) => [f.evidence.pattern, f.evidence.repeats, f.evidence.threshold, f.evidence.thresholdBasis, f.evidence.populationSamples, f.ts])).toEqual([
      ['repeated_operation', 5, 5, 'floor', 30, T0 + 3 * H],
      ['repeated_undo', 5, 5, 'floor', 30, T0 + 3 * H + 60_000],
      ['repeated_operation', 6, 5, 'floor', 30, T0 + 3 * H + 4 * 60_000],
      ['repeated_undo', 6, 5, 'floor', 30, T0 + 3 * H + 5 * 60_000],
      ['repeated_operation', 7, 5, 'floor', 30, T0 + 3 * H + 8 * 60_000],
      ['repeated_undo', 7, 5, 'floor', 30, T0 + 3 * H + 9 * 60_000],
    ]);
  });

  it('does not count bookings kept, nor deleting what someone else created', () => {
    // 12 bookings kept: record creation, not judged before a population is learned.
    expect(run(loop(patient(2), 12, false))).toEqual([]);
    // p3 cancels the 12 appointments p2 booked: no creation of its own is undone.
    const other = loop(patient(2), 12, true).map((e) => (e.method === 'DELETE' ? { ...e, principal: patient(3) } : e));
    expect(run(other)).toEqual([]);
  });
});

describe('flow-abuse: a cohort that rarely writes', () => {
  it("is judged by everyone's repeats of the same kind of target once its own cohort has learned nothing", () => {
    const after = T0 + 62 * H;
    const bookings = (n: number) => Array.from({ length: n }, (_, i) => bookAndCancel(patient(4), after + i * 240_000, `tok_b${i}`, undefined)).flat();
    // The clinicians' 360 windows each created 3 records: 2 x p99 (3) = 6 bookings in an hour.
    expect(run([...charting(), ...bookings(5)])).toEqual([]);
    const found = run([...charting(), ...bookings(6)]);
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toEqual({
      pattern: 'repeated_operation',
      confidence: 0.7,
      repeats: 6,
      threshold: 6,
      thresholdBasis: 'population_any_route',
      populationQuantile: 3,
      populationSamples: 360,
      ongoingPeerRuns: 0,
      objectType: 'collection',
      windowSeconds: 3600,
    });
  });

  it('does not judge repeats on one object by how often others create records', () => {
    // Refilling one prescription 9 times: no one's object repeats are learned yet, so twice the floor (10) holds.
    const refills = Array.from({ length: 9 }, (_, i) =>
      event({ ts: T0 + 62 * H + i * 240_000, principal: patient(5), route: '/api/v1/prescriptions/{id}/refills', method: 'POST', status: 201, objects: [ref('prescriptions', 'tok_rx1')] }),
    );
    expect(run([...charting(), ...refills])).toEqual([]);
  });
});

import type { Random } from '../../scripts/traffic.js';
import { HOUR, MINUTE, type Clock } from './clock.js';
import type { SimParams } from './params.js';
import { login, requester, tokenOf, type Actor, type SimRequest, type World } from './world.js';

/** Objects benign principals created, so attacks can read someone else's. */
export interface Ledger {
  observations: { owner: string; id: number; at: number }[];
}

/** Patient-app opens per local hour: quiet nights, a morning and an evening peak. */
const PATIENT_HOURS = [1, 1, 0, 0, 0, 1, 3, 6, 8, 8, 7, 6, 6, 6, 5, 5, 6, 7, 9, 10, 9, 6, 4, 2];

export function weightedHour(rnd: Random, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = rnd.next() * total;
  for (let h = 0; h < weights.length; h++) {
    x -= weights[h] as number;
    if (x < 0) return h;
  }
  return weights.length - 1;
}

export function readStatus(rnd: Random, p: SimParams): number {
  const x = rnd.next();
  if (x < p.serverErrorRate) return rnd.pick([500, 502, 503]);
  if (x < p.serverErrorRate + p.notFoundRate) return 404;
  return 200;
}

const bundle = (rnd: Random) => ({ responseBytes: rnd.int(2_000, 40_000) });
const single = (rnd: Random) => ({ responseBytes: rnd.int(800, 4_500) });

/** A login, with the occasional mistyped password first. */
function signIn(out: SimRequest[], rnd: Random, p: SimParams, at: number, a: Actor): number {
  if (rnd.next() < p.loginTypoRate) {
    out.push(login(at, a.ip, a.ua, 401));
    at += rnd.int(5, 25) * 1000;
  }
  out.push(login(at, a.ip, a.ua, 200));
  return at + rnd.int(1, 4) * 1000;
}

/** A patient opens the app and reads their own record; now and then books a visit or a refill. */
export function patientDay(out: SimRequest[], rnd: Random, p: SimParams, clock: Clock, d: number, a: Actor): void {
  if (rnd.next() >= p.patientDailyActive) return;
  const self = a.patient as number;
  let at = clock.dayStart(d) + weightedHour(rnd, PATIENT_HOURS) * HOUR + rnd.int(0, 3599) * 1000;
  at = signIn(out, rnd, p, at, a);
  const r = requester(a, tokenOf(a, at, rnd));
  const reads = [
    `/fhir/Patient/${self}`,
    `/fhir/Observation?patient=${self}&category=${rnd.pick(['vital-signs', 'laboratory'])}&_sort=-date&_count=20`,
    `/fhir/MedicationRequest?patient=${self}&status=active`,
    `/fhir/Condition?patient=${self}`,
    `/fhir/AllergyIntolerance?patient=${self}`,
    `/fhir/Immunization?patient=${self}`,
    `/fhir/DocumentReference?patient=${self}&_count=10`,
    `/api/v1/appointments?patient=${self}`,
  ];
  const n = rnd.int(3, reads.length);
  for (let i = 0; i < n; i++) {
    at += rnd.int(3, 45) * 1000;
    const uri = i === 0 ? reads[0] as string : rnd.pick(reads);
    out.push(r(at, 'GET', uri, readStatus(rnd, p), i === 0 ? single(rnd) : bundle(rnd)));
  }
  if (rnd.next() < 0.06) {
    at += rnd.int(10, 60) * 1000;
    const rx = self * 10 + rnd.int(1, 3);
    const refill = `${rnd.hex(8)}-${rnd.hex(4)}-4${rnd.hex(3)}-8${rnd.hex(3)}-${rnd.hex(12)}`;
    out.push(r(at, 'POST', `/api/v1/prescriptions/${rx}/refills`, 201, { responseHeaders: { location: `/api/v1/refills/${refill}`, 'content-type': 'application/json' }, responseBytes: 310 }));
    out.push(r(at + rnd.int(2, 8) * 1000, 'GET', `/api/v1/refills/${refill}`, 200, { responseBytes: 420 }));
  }
  if (rnd.next() < 0.05) {
    at += rnd.int(10, 90) * 1000;
    const appt = rnd.int(7_000_000, 7_999_999);
    out.push(r(at, 'POST', '/api/v1/appointments', 201, { responseHeaders: { location: `/api/v1/appointments/${appt}`, 'content-type': 'application/json' }, responseBytes: 380 }));
    // Some bookings are cancelled again: the benign look-alike of appointment churn.
    if (rnd.next() < 0.2) out.push(r(at + rnd.int(30, 600) * 1000, 'DELETE', `/api/v1/appointments/${appt}`, 204, { responseBytes: 0 }));
  }
}

/** A third-party app with narrow scopes syncing the user's vitals once or twice a day. */
export function narrowAppDay(out: SimRequest[], rnd: Random, p: SimParams, clock: Clock, d: number, a: Actor): void {
  const self = a.patient as number;
  for (let s = rnd.int(1, 2); s > 0; s--) {
    let at = clock.dayStart(d) + rnd.int(6, 22) * HOUR + rnd.int(0, 3599) * 1000;
    const r = requester(a, tokenOf(a, at, rnd));
    out.push(r(at, 'GET', `/fhir/Patient/${self}`, readStatus(rnd, p), single(rnd)));
    at += rnd.int(1, 5) * 1000;
    out.push(r(at, 'GET', `/fhir/Observation?patient=${self}&category=vital-signs&_count=50`, readStatus(rnd, p), bundle(rnd)));
  }
}

/** A partner (API key) polling for ready refills through the day. */
export function partnerDay(out: SimRequest[], rnd: Random, p: SimParams, clock: Clock, d: number, w: World, i: number): void {
  const partner = w.partners[i];
  if (partner === undefined) return;
  const from = clock.dayStart(d) + 6 * HOUR;
  for (let at = from + rnd.int(0, 59) * 1000; at < from + 16 * HOUR; at += p.partnerPollMinutes * MINUTE + rnd.int(-20, 20) * 1000) {
    out.push({
      at,
      method: 'GET',
      uri: '/api/v1/refills?status=ready&_count=50',
      status: readStatus(rnd, p),
      clientIp: partner.ip,
      headers: { 'x-api-key': partner.key, accept: 'application/json', 'user-agent': 'RxConnect/4.0' },
      responseHeaders: { 'content-type': 'application/json' },
      responseBytes: rnd.int(200, 6000),
      consumer: partner.consumer,
    });
  }
}

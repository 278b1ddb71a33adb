import { createRandom, jwt, kongRecord, type KongRequest, type Random } from './traffic.js';

/**
 * A morning at a hospital's FHIR API, as Kong logs it: clinicians reading two to four charts every five minutes,
 * a patient app reading its own record, and (optionally) two abusers:
 * - mallory, a clinician credential, works normally for half an hour, then walks Patient ids
 *   one by one (BOLA enumeration: sequential walk + far more distinct patients than her baseline);
 * - a partner integration's API key probes claim ids and collects 404s (BOLA probing on a non-FHIR API).
 * Everything is deterministic for a given seed.
 */
export interface ScenarioOptions {
  seed: number;
  start: number;
  minutes: number;
  clinicians: number;
  attacks: boolean;
}

export const MALLORY = { sub: 'mallory', ip: '198.51.100.23', walkFrom: 20001, walkLength: 120 };
export const PROBE_KEY = 'pk_live_7Hq2mZr9Xw4Tn8Ls';
export const PROBE_IP = '192.0.2.77';
export const PROBES = 30;

export function* hospitalScenario(o: ScenarioOptions): Generator<string> {
  const rnd = createRandom(o.seed);
  const reqs: KongRequest[] = [];
  const clinicians = Array.from({ length: o.clinicians }, (_, i) => ({
    sub: i === 0 && o.attacks ? MALLORY.sub : `clinician-${String(i).padStart(3, '0')}`,
    ip: i === 0 && o.attacks ? MALLORY.ip : `10.40.${Math.floor(i / 200)}.${(i % 200) + 10}`,
  }));
  for (const c of clinicians) {
    const token = jwt({ iss: 'https://idp.example-hospital.org', sub: c.sub, client_id: 'ehr-web', scope: 'user/*.read user/Observation.write openid fhirUser', fhirUser: `Practitioner/${rnd.int(100, 999)}`, exp: 1893456000 }, rnd);
    // mallory's normal work stops 5 minutes before her walk starts, so her walk window is clean.
    const activeMinutes = c.sub === MALLORY.sub ? Math.min(o.minutes, 28) : o.minutes;
    for (let m = 0; m < activeMinutes; m += 5) {
      const charts = rnd.int(2, 4);
      for (let k = 0; k < charts; k++) {
        const patient = rnd.int(100_000, 999_999);
        const at = o.start + (m * 60 + rnd.int(0, 280)) * 1000 + rnd.int(0, 999);
        const h = { authorization: `Bearer ${token}` };
        reqs.push({ at, method: 'GET', uri: `/fhir/Patient/${patient}`, status: 200, clientIp: c.ip, headers: h });
        reqs.push({ at: at + 900, method: 'GET', uri: `/fhir/Observation?patient=${patient}&category=laboratory&_count=50`, status: 200, clientIp: c.ip, headers: h });
        if (rnd.next() < 0.2) {
          const created = rnd.int(1, 9_999_999);
          reqs.push({
            at: at + 1800,
            method: 'POST',
            uri: '/fhir/Observation',
            status: 201,
            clientIp: c.ip,
            headers: h,
            responseHeaders: { location: `https://api.example-hospital.org/fhir/Observation/${created}/_history/1` },
          });
        }
      }
    }
  }
  // A SMART patient app reading its own record.
  const self = 424242;
  const patientToken = jwt({ iss: 'https://idp.example-hospital.org', sub: 'patient-portal-user-77', client_id: 'mychart-app', scope: 'launch/patient patient/*.read', patient: String(self), exp: 1893456000 }, rnd);
  for (let m = 0; m < o.minutes; m += 7) {
    const at = o.start + m * 60_000 + 30_000;
    for (const uri of [`/fhir/Patient/${self}`, `/fhir/MedicationRequest?patient=${self}`, `/fhir/Observation?patient=Patient/${self}&_count=20`]) {
      reqs.push({ at, method: 'GET', uri, status: 200, clientIp: '203.0.113.50', headers: { authorization: `Bearer ${patientToken}` } });
    }
  }
  if (o.attacks) addAttacks(o, rnd, reqs);
  reqs.sort((a, b) => a.at - b.at);
  for (const r of reqs) yield JSON.stringify(kongRecord(r, rnd));
}

function addAttacks(o: ScenarioOptions, rnd: Random, reqs: KongRequest[]): void {
  const token = jwt({ iss: 'https://idp.example-hospital.org', sub: MALLORY.sub, client_id: 'ehr-web', scope: 'user/*.read user/Observation.write openid fhirUser', exp: 1893456000 }, rnd);
  // 08:35 sharp: a fresh baseline window for mallory, one id per second.
  const walkStart = o.start + 35 * 60_000;
  for (let i = 0; i < MALLORY.walkLength; i++) {
    reqs.push({ at: walkStart + i * 1000, method: 'GET', uri: `/fhir/Patient/${MALLORY.walkFrom + i}`, status: 200, clientIp: MALLORY.ip, headers: { authorization: `Bearer ${token}` } });
  }
  const probeStart = o.start + 12 * 60_000;
  for (let i = 0; i < PROBES; i++) {
    reqs.push({
      at: probeStart + i * 2000,
      method: 'GET',
      uri: `/api/v1/claims/${rnd.int(100_000, 999_999)}`,
      status: 404,
      clientIp: PROBE_IP,
      headers: { 'x-api-key': PROBE_KEY, accept: 'application/json' },
      consumer: { id: '5d1f8c2e-0a4b-4e6f-9c7d-3b2a1f0e9d8c', username: 'claims-partner' },
    });
  }
}

import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { createRandom } from '../scripts/traffic.js';
import { kongLine, replayBeforeAll, type TimedLine } from './test-support/vigil-replay.js';

/**
 * A patient portal's own REST API (not FHIR: UUID ids, `/v1/patients/{id}/messages`, refill
 * requests) used by a mobile app, five days of it through the real `vigil` binary. Nothing in it is
 * shaped like the simulator's hospital, so it checks that detection generalises from baselines
 * rather than from the traffic the detectors were built on.
 *
 * Benign, and it must stay silent: 150 patients open the app (a burst of four sync calls), read
 * their appointments and messages, send messages (201 + Location), page through their inbox and
 * ask for refills, half the time from their carrier's network (a new address each session); an app
 * update changes every user agent on day 4; 25 patients join during the week; one in ten uses
 * the app at night. On the last day four patients abuse it, each in a different way.
 */
const T0 = Date.UTC(2026, 8, 1);
const H = 3_600_000;
const DAY = 24 * H;
const DAYS = 5;
const LAST = T0 + (DAYS - 1) * DAY;

const prng = createRandom(20260901);
const rnd = prng.next;
const { int, pick, hex, uuid } = prng;

interface Patient {
  sub: string;
  id: string;
  appointments: string[];
  messages: string[];
  /** Messages this patient sent: the API created them for it (201 Location). */
  sent: string[];
  prescriptions: string[];
  wifi: string;
  carrier: string;
  os: string;
  joinDay: number;
  night: boolean;
}

const patients: Patient[] = Array.from({ length: 150 }, (_, i) => ({
  sub: `pt-${i}`,
  id: uuid(),
  appointments: Array.from({ length: int(2, 8) }, uuid),
  messages: Array.from({ length: int(3, 30) }, uuid),
  sent: [],
  prescriptions: Array.from({ length: int(0, 4) }, uuid),
  wifi: `73.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
  carrier: pick(['172.58', '172.56', '166.170', '100.64']),
  os: pick(['iOS 17', 'Android 14']),
  joinDay: i < 125 ? 0 : int(1, DAYS - 1),
  night: i % 10 === 0,
}));

interface Client {
  token: string;
  ip: string;
  ua: string;
}

/** A fresh access token (one hour), as the app gets at the start of a session. */
function client(p: Patient, t: number, ip: string): Client {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = { iss: 'https://id.clinic.example', sub: p.sub, client_id: 'clinic-mobile', scope: 'openid profile portal', iat: Math.floor(t / 1000), exp: Math.floor(t / 1000) + 3600 };
  const version = t >= T0 + 3 * DAY ? '5.1.0' : '5.0.3';
  return { token: `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}.${hex(43)}`, ip, ua: `ClinicApp/${version} (${p.os})` };
}

const lines: TimedLine[] = [];
function call(t: number, c: Client, method: string, uri: string, status: number, location?: string): void {
  const headers = { authorization: `Bearer ${c.token}`, 'user-agent': c.ua };
  const responseHeaders = location === undefined ? undefined : { location };
  lines.push({ t, line: kongLine({ t, method, uri, ip: c.ip, status, host: 'api.clinic.example', headers, route: 'portal', service: 'portal-api', responseHeaders }) });
}

function session(p: Patient, start: number): void {
  const ip = rnd() < 0.5 ? `${p.carrier}.${int(0, 255)}.${int(1, 254)}` : p.wifi;
  const c = client(p, start, ip);
  let t = start;
  call(t, c, 'GET', `/v1/patients/${p.id}`, 200);
  call(t + 150, c, 'GET', `/v1/patients/${p.id}/appointments`, 200);
  call(t + 300, c, 'GET', `/v1/patients/${p.id}/messages?limit=20`, 200);
  call(t + 450, c, 'GET', `/v1/patients/${p.id}/prescriptions`, 200);
  t += int(5, 40) * 1000;
  for (let a = int(1, 8); a > 0; a--) {
    const r = rnd();
    if (r < 0.35) call(t, c, 'GET', `/v1/messages/${pick(p.messages)}`, 200);
    else if (r < 0.5) call(t, c, 'GET', `/v1/appointments/${pick(p.appointments)}`, 200);
    else if (r < 0.6) {
      const id = uuid();
      p.messages.push(id);
      p.sent.push(id);
      call(t, c, 'POST', `/v1/patients/${p.id}/messages`, 201, `/v1/messages/${id}`);
    } else if (r < 0.7 && p.prescriptions.length > 0) call(t, c, 'POST', `/v1/prescriptions/${pick(p.prescriptions)}/refill-requests`, 202);
    else if (r < 0.85) {
      for (let page = int(1, 4) - 1; page >= 0; page--) {
        call(t, c, 'GET', `/v1/patients/${p.id}/messages?limit=20&offset=${page * 20}`, 200);
        t += int(2, 10) * 1000;
      }
    } else call(t, c, 'GET', `/v1/patients/${p.id}/appointments`, 200);
    t += int(3, 90) * 1000;
  }
}

for (let day = 0; day < DAYS; day++) {
  for (const p of patients) {
    if (day < p.joinDay) continue;
    for (let s = int(0, 3); s > 0; s--) session(p, T0 + day * DAY + (p.night ? int(22, 29) : int(7, 21)) * H + int(0, 3599) * 1000);
  }
}

const at = (p: Patient, t: number) => client(p, t, p.wifi);

// 1. pt-5 reads fifteen messages other patients sent (the API created them for their senders).
const snoop = patients[5] as Patient;
const othersMessages = patients.slice(60, 120).flatMap((p) => p.sent.slice(0, 1)).slice(0, 15);
const SNOOP = LAST + 10 * H;
othersMessages.forEach((m, k) => call(SNOOP + k * 300_000, at(snoop, SNOOP + k * 300_000), 'GET', `/v1/messages/${m}`, 200));
// 2. pt-6 opens twelve other patients' profiles.
const browser = patients[6] as Patient;
const PROFILES = LAST + 11 * H;
patients.slice(130, 142).forEach((v, k) => call(PROFILES + k * 200_000, at(browser, PROFILES + k * 200_000), 'GET', `/v1/patients/${v.id}`, 200));
// 3. The first patient with a prescription asks for a refill of the same one twelve times, 20 minutes apart.
const refiller = patients.find((p) => p.prescriptions.length > 0) as Patient;
const REFILLS = LAST + 9 * H;
for (let k = 0; k < 12; k++) call(REFILLS + k * 1_200_000, at(refiller, REFILLS + k * 1_200_000), 'POST', `/v1/prescriptions/${refiller.prescriptions[0]}/refill-requests`, 202);
// 4. pt-9 pages through its whole inbox, 100 at a time, every three seconds.
const pager = patients[9] as Patient;
const PAGES = LAST + 14 * H;
const pagerClient = at(pager, PAGES);
for (let page = 0; page < 150; page++) call(PAGES + page * 3000, pagerClient, 'GET', `/v1/patients/${pager.id}/messages?limit=100&offset=${page * 100}`, 200);

const replayed = replayBeforeAll('patient-portal', { key: 'a5'.repeat(32), lines });

describe('a patient portal that is not FHIR, end to end', () => {
  it('has the abuse it means to have: fifteen messages others created, a refiller that is not another abuser', () => {
    expect(othersMessages).toHaveLength(15);
    expect(refiller.sub).not.toMatch(/^pt-(5|6|9)$/);
  });

  it('raises exactly the alerts of the four abusers, and none on 146 benign patients', () => {
    expect(replayed.alerts.map((a) => [a.detector, a.principal, a.route]).sort()).toEqual(
      [
        ['bola/foreign-object', 'user:pt-5', '/v1/messages/{id}'],
        ['bola/foreign-object', 'user:pt-6', '/v1/patients/{id}'],
        ['bola/subject-context', 'user:pt-6', '/v1/patients/{id}'],
        ['flow-abuse', `user:${refiller.sub}`, '/v1/prescriptions/{id}/refill-requests'],
        ['rate', 'user:pt-9', '/v1/patients/{id}/messages'],
        ['scraping', 'user:pt-9', '/v1/patients/{id}/messages'],
      ].sort(),
    );
  });

  it("names every read of another patient's message, and who created it", () => {
    const a = replayed.alerts.find((x) => x.principal === 'user:pt-5') as Alert;
    expect(a).toMatchObject({
      owasp: 'API1:2023',
      severity: 'high',
      app: 'clinic-mobile',
      sourceIps: [snoop.wifi],
      firstSeen: new Date(SNOOP).toISOString(),
      lastSeen: new Date(SNOOP + 14 * 300_000).toISOString(),
      count: 15,
    });
    expect(a.summary).toMatch(/^user:pt-5 read messages tok_[0-9a-f]+, which user:pt-(6\d|[7-9]\d|1[01]\d) created, and the API answered 200$/);
  });

  it('names the refills and the inbox walk by what was repeated', () => {
    const refills = replayed.alerts.find((x) => x.detector === 'flow-abuse') as Alert;
    expect(refills.severity).toBe('high');
    expect(refills.summary).toBe(
      `user:${refiller.sub} repeated POST /v1/prescriptions/{id}/refill-requests on one prescriptions 12 times in a row, each within 3600s of the previous (threshold 6)`,
    );
    const pages = replayed.alerts.find((x) => x.detector === 'scraping') as Alert;
    expect(pages.summary).toMatch(/^user:pt-9 requested 100 pages past the first within 300s on \/v1\/patients\/\{id\}\/messages; /);
  });

  it('keeps every patient, message and prescription id out of the alerts', () => {
    for (const p of [snoop, browser, refiller, pager, ...patients.slice(60, 142)]) {
      for (const raw of [p.id, ...p.sent, ...p.prescriptions]) expect(replayed.alertsJson).not.toContain(raw);
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { createRandom, envoyRecord, jwt, type KongRequest } from '../scripts/traffic.js';
import { replayBeforeAll, type TimedLine } from './test-support/vigil-replay.js';

/**
 * An on-demand telehealth platform behind Envoy, six days through the real `vigil` binary. Its
 * shape is unlike the simulator's hospital: any provider sees any patient from a queue, and a video
 * visit keeps both sides posting a heartbeat on the visit every 15 s for 8-25 minutes.
 *
 * Benign: 400 patients sign up (201 + Location), request visits (201), poll the waiting room every
 * 10 s, join, heartbeat, read the summary, and later check the lab orders their provider placed
 * (numeric ids); 30 providers take visits, read the chart and medications, heartbeat, write notes
 * and place lab orders; a scheduling service lists the schedule every minute with an API key.
 * On the last day: a patient walks lab-order ids, a provider reads 150 charts without visits, a
 * botnet stuffs the token endpoint, and the scheduler's leaked key reads charts from elsewhere.
 *
 * Until 2026-11-30 the heartbeats raised 348 flow-abuse alerts here, one on every provider and on
 * nearly every patient (an operation every principal repeats far past the learning floor was never
 * learned), and the leaked key raised nothing.
 */
const T0 = Date.UTC(2026, 9, 12);
const H = 3_600_000;
const DAY = 24 * H;
const DAYS = 6;
const LAST = T0 + (DAYS - 1) * DAY;
const HEARTBEAT = '/api/v2/visits/{id}/heartbeat';

const rnd = createRandom(20261012);
const { int, pick, uuid } = rnd;

interface Patient {
  sub: string;
  id: string | undefined;
  ip: string;
  ua: string;
  joinDay: number;
  labs: number[];
}
interface Provider {
  sub: string;
  ip: string;
  shift: number;
}

const patients: Patient[] = Array.from({ length: 400 }, (_, i) => ({
  sub: `pt-${i}`,
  id: undefined,
  ip: `${pick(['73', '98', '24', '67'])}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
  ua: pick(['TeleHealth/3.2 (iOS 17)', 'TeleHealth/3.2 (Android 14)', 'Mozilla/5.0 Chrome/131']),
  joinDay: i < 300 ? 0 : int(1, DAYS - 1),
  labs: [],
}));
const providers: Provider[] = Array.from({ length: 30 }, (_, i) => ({ sub: `dr-${i}`, ip: `52.${10 + (i % 4)}.${int(0, 255)}.${int(1, 254)}`, shift: int(7, 12) }));
const SCHEDULER = { key: `sk_live_${rnd.hex(24)}`, ip: '34.120.8.9' };

const lines: TimedLine[] = [];
interface Caller {
  ip: string;
  ua: string;
  bearer?: string;
  apiKey?: string;
}
function call(at: number, who: Caller, method: string, uri: string, status: number, responseBytes?: number, location?: string): void {
  const headers: Record<string, string> = { 'user-agent': who.ua, ...(who.bearer ? { authorization: `Bearer ${who.bearer}` } : {}), ...(who.apiKey ? { 'x-api-key': who.apiKey } : {}) };
  const r: KongRequest = { at, method, uri, status, clientIp: who.ip, headers, responseBytes: responseBytes ?? int(400, 4_000), ...(location ? { responseHeaders: { location, 'content-type': 'application/json' } } : { responseHeaders: { 'content-type': 'application/json' } }) };
  lines.push({ t: at, line: JSON.stringify(envoyRecord(r, rnd)) });
}

const token = (sub: string, client: string, scope: string, t: number, hours: number) =>
  jwt({ iss: 'https://id.telehealth.example', sub, client_id: client, scope, iat: Math.floor(t / 1000), exp: Math.floor(t / 1000) + hours * 3600 }, rnd);
const asPatient = (p: Patient, t: number): Caller => ({ ip: p.ip, ua: p.ua, bearer: token(p.sub, 'tele-patient', 'openid patient', t, 1) });
const asProvider = (d: Provider, t: number): Caller => ({ ip: d.ip, ua: 'TeleProvider/5.0', bearer: token(d.sub, 'tele-provider', 'openid provider', t, 8) });

/** One visit; returns when the provider is free again. */
function visit(p: Patient, d: Provider, start: number): number {
  const P = asPatient(p, start);
  if (p.id === undefined) {
    p.id = uuid();
    call(start - 60_000, P, 'POST', '/api/v2/patients', 201, 300, `/api/v2/patients/${p.id}`);
  }
  call(start, P, 'GET', `/api/v2/patients/${p.id}`, 200);
  const v = uuid();
  call(start + 5_000, P, 'POST', '/api/v2/visits', 201, 300, `/api/v2/visits/${v}`);
  let t = start + 10_000;
  for (const until = start + int(2, 12) * 60_000; t < until; t += 10_000) call(t, P, 'GET', `/api/v2/visits/${v}`, 200, int(300, 600));
  const D = asProvider(d, t);
  call(t, D, 'GET', `/api/v2/visits/${v}`, 200);
  call(t + 2_000, D, 'GET', `/api/v2/patients/${p.id}/chart`, 200, int(20_000, 90_000));
  call(t + 3_000, D, 'GET', `/api/v2/patients/${p.id}/medications`, 200);
  call(t + 4_000, P, 'POST', `/api/v2/visits/${v}/join`, 200);
  const end = t + int(8, 25) * 60_000;
  for (let h = t + 15_000; h < end; h += 15_000) {
    call(h, P, 'POST', `/api/v2/visits/${v}/heartbeat`, 204, 0);
    call(h + 700, D, 'POST', `/api/v2/visits/${v}/heartbeat`, 204, 0);
  }
  call(end, D, 'POST', `/api/v2/visits/${v}/notes`, 201, 250, `/api/v2/notes/${uuid()}`);
  if (rnd.next() < 0.35) {
    const lab = 500_000 + lines.length;
    p.labs.push(lab);
    call(end + 30_000, D, 'POST', '/api/v2/lab-orders', 201, 250, `/api/v2/lab-orders/${lab}`);
  }
  call(end + 60_000, P, 'GET', `/api/v2/visits/${v}/summary`, 200);
  return end + 120_000;
}

const scheduler: Caller = { ip: SCHEDULER.ip, ua: 'scheduler/1.4', apiKey: SCHEDULER.key };
for (let day = 0; day < DAYS; day++) {
  const dayStart = T0 + day * DAY;
  for (let t = dayStart + 6 * H; t < dayStart + 22 * H; t += 60_000) call(t + int(0, 2_000), scheduler, 'GET', `/api/v2/schedule?date=${new Date(t).toISOString().slice(0, 10)}`, 200, int(8_000, 20_000));
  const free = new Map(providers.map((d) => [d.sub, dayStart + d.shift * H]));
  for (const p of patients) {
    if (day < p.joinDay) continue;
    if (p.labs.length > 0 && rnd.next() < 0.5) {
      const t = dayStart + int(7, 21) * H + int(0, 3_599) * 1_000;
      const P = asPatient(p, t);
      for (const lab of p.labs.slice(-2)) call(t + int(0, 60_000), P, 'GET', `/api/v2/lab-orders/${lab}`, 200);
    }
    if (rnd.next() < (p.id === undefined && day === p.joinDay ? 0.6 : 0.12)) {
      const d = pick(providers);
      free.set(d.sub, visit(p, d, Math.max(free.get(d.sub) as number, dayStart + int(8, 20) * H + int(0, 3_599) * 1_000)));
    }
  }
}

// 1. pt-3 walks 80 lab-order ids, seven seconds apart.
const walker = patients[3] as Patient;
const allLabs = new Set(patients.flatMap((p) => p.labs));
const WALK = LAST + 15 * H;
const W = asPatient(walker, WALK);
for (let k = 0; k < 80; k++) {
  const id = 500_000 + k * 97;
  const mine = walker.labs.includes(id);
  call(WALK + k * 7_000, W, 'GET', `/api/v2/lab-orders/${id}`, mine ? 200 : allLabs.has(id) ? 403 : 404, mine ? 1_500 : 120);
}
// 2. dr-5 reads 150 charts without visits in 30 minutes.
const known = patients.filter((p) => p.id !== undefined);
const READS = LAST + 3 * H;
const reader = asProvider(providers[5] as Provider, READS);
for (let k = 0; k < 150; k++) call(READS + k * 12_000, reader, 'GET', `/api/v2/patients/${(known[(k * 7) % known.length] as Patient).id}/chart`, 200, int(20_000, 90_000));
// 3. A botnet stuffs the token endpoint from two /24s.
const STUFF = LAST + 4 * H;
for (let k = 0; k < 600; k++) call(STUFF + k * 1_500, { ip: `185.220.${int(100, 101)}.${int(1, 254)}`, ua: 'python-requests/2.31' }, 'POST', '/oauth/token', k % 97 === 0 ? 200 : 401, 90);
// 4. The scheduler's key, leaked, reads 25 charts from elsewhere with curl.
const LEAK = LAST + 23 * H;
for (let k = 0; k < 25; k++) call(LEAK + k * 20_000, { ip: '45.155.205.17', ua: 'curl/8.4', apiKey: SCHEDULER.key }, 'GET', `/api/v2/patients/${(known[k * 11] as Patient).id}/chart`, 200, int(20_000, 90_000));

const replayed = replayBeforeAll('telehealth', { key: 'd4'.repeat(32), lines, format: 'envoy' });
const heartbeatAlerts = () => replayed.alerts.filter((a) => a.detector === 'flow-abuse' && a.route === HEARTBEAT);

describe('a telehealth platform behind Envoy, end to end', () => {
  it('catches the four abusers, each by what it did', () => {
    const abuse = replayed.alerts.filter((a) => !(a.detector === 'flow-abuse' && a.route === HEARTBEAT));
    expect(abuse.map((a) => [a.detector, a.principal, a.route, a.evidence.pattern]).sort()).toEqual(
      [
        ['bola/enumeration', 'user:pt-3', '/api/v2/lab-orders/{id}', 'failure_probing'],
        ['rate', 'user:pt-3', '/api/v2/lab-orders/{id}', 'rate_sustained'],
        ['bola/enumeration', 'user:dr-5', '/api/v2/patients/{id}/chart', 'distinct_ids'],
        ['credential-stuffing', 'net:185.220.100.0/24', '/oauth/token', 'subnet_failure_burst'],
        ['credential-stuffing', 'net:185.220.101.0/24', '/oauth/token', 'subnet_failure_burst'],
        ['token-misuse', expect.stringMatching(/^key:fp_[0-9a-f]{16}$/) as unknown as string, '/api/v2/patients/{id}/chart', 'foreign_use'],
      ].sort(),
    );
  });

  it('names the leaked key, where it was used from and that it never called the route', () => {
    const a = replayed.alerts.find((x) => x.evidence.pattern === 'foreign_use') as Alert;
    expect(a).toMatchObject({ severity: 'high', owasp: 'API2:2023', sourceIps: ['45.155.205.17'], firstSeen: new Date(LEAK).toISOString(), count: 25 });
    expect(a.evidence).toMatchObject({ learnedDays: 5.7, knownNetworks: 1, knownUserAgents: 1, knownRoutes: 1, userAgent: 'curl/8.4' });
  });

  it('learns the heartbeat: only the first providers and patients of the first morning alert on it', () => {
    const beats = heartbeatAlerts();
    expect(beats.every((a) => a.evidence.pattern === 'repeated_operation' && a.evidence.thresholdBasis === 'learning_floor')).toBe(true);
    expect(beats.every((a) => a.firstSeen < new Date(T0 + DAY).toISOString())).toBe(true);
    expect(beats.length).toBe(HEARTBEAT_COLD_START);
  });
});

// Providers and patients whose heartbeat runs alerted before ten principals' alerted runs had
// ended (an hour after their last beat) and vouched for the operation; counted from this traffic.
const HEARTBEAT_COLD_START = 24;

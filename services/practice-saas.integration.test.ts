import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { createRandom } from '../scripts/traffic.js';
import { kongLine, replayBeforeAll, type TimedLine } from './test-support/vigil-replay.js';

/**
 * A multi-tenant practice-management SaaS (Kong http-log, six days, ~140,000 lines) through the real
 * `vigil` binary. 40 clinics are tenants in the path (`/api/v1/clinics/{clinic}/patients/{id}`);
 * 3-12 staff each on one web app, the first of each clinic an administrator with one more scope
 * (`admin:clinic`); one in sixteen staff is a locum who also works at a second clinic some days;
 * each clinic's lab integration posts results with its own API key; three of the vendor's support
 * agents (another app) look into any clinic. Staff list the day's appointments, open patients and
 * their notes, write notes and invoices.
 *
 * On the last day four principals abuse it: a member of clinic 3's staff swaps the clinic id and
 * reads 15 patients of clinic 17; one of clinic 5 reads one patient of clinic 9 and the notes;
 * clinic 8's lab key pages through the patients of ten other clinics from a VPS; a member of
 * clinic 11's staff lists the clinic's users and changes a role. Each must be named. The locums are
 * the hard part: their first day at a second clinic is a read of another clinic, like the swaps.
 */
const T0 = Date.UTC(2026, 10, 9);
const M = 60_000;
const H = 60 * M;
const DAY = 24 * H;
const DAYS = 6;
const LAST = T0 + (DAYS - 1) * DAY;
const HOST = 'api.practicecloud.example';
const { next: rnd, int, pick, hex, uuid } = createRandom(20261109);

const lines: TimedLine[] = [];
interface Call {
  method?: string;
  uri: string;
  ip: string;
  ua: string;
  status?: number;
  bearer?: string;
  apikey?: string;
  bytes?: number;
  location?: string;
}

function kong(t: number, c: Call): void {
  const headers: Record<string, string> = { 'user-agent': c.ua };
  if (c.bearer !== undefined) headers.authorization = `Bearer ${c.bearer}`;
  if (c.apikey !== undefined) headers['x-api-key'] = c.apikey;
  const responseHeaders: Record<string, string> = {};
  if (c.location !== undefined) responseHeaders.location = c.location;
  const line = kongLine({ t, method: c.method ?? 'GET', uri: c.uri, ip: c.ip, status: c.status ?? 200, host: HOST, headers, route: 'api', service: 'practice-api', responseHeaders, responseBytes: c.bytes });
  lines.push({ t, line });
}

interface User {
  sub: string;
  app: string;
  scope: string;
  clinics: Clinic[];
  ua: string;
}
interface Clinic {
  id: number;
  patients: number[];
  ip: string;
  staff: User[];
  key: string;
}

const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
function jwt(u: Pick<User, 'sub' | 'app' | 'scope'>, t: number): string {
  const claims = { iss: 'https://login.practicecloud.example/', sub: u.sub, client_id: u.app, scope: u.scope, iat: Math.floor(t / 1000), exp: Math.floor(t / 1000) + 3600 };
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}.${hex(86)}`;
}

let nextPatient = 100_000;
let nextNote = 5_000_000;
let nextInvoice = 900_000;
const clinics: Clinic[] = Array.from({ length: 40 }, (_, i) => ({
  id: 1000 + i * 7,
  patients: Array.from({ length: int(200, 1500) }, () => nextPatient++),
  ip: `${int(60, 99)}.${int(0, 255)}.${int(0, 255)}.${int(2, 250)}`,
  staff: [],
  key: `pk_live_${hex(32)}`,
}));
const clinic = (i: number) => clinics[i] as Clinic;
const UAS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15', 'Mozilla/5.0 (Windows NT 10.0) Edg/131.0'];
const STAFF_SCOPE = 'openid profile api';
const users: User[] = [];
const admins = new Set<User>();
for (const c of clinics) {
  for (let k = int(3, 12); k > 0; k--) {
    const admin = c.staff.length === 0;
    const u: User = { sub: `auth0|${hex(24)}`, app: 'pc-web', scope: admin ? `${STAFF_SCOPE} admin:clinic` : STAFF_SCOPE, clinics: [c], ua: pick(UAS) };
    if (admin) admins.add(u);
    c.staff.push(u);
    users.push(u);
  }
}
// About 6 % of staff also work at a second clinic (locums).
for (const u of users) {
  if (admins.has(u) || rnd() >= 0.06) continue;
  const second = pick(clinics);
  if (u.clinics.includes(second)) continue;
  u.clinics.push(second);
  second.staff.push(u);
}
const locums = new Set(users.filter((u) => u.clinics.length > 1).map((u) => `user:${u.sub}`));
const support = Array.from({ length: 3 }, () => ({ sub: `auth0|${hex(24)}`, app: 'pc-support', scope: 'openid profile support', ua: UAS[0] as string, ip: '34.120.55.10' }));

/** A working day: the day's appointments, then patients, their notes, new notes and invoices. */
function staffDay(u: User, day: number): void {
  const c = u.clinics.length > 1 && rnd() < 0.4 ? (u.clinics[1] as Clinic) : (u.clinics[0] as Clinic);
  let t = T0 + day * DAY + int(7, 9) * H + int(0, 59) * M;
  const end = t + int(6, 9) * H;
  let bearer = jwt(u, t);
  let issued = t;
  const token = () => {
    if (t - issued > 3_500_000) {
      bearer = jwt(u, t);
      issued = t;
    }
    return bearer;
  };
  const base = `/api/v1/clinics/${c.id}`;
  const as = { ip: c.ip, ua: u.ua };
  kong(t, { ...as, uri: `${base}/appointments?date=${new Date(t).toISOString().slice(0, 10)}`, bearer: token(), bytes: int(3000, 20000) });
  while (t < end) {
    t += int(2, 25) * M;
    const p = pick(c.patients);
    kong(t, { ...as, uri: `${base}/patients/${p}`, bearer: token(), bytes: int(1500, 5000) });
    kong(t + int(3, 20) * 1000, { ...as, uri: `${base}/patients/${p}/notes`, bearer: token(), bytes: int(2000, 30000) });
    const r = rnd();
    if (r < 0.3) kong(t + M, { ...as, method: 'POST', uri: `${base}/patients/${p}/notes`, bearer: token(), status: 201, bytes: 400, location: `${base}/notes/${nextNote++}` });
    else if (r < 0.4) kong(t + 50_000, { ...as, uri: `${base}/invoices?patient=${p}`, bearer: token(), bytes: int(800, 6000) });
    else if (r < 0.45) kong(t + 50_000, { ...as, method: 'POST', uri: `${base}/invoices`, bearer: token(), status: 201, bytes: 300, location: `${base}/invoices/${nextInvoice++}` });
    if (rnd() < 0.15) kong(t + 90_000, { ...as, uri: `${base}/patients?search=${hex(4)}`, bearer: token(), bytes: int(1000, 8000) });
  }
  if (admins.has(u) && rnd() < 0.5) {
    kong(end, { ...as, uri: `${base}/users`, bearer: token() });
    if (rnd() < 0.3) kong(end + 30_000, { ...as, method: 'PUT', uri: `${base}/settings`, bearer: token() });
  }
}

function labDay(c: Clinic, day: number): void {
  for (let k = int(3, 20); k > 0; k--) {
    const t = T0 + day * DAY + int(6, 20) * H + int(0, 3599) * 1000;
    const location = `/api/v1/clinics/${c.id}/lab-results/${uuid()}`;
    kong(t, { method: 'POST', uri: `/api/v1/clinics/${c.id}/lab-results`, ip: '52.10.20.30', apikey: c.key, ua: 'labbridge/3.2', status: 201, bytes: 200, location });
  }
}

function supportDay(s: (typeof support)[number], day: number): void {
  let t = T0 + day * DAY + int(8, 10) * H;
  let bearer = jwt(s, t);
  let issued = t;
  for (let k = int(4, 10); k > 0; k--) {
    const c = pick(clinics);
    t += int(10, 50) * M;
    if (t - issued > 3_000_000) {
      bearer = jwt(s, t);
      issued = t;
    }
    kong(t, { uri: `/api/v1/clinics/${c.id}/settings`, ip: s.ip, bearer, ua: s.ua });
    kong(t + 20_000, { uri: `/api/v1/clinics/${c.id}/users`, ip: s.ip, bearer, ua: s.ua });
    if (rnd() < 0.5) kong(t + M, { uri: `/api/v1/clinics/${c.id}/patients/${pick(c.patients)}`, ip: s.ip, bearer, ua: s.ua });
  }
}

for (let day = 0; day < DAYS; day++) {
  for (const u of users) if (rnd() < 0.85) staffDay(u, day);
  for (const c of clinics) labDay(c, day);
  for (const s of support) supportDay(s, day);
}

// The four abuses of the last day.
const swapper = clinic(3).staff[1] as User;
{
  let t = LAST + 14 * H;
  const bearer = jwt(swapper, t);
  for (let k = 0; k < 15; k++) {
    t += int(1, 4) * M;
    kong(t, { uri: `/api/v1/clinics/${clinic(17).id}/patients/${pick(clinic(17).patients)}`, ip: clinic(3).ip, bearer, ua: swapper.ua });
  }
}
const snoop = clinic(5).staff[1] as User;
{
  const t = LAST + 15 * H;
  const bearer = jwt(snoop, t);
  const p = pick(clinic(9).patients);
  kong(t, { uri: `/api/v1/clinics/${clinic(9).id}/patients/${p}`, ip: clinic(5).ip, bearer, ua: snoop.ua });
  kong(t + 30_000, { uri: `/api/v1/clinics/${clinic(9).id}/patients/${p}/notes`, ip: clinic(5).ip, bearer, ua: snoop.ua, bytes: 12000 });
}
{
  let t = LAST + 2 * H;
  for (let j = 0; j < 10; j++) {
    for (let page = 1; page <= 5; page++) {
      t += int(2, 6) * 1000;
      kong(t, { uri: `/api/v1/clinics/${clinic(20 + j).id}/patients?page=${page}&per_page=100`, ip: '185.220.101.4', apikey: clinic(8).key, ua: 'python-requests/2.31.0', bytes: 60000 });
    }
  }
}
const climber = clinic(11).staff[2] as User;
{
  const t = LAST + 11 * H;
  const bearer = jwt(climber, t);
  kong(t, { uri: `/api/v1/clinics/${clinic(11).id}/users`, ip: clinic(11).ip, bearer, ua: climber.ua });
  kong(t + 40_000, { method: 'PUT', uri: `/api/v1/clinics/${clinic(11).id}/users/${hex(8)}/role`, ip: clinic(11).ip, bearer, ua: climber.ua });
}
const abusers = new Set([`user:${swapper.sub}`, `user:${snoop.sub}`, `user:${climber.sub}`]);

const replayed = replayBeforeAll('practice-saas', { key: 'd4'.repeat(32), lines });

const isLabKey = (a: Alert) => a.principal.startsWith('key:');

describe('a multi-tenant practice SaaS with locums, end to end', () => {
  it('has the traffic it means to have: 40 clinics, locums, administrators, lab keys, support', () => {
    expect(lines.length).toBeGreaterThan(100_000);
    expect(locums.size).toBeGreaterThanOrEqual(5);
    expect([swapper, snoop, climber].some((u) => locums.has(`user:${u.sub}`) || admins.has(u))).toBe(false);
  });

  it('names the four abusers with the right detectors', () => {
    const named = replayed.alerts
      .filter((a) => abusers.has(a.principal) || isLabKey(a))
      .map((a) => [a.detector, a.severity, a.principal, a.route])
      .sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
    const key = replayed.alerts.find(isLabKey)?.principal ?? 'missing';
    expect(named).toEqual(
      [
        ['bfla', 'high', `user:${climber.sub}`, '/api/v1/clinics/{id}/users'],
        ['bfla', 'high', `user:${climber.sub}`, '/api/v1/clinics/{id}/users/{id}/role'],
        ['bola/subject-context', 'high', `user:${snoop.sub}`, '/api/v1/clinics/{id}/patients/{id}'],
        ['bola/subject-context', 'high', `user:${snoop.sub}`, '/api/v1/clinics/{id}/patients/{id}/notes'],
        ['bola/subject-context', 'high', `user:${swapper.sub}`, '/api/v1/clinics/{id}/patients/{id}'],
        ['bola/subject-context', 'high', key, '/api/v1/clinics/{id}/patients'],
        ['rate', 'medium', key, '/api/v1/clinics/{id}/patients'],
      ].sort((a, b) => a.join(' ').localeCompare(b.join(' '))),
    );
    const swap = replayed.alerts.find((a) => a.principal === `user:${swapper.sub}`) as Alert;
    expect(swap).toMatchObject({ count: 15, sourceIps: [clinic(3).ip] });
    const role = replayed.alerts.find((a) => a.route === '/api/v1/clinics/{id}/users') as Alert;
    expect(role.evidence).toMatchObject({ reason: 'role_path', usedBy: { cohort: 'pc-web|admin:clinic api openid profile', extraScopes: ['admin:clinic'] } });
  });

  it('raises at most one medium alert per locum, at its first switch to its second clinic, and nothing else', () => {
    const rest = replayed.alerts.filter((a) => !abusers.has(a.principal) && !isLabKey(a));
    expect(rest.map((a) => [a.detector, a.severity, a.count, locums.has(a.principal)])).toEqual(rest.map(() => ['bola/subject-context', 'medium', 1, true]));
    expect(new Set(rest.map((a) => a.principal)).size).toBe(rest.length);
    // Fewer than the locums: those who switched while the type was still being learned were never judged.
    expect(rest.length).toBe(4);
    for (const a of rest) expect((a.evidence as { switchedAfterSeconds: number }).switchedAfterSeconds).toBeGreaterThanOrEqual(1800);
  });
});

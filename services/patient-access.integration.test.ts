import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { createRandom } from '../scripts/traffic.js';
import { kongLine, replayBeforeAll, type TimedLine } from './test-support/vigil-replay.js';

/**
 * A payer's Patient Access API (the CMS interoperability rule's FHIR API), six days of Kong
 * http-log through the real `vigil` binary. 1,350 members connected third-party apps; three
 * aggregators sync them every night from a few cloud addresses each, hundreds of members' tokens
 * from one address within minutes, ~8 % of them expired (401, then a refresh at the token endpoint)
 * and members revoking apps every night (the refresh answered 400). 150 members use the payer's own
 * app from home. Shared addresses full of 401s are what credential-stuffing detection looks at.
 *
 * Two abuses on the last day: an aggregator reads one member's EOBs with another member's token (its
 * SMART patient claim names someone else), and a member's token, lifted from the phone, pulls 40
 * pages of EOBs from a VPS with curl a minute after the member used it.
 */
const T0 = Date.UTC(2026, 10, 16);
const M = 60_000;
const H = 60 * M;
const DAY = 24 * H;
const DAYS = 6;
const LAST = T0 + (DAYS - 1) * DAY;
const HOST = 'api.bluepine-health.example';
const APP_UA = 'BluePine/7.4 (iPhone; iOS 18.1)';
const { next: rnd, int, pick, hex, uuid } = createRandom(20261116);

const lines: TimedLine[] = [];
function kong(t: number, c: { method?: string; uri: string; ip: string; status?: number; bearer?: string; ua: string; bytes?: number }): void {
  const headers: Record<string, string> = { 'user-agent': c.ua };
  if (c.bearer !== undefined) headers.authorization = `Bearer ${c.bearer}`;
  const line = kongLine({ t, method: c.method ?? 'GET', uri: c.uri, ip: c.ip, status: c.status ?? 200, host: HOST, headers, route: 'patient-access', service: 'fhir', responseHeaders: { 'content-type': 'application/fhir+json' }, responseBytes: c.bytes });
  lines.push({ t, line });
}

interface Member {
  sub: string;
  pid: string;
  revoked: boolean;
  ip: string;
}
const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
function jwt(m: Member, app: string, t: number): string {
  const claims = { iss: 'https://auth.bluepine-health.example', sub: m.sub, client_id: app, scope: 'launch/patient patient/*.read offline_access', patient: m.pid, iat: Math.floor(t / 1000), exp: Math.floor(t / 1000) + 3600 };
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}.${hex(86)}`;
}

const members: Member[] = Array.from({ length: 1500 }, (_, i) => ({ sub: `mbr-${100_000 + i}`, pid: uuid(), revoked: false, ip: '' }));
interface Aggregator {
  app: string;
  ips: string[];
  ua: string;
  members: Member[];
  hour: number;
}
let offset = 0;
const aggregators: Aggregator[] = [
  { app: 'healthsync-agg', ips: ['3.91.12.40', '3.91.12.41', '3.91.12.42'], ua: 'HealthSync-Fetcher/5.2 (+https://healthsync.example)', n: 700, hour: 1 },
  { app: 'onerecord', ips: ['34.86.200.7', '34.86.200.8'], ua: 'OneRecord/3.1 okhttp/4.12', n: 450, hour: 3 },
  { app: 'carepath-pfm', ips: ['20.42.11.90'], ua: 'python-fhirclient/4.1 CarePath', n: 200, hour: 2 },
].map(({ n, ...a }) => {
  const mine = members.slice(offset, offset + n);
  offset += n;
  return { ...a, members: mine };
});
const direct = members.slice(offset);
for (const m of direct) m.ip = `${int(70, 110)}.${int(0, 255)}.${int(0, 255)}.${int(2, 250)}`;

let refused = 0;
let revokedRefreshes = 0;
/** One member's nightly sync: a 401 and a refresh when its token expired, then its data. */
function sync(a: Aggregator, m: Member, start: number, ip: string): void {
  let t = start;
  if (rnd() < 0.08 || m.revoked) {
    refused++;
    kong(t, { uri: `/fhir/Patient/${m.pid}`, ip, status: 401, bearer: jwt(m, a.app, t - DAY), ua: a.ua, bytes: 120 });
    kong(t + 500, { method: 'POST', uri: '/oauth2/token', ip, status: m.revoked ? 400 : 200, ua: a.ua, bytes: m.revoked ? 90 : 1400 });
    if (m.revoked) {
      revokedRefreshes++;
      return;
    }
    t += 1000;
  }
  const bearer = jwt(m, a.app, t);
  kong(t, { uri: `/fhir/Patient/${m.pid}`, ip, bearer, ua: a.ua, bytes: int(1500, 4000) });
  kong(t + 300, { uri: `/fhir/ExplanationOfBenefit?patient=${m.pid}&_lastUpdated=gt${new Date(t - DAY).toISOString().slice(0, 10)}`, ip, bearer, ua: a.ua, bytes: int(2000, 90000) });
  kong(t + 600, { uri: `/fhir/Coverage?patient=${m.pid}`, ip, bearer, ua: a.ua, bytes: int(1500, 5000) });
  if (rnd() < 0.5) kong(t + 900, { uri: `/fhir/Observation?patient=${m.pid}&category=laboratory`, ip, bearer, ua: a.ua, bytes: int(2000, 40000) });
}

for (let day = 0; day < DAYS; day++) {
  for (const a of aggregators) {
    let t = T0 + day * DAY + a.hour * H + int(0, 20) * M;
    // Every night about one member in two hundred revokes the app.
    for (const m of a.members) if (rnd() < 0.005) m.revoked = true;
    for (const m of a.members) {
      sync(a, m, t, pick(a.ips));
      t += int(400, 2500);
    }
  }
  for (const m of direct) {
    if (rnd() > 0.15) continue;
    const t = T0 + day * DAY + int(7, 22) * H + int(0, 3599) * 1000;
    const bearer = jwt(m, 'bluepine-mobile', t);
    kong(t, { uri: `/fhir/Patient/${m.pid}`, ip: m.ip, bearer, ua: APP_UA, bytes: 2500 });
    kong(t + 2000, { uri: `/fhir/ExplanationOfBenefit?patient=${m.pid}&_count=20`, ip: m.ip, bearer, ua: APP_UA, bytes: int(5000, 60000) });
    if (rnd() < 0.3) kong(t + 9000, { uri: `/fhir/Coverage?patient=${m.pid}`, ip: m.ip, bearer, ua: APP_UA, bytes: 3000 });
  }
}

// The aggregator reading member Y's EOBs with member X's token.
const onerecord = aggregators[1] as Aggregator;
const holder = onerecord.members[5] as Member;
const other = (aggregators[0] as Aggregator).members[9] as Member;
const MIXUP = LAST + 3 * H + 30 * M;
{
  const bearer = jwt(holder, onerecord.app, MIXUP);
  for (let k = 0; k < 3; k++) kong(MIXUP + k * 1000, { uri: `/fhir/ExplanationOfBenefit?patient=${other.pid}`, ip: onerecord.ips[0] as string, bearer, ua: onerecord.ua, bytes: 50000 });
}
// A member's token lifted from the phone, replayed from a VPS with curl.
const victim = direct[20] as Member;
const THEFT = LAST + 14 * H;
const VPS = '45.83.64.12';
{
  const bearer = jwt(victim, 'bluepine-mobile', THEFT);
  kong(THEFT - M, { uri: `/fhir/Patient/${victim.pid}`, ip: victim.ip, bearer, ua: APP_UA, bytes: 2500 });
  for (let k = 0; k < 40; k++) kong(THEFT + k * 4000, { uri: `/fhir/ExplanationOfBenefit?patient=${victim.pid}&_count=100&page=${k}`, ip: VPS, bearer, ua: 'curl/8.5.0', bytes: 80000 });
}

const replayed = replayBeforeAll('patient-access', { key: 'e7'.repeat(32), lines });

describe("a payer's Patient Access API with aggregators, end to end", () => {
  it('has the traffic it means to have: nightly syncs from shared addresses, with refused tokens and revoked apps', () => {
    expect(refused).toBeGreaterThan(500);
    expect(revokedRefreshes).toBeGreaterThan(50);
  });

  it('names the two abuses and nothing else: no address is taken for a credential stuffer', () => {
    expect(replayed.alerts.map((a) => [a.detector, a.principal, a.route, a.evidence.pattern]).sort((a, b) => String(a).localeCompare(String(b)))).toEqual([
      ['bola/patient-context', `user:${holder.sub}`, '/fhir/ExplanationOfBenefit', 'other_patient_access'],
      ['rate', `user:${victim.sub}`, '/fhir/ExplanationOfBenefit', 'rate_sustained'],
      ['scraping', `user:${victim.sub}`, '/fhir/ExplanationOfBenefit', 'pagination_walk'],
      ['token-misuse', `user:${victim.sub}`, '/fhir/ExplanationOfBenefit', 'token_relocated'],
    ]);
  });

  it('catches the copied token at its first request from the VPS', () => {
    const a = replayed.alerts.find((x) => x.detector === 'token-misuse') as Alert;
    expect(a).toMatchObject({ severity: 'high', sourceIps: [VPS], firstSeen: new Date(THEFT).toISOString(), count: 1 });
    expect(a.summary).toBe(`one token of user:${victim.sub} was used from ${VPS} by "curl/8.5.0", a network and a client it had not been used from: the token was copied to another machine`);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { kongLine, replayBeforeAll } from './test-support/vigil-replay.js';

/**
 * A payer's member API (not FHIR) through the real `vigil` binary: Kong http-log lines of a member
 * app, where each member reads `/api/v2/members/{uuid}/...` of its own. One member reads another
 * member's claims and EOBs (a UUID never seen in the traffic), and one member's token is replayed
 * two days after it expired to an API that still answers. Vigil must name both, and nothing else,
 * with the member UUIDs tokenized.
 */
const T0 = Date.UTC(2026, 2, 2, 18, 0, 0);
const H = 3_600_000;
const DAY = 24 * H;

/** A stable, UUID-shaped member id. */
function uuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
const member = (i: number) => ({ sub: `member-${i}`, id: uuid(`member-${i}`), ip: `198.51.100.${10 + i}` });
const VICTIM = uuid('someone-else');

function jwt(sub: string, iat: number): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = { iss: 'https://login.payer.example', sub, client_id: 'myhealth-ios', scope: 'openid launch/patient patient/*.read', iat: iat / 1000, exp: iat / 1000 + 3600 };
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}.c2lnbmF0dXJl`;
}

function kong(t: number, uri: string, token: string, ip: string, status = 200): string {
  const headers = { authorization: `Bearer ${token}`, 'user-agent': 'MyHealth/5.1 iOS' };
  return kongLine({ t, method: 'GET', uri, ip, status, host: 'api.payer.example', headers, route: 'member-api', service: 'member-api' });
}

const lines: { t: number; line: string }[] = [];
const add = (t: number, uri: string, token: string, ip: string, status?: number) => lines.push({ t, line: kong(t, uri, token, ip, status) });

// Two evening sessions, a day apart, of 25 members reading their own claims and an EOB.
for (const day of [0, 1]) {
  for (let i = 0; i < 25; i++) {
    const m = member(i);
    const t = T0 + day * DAY + i * 60_000;
    const token = jwt(m.sub, t);
    add(t, `/api/v2/members/${m.id}/claims?year=2026`, token, m.ip);
    add(t + 20_000, `/api/v2/members/${m.id}/eob/${880_000 + i * 10 + day}`, token, m.ip);
  }
}
// Day 3: member 3 reads its own claims, then another member's claims, profile and EOB.
const ATTACK = T0 + 2 * DAY + 2 * H;
const m3 = member(3);
const m3token = jwt(m3.sub, ATTACK);
add(ATTACK, `/api/v2/members/${m3.id}/claims?year=2026`, m3token, m3.ip);
add(ATTACK + 30_000, `/api/v2/members/${VICTIM}/claims?year=2026`, m3token, m3.ip);
add(ATTACK + 60_000, `/api/v2/members/${VICTIM}`, m3token, m3.ip);
add(ATTACK + 90_000, `/api/v2/members/${VICTIM}/eob/990001`, m3token, m3.ip);
// Member 7's first-evening token, replayed from a VPS address 49 hours after it expired.
const m7 = member(7);
const staleToken = jwt(m7.sub, T0 + 7 * 60_000);
const REPLAY = T0 + 7 * 60_000 + H + 49 * H;
add(REPLAY, `/api/v2/members/${m7.id}/claims?year=2026`, staleToken, '203.0.113.99');
add(REPLAY + 15_000, `/api/v2/members/${m7.id}/eob/880071`, staleToken, '203.0.113.99');

const replayed = replayBeforeAll('member-api', { key: 'c3'.repeat(32), lines });

describe('a member API, end to end', () => {
  it('raises exactly the alerts the traffic contains: the foreign reads (one alert per route) and the replay', () => {
    expect(replayed.alerts.map((a) => [a.detector, a.principal, a.route]).sort()).toEqual([
      ['bola/subject-context', 'user:member-3', '/api/v2/members/{id}'],
      ['bola/subject-context', 'user:member-3', '/api/v2/members/{id}/claims'],
      ['bola/subject-context', 'user:member-3', '/api/v2/members/{id}/eob/{id}'],
      ['token-misuse', 'user:member-7', '/api/v2/members/{id}/claims'],
    ]);
  });

  it("names the member reading another member's records, by tokens only", () => {
    const a = replayed.alerts.find((x) => x.detector === 'bola/subject-context' && x.route === '/api/v2/members/{id}/claims') as Alert;
    expect(a).toMatchObject({
      owasp: 'API1:2023',
      severity: 'high',
      app: 'myhealth-ios',
      route: '/api/v2/members/{id}/claims',
      sourceIps: [m3.ip],
      firstSeen: new Date(ATTACK + 30_000).toISOString(),
      lastSeen: new Date(ATTACK + 30_000).toISOString(),
      count: 1,
      status: 'open',
    });
    expect(a.summary).toMatch(
      /^user:member-3 has used only members (tok_[0-9a-f]+) \(5 requests over 2 days\), as 24 of the 25 principals of its cohort keep to one members each, then read members (tok_[0-9a-f]+) and the API answered 200$/,
    );
    const [, own, foreign] = /members (tok_[0-9a-f]+) .* members (tok_[0-9a-f]+) /.exec(a.summary) ?? [];
    expect(own).not.toBe(foreign);
    // The profile and the EOB read next name the same foreign member.
    for (const route of ['/api/v2/members/{id}', '/api/v2/members/{id}/eob/{id}']) {
      expect(replayed.alerts.find((x) => x.route === route)?.summary).toContain(`then read members ${foreign ?? ''} and`);
    }
  });

  it('names the token replayed long after it expired', () => {
    const a = replayed.alerts.find((x) => x.detector === 'token-misuse') as Alert;
    expect(a).toMatchObject({
      owasp: 'API2:2023',
      severity: 'high',
      route: '/api/v2/members/{id}/claims',
      sourceIps: ['203.0.113.99'],
      firstSeen: new Date(REPLAY).toISOString(),
      count: 1,
      summary: 'user:member-7 was served GET /api/v2/members/{id}/claims (200) with a bearer token that had expired 2 days earlier, more than its lifetime of 60 minutes',
    });
  });

  it('keeps every member UUID out of the alerts', () => {
    for (const raw of [VICTIM, m3.id, m7.id]) expect(replayed.alertsJson).not.toContain(raw);
  });
});

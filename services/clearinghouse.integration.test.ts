import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { createRandom, kongRecord, type KongRequest } from '../scripts/traffic.js';
import { replayBeforeAll, type TimedLine } from './test-support/vigil-replay.js';

/**
 * A payer's clearinghouse for billing partners behind Kong key-auth: each partner is a Kong
 * consumer with its own API key, six days through the real `vigil` binary.
 *
 * Benign: every night each of 12 partners checks the eligibility of hundreds of its members in a
 * few minutes (members seen by two providers are checked by both); by day it submits claims (201 +
 * Location) and checks their status, and downloads a remittance file or two (835, 1-30 MiB).
 * On the last day: one partner walks 1,500 sequential member ids, one reads 60 claims other
 * partners created, one downloads 40 other partners' remittance files in ten minutes.
 *
 * Until 2026-11-30 each partner was a cohort of its own (a key's app is its consumer), so the
 * claims were never compared and the remittance route never became routine; and every nightly
 * batch alerted every night: 32 alerts here, the claims missed; then 17 (each batch on its first
 * nights), none missed; since 2026-12-01 6 (a machine credential's first day learns its volume).
 */
const T0 = Date.UTC(2026, 9, 19);
const H = 3_600_000;
const DAY = 24 * H;
const DAYS = 6;
const LAST = T0 + (DAYS - 1) * DAY;
const MiB = 1024 * 1024;
const ELIGIBILITY = '/v1/members/{id}/eligibility';

const rnd = createRandom(20261019);
const { int, pick, hex } = rnd;

interface Partner {
  name: string;
  key: string;
  ip: string;
  ua: string;
  members: number[];
  claims: string[];
  remits: string[];
}
const partners: Partner[] = Array.from({ length: 12 }, (_, i) => ({
  name: `partner-${i}`,
  key: `pk_live_${hex(32)}`,
  ip: `${pick(['20', '40', '52', '104'])}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
  ua: pick(['Apache-HttpClient/4.5.14 (Java/17)', 'python-requests/2.31', 'Go-http-client/2.0', 'EDI-Gateway/7.2']),
  members: Array.from({ length: int(800, 2_000) }, () => int(1_000_000, 9_999_999)),
  claims: [],
  remits: [],
}));

const lines: TimedLine[] = [];
function call(at: number, p: Partner, method: string, uri: string, status: number, responseBytes = int(300, 3_000), location?: string): void {
  const r: KongRequest = {
    at,
    method,
    uri,
    status,
    clientIp: p.ip,
    headers: { 'user-agent': p.ua, 'x-api-key': p.key },
    consumer: { id: `consumer-${p.name}`, username: p.name },
    responseBytes,
    responseHeaders: { 'content-type': 'application/json', ...(location === undefined ? {} : { location }) },
  };
  lines.push({ t: at, line: JSON.stringify(kongRecord(r, rnd)) });
}

for (let day = 0; day < DAYS; day++) {
  const d0 = T0 + day * DAY;
  for (const p of partners) {
    // The nightly eligibility batch, four or five a second, starting between 01:00 and 02:30.
    let t = d0 + int(1, 2) * H + int(0, 1_800) * 1_000;
    for (let k = int(300, 700); k > 0; k--) {
      call(t, p, 'GET', `/v1/members/${pick(p.members)}/eligibility?dos=${new Date(d0).toISOString().slice(0, 10)}`, rnd.next() < 0.9 ? 200 : 404, int(600, 1_800));
      t += int(150, 300);
    }
    for (let k = int(20, 60); k > 0; k--) {
      const at = d0 + int(8, 18) * H + int(0, 3_599) * 1_000;
      const id = `CLM${hex(10).toUpperCase()}`;
      p.claims.push(id);
      call(at, p, 'POST', '/v1/claims', 201, 200, `/v1/claims/${id}`);
      for (let s = int(1, 2); s > 0; s--) call(at + int(10, 600) * 60_000, p, 'GET', `/v1/claims/${id}/status`, 200, int(300, 900));
    }
    for (let r = int(1, 2); r > 0; r--) {
      const id = `ERA${hex(8).toUpperCase()}`;
      p.remits.push(id);
      call(d0 + int(6, 7) * H + int(0, 3_599) * 1_000, p, 'GET', `/v1/remittances/${id}`, 200, int(1, 30) * MiB);
    }
  }
}

// 1. partner-3 walks 1,500 sequential member ids at 14:00.
const walker = partners[3] as Partner;
const WALK = LAST + 14 * H;
for (let k = 0; k < 1_500; k++) call(WALK + k * 300, walker, 'GET', `/v1/members/${4_000_000 + k}/eligibility?dos=2026-10-24`, rnd.next() < 0.3 ? 200 : 404, 900);
// 2. partner-7 reads 60 claims other partners created.
const snoop = partners[7] as Partner;
const CLAIMS = LAST + 10 * H;
partners
  .filter((x) => x !== snoop)
  .flatMap((x) => x.claims.slice(0, 6))
  .slice(0, 60)
  .forEach((c, k) => call(CLAIMS + k * 45_000, snoop, 'GET', `/v1/claims/${c}/status`, 200));
// 3. partner-9 downloads 40 other partners' remittance files in ten minutes.
const taker = partners[9] as Partner;
const REMITS = LAST + 16 * H;
partners
  .filter((x) => x !== taker)
  .flatMap((x) => x.remits)
  .slice(0, 40)
  .forEach((r, k) => call(REMITS + k * 15_000, taker, 'GET', `/v1/remittances/${r}`, 200, int(1, 30) * MiB));

const replayed = replayBeforeAll('clearinghouse', { key: 'e5'.repeat(32), lines });
const iso = (t: number) => new Date(t).toISOString();
const nightly = () => replayed.alerts.filter((a) => a.route === ELIGIBILITY);

describe('a clearinghouse for billing partners behind Kong key-auth, end to end', () => {
  it('compares partners as peers: the claims and the remittance files taken are caught, routine files are not', () => {
    const rest = replayed.alerts.filter((a) => a.route !== ELIGIBILITY);
    const keyOf = (p: Partner) => replayed.alerts.find((a) => a.app === p.name)?.principal;
    expect(rest.map((a) => [a.detector, a.app, a.route, a.evidence.pattern]).sort()).toEqual(
      [
        ['bola/foreign-object', 'partner-7', '/v1/claims/{id}/status', 'foreign_object_access'],
        ['bola/enumeration', 'partner-7', '/v1/claims/{id}/status', 'sustained_distinct_ids'],
        ['data-exfiltration', 'partner-9', '/v1/remittances/{id}', 'volume_spike'],
        // Its next window, still holding the files, alerts on the claim status it reads then.
        ['data-exfiltration', 'partner-9', '/v1/claims/{id}/status', 'volume_spike'],
        ['bola/enumeration', 'partner-9', '/v1/remittances/{id}', 'sustained_distinct_ids'],
      ].sort(),
    );
    expect(keyOf(snoop)).toMatch(/^key:fp_[0-9a-f]{16}$/);
    const claims = rest.find((a) => a.detector === 'bola/foreign-object') as Alert;
    expect(claims).toMatchObject({ firstSeen: iso(CLAIMS), count: 60 });
    expect(claims.summary).toMatch(/^key:fp_[0-9a-f]{16} read claims tok_[0-9a-f]+, which key:fp_[0-9a-f]{16} created, and the API answered 200$/);
  });

  it('raises nothing on the partners’ nightly batches: each is learned on the partner’s first day', () => {
    // Until 2026-12-01 each batch alerted on its first night or two (twelve alerts), until a batch
    // came about a day after the one before; a machine credential's first day now learns its volume.
    expect(nightly().map((a) => a.app)).toEqual([walker.name]);
  });

  it('raises 6 alerts in all: five on the two partners taking others’ data, one on the walk', () => {
    expect(replayed.alerts).toHaveLength(6);
  });

  it('sees the walk: the walker’s one alert begins at the walk', () => {
    const a = nightly().find((x) => x.app === walker.name) as Alert;
    expect(a.firstSeen >= iso(WALK)).toBe(true);
    expect(a.lastSeen < iso(WALK + 1_500 * 300)).toBe(true);
    // Seven in ten walked ids are no member (404): its last findings are failure probing.
    expect(a.evidence.pattern).toBe('failure_probing');
  });
});

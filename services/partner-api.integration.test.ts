import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { createRandom, nginxRecord } from '../scripts/traffic.js';
import { replayBeforeAll, type TimedLine } from './test-support/vigil-replay.js';

/**
 * A pharmacy partner API behind nginx (the project's `vigil_json` log format), three days of it
 * through the real `vigil` binary. The partners are pharmacy systems identified only by an API key
 * (no JWT, no gateway consumer), each from its own address: every minute or two they poll for new
 * orders, create orders (201 + Location), read and update their own. On the last day four
 * partners abuse it: one reads orders other partners created, one calls the admin API, one key is
 * used from dozens of networks at once, one pulls every order in pages of 1,000. The other eight
 * must raise nothing. No bearer token appears anywhere: identity, ownership and baselines all hang
 * on the keys' fingerprints.
 */
const T0 = Date.UTC(2026, 9, 12);
const H = 3_600_000;
const DAY = 24 * H;
const DAYS = 3;
const LAST = T0 + (DAYS - 1) * DAY;
const { next: rnd, int, pick, hex } = createRandom(20261012);

interface Partner {
  key: string;
  ip: string;
  ua: string;
  orders: string[];
}

const partners: Partner[] = Array.from({ length: 12 }, () => ({
  key: `pk_live_${hex(32)}`,
  ip: `203.0.${int(100, 199)}.${int(2, 250)}`,
  ua: pick(['RxConnect/4.0', 'PharmaSync/2.2 (.NET 8)', 'okhttp/4.12.0']),
  orders: [],
}));

const lines: TimedLine[] = [];
// The fields of a line nobody varies (request ids, timings) come from a generator of their own, so
// the traffic itself stays the same whatever a record draws.
const filler = createRandom(1);
function call(t: number, p: Partner, method: string, uri: string, status: number, bytes: number, extra: { location?: string; ip?: string } = {}): void {
  const headers = { 'x-api-key': p.key, 'user-agent': p.ua, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) };
  const responseHeaders = { 'content-type': 'application/json', ...(extra.location === undefined ? {} : { location: extra.location }) };
  const record = nginxRecord({ at: t, method, uri, status, clientIp: extra.ip ?? p.ip, headers, responseHeaders, responseBytes: bytes }, filler);
  lines.push({ t, line: JSON.stringify(record) });
}

for (let day = 0; day < DAYS; day++) {
  for (const p of partners) {
    const close = T0 + day * DAY + 18 * H;
    for (let t = T0 + day * DAY + 8 * H + int(0, 59) * 1000; t < close; t += int(60, 120) * 1000) {
      call(t, p, 'GET', '/partner/v1/orders?status=new&limit=50', 200, int(200, 3000));
      if (rnd() < 0.25) {
        const id = `ord_${hex(12)}`;
        p.orders.push(id);
        call(t + 2000, p, 'POST', '/partner/v1/orders', 201, 300, { location: `/partner/v1/orders/${id}` });
      }
      if (rnd() < 0.3 && p.orders.length > 0) {
        const order = pick(p.orders.slice(-30));
        call(t + 4000, p, 'GET', `/partner/v1/orders/${order}`, 200, 1500);
        if (rnd() < 0.5) call(t + 6000, p, 'PATCH', `/partner/v1/orders/${order}`, 200, 400);
      }
    }
  }
}

const [, , , snoop, admin, leaked, bulk] = partners as [Partner, Partner, Partner, Partner, Partner, Partner, Partner];
// 1. Partner 3 reads 18 orders three other partners created.
const theirOrders = partners.slice(8, 11).flatMap((p) => p.orders.slice(0, 6));
const SNOOP = LAST + 11 * H + 30_000;
theirOrders.forEach((o, k) => call(SNOOP + k * 45_000, snoop, 'GET', `/partner/v1/orders/${o}`, 200, 1500));
// 2. Partner 4 lists the partners, reads one's keys and deletes it, through the admin API.
const ADMIN = LAST + 13 * H + 10_000;
call(ADMIN, admin, 'GET', '/partner/v1/admin/partners', 200, 5000);
call(ADMIN + 30_000, admin, 'GET', '/partner/v1/admin/partners/pharm-9/keys', 200, 800);
call(ADMIN + 60_000, admin, 'DELETE', '/partner/v1/admin/partners/pharm-9', 204, 0);
// 3. Partner 5's key, leaked, polls from 40 addresses in 40 networks within eight minutes.
const LEAK = LAST + 15 * H + 20_000;
for (let k = 0; k < 40; k++) call(LEAK + k * 12_000, leaked, 'GET', '/partner/v1/orders?status=new&limit=50', 200, 1500, { ip: `${int(1, 223)}.${int(0, 255)}.${k}.${int(1, 254)}` });
// 4. Partner 6 pulls every order there is, 1,000 at a time (2.5 MB a page).
const BULK = LAST + 16 * H + 5000;
for (let k = 0; k < 30; k++) call(BULK + k * 20_000, bulk, 'GET', `/partner/v1/orders?status=all&limit=1000&offset=${k * 1000}`, 200, 2_500_000);

const replayed = replayBeforeAll('partner-api', { key: '5e'.repeat(32), lines, format: 'nginx' });

/** The principal Vigil names a partner by: its key's fingerprint, read from an alert that names it alone. */
function principalOf(detector: string, route: string): string {
  const a = replayed.alerts.find((x) => x.detector === detector && x.route === route);
  expect(a?.principal).toMatch(/^key:fp_[0-9a-f]{16}$/);
  return a?.principal ?? '';
}

describe('a partner API behind nginx, identified by API keys, end to end', () => {
  it('raises exactly the alerts of the four abusers, one principal each, and none on the other eight', () => {
    const snooper = principalOf('bola/foreign-object', '/partner/v1/orders/{id}');
    const adminUser = principalOf('bfla', '/partner/v1/admin/partners/{id}');
    const leakedKey = principalOf('token-misuse', '/partner/v1/orders');
    const puller = principalOf('data-exfiltration', '/partner/v1/orders');
    expect(new Set([snooper, adminUser, leakedKey, puller]).size).toBe(4);
    expect(replayed.alerts.map((a) => [a.detector, a.principal, a.route]).sort()).toEqual(
      [
        ['bola/foreign-object', snooper, '/partner/v1/orders/{id}'],
        ['bfla', adminUser, '/partner/v1/admin/partners'],
        ['bfla', adminUser, '/partner/v1/admin/partners/{id}'],
        ['bfla', adminUser, '/partner/v1/admin/partners/{id}/keys'],
        ['token-misuse', leakedKey, '/partner/v1/orders'],
        ['data-exfiltration', puller, '/partner/v1/orders'],
        ['scraping', puller, '/partner/v1/orders'],
      ].sort(),
    );
    // Each abuser is named from its own address (the leaked key from many).
    expect(replayed.alerts.find((a) => a.principal === snooper)?.sourceIps).toEqual([snoop.ip]);
    expect(replayed.alerts.find((a) => a.principal === adminUser)?.sourceIps).toEqual([admin.ip]);
    expect(replayed.alerts.find((a) => a.principal === puller && a.detector === 'data-exfiltration')?.sourceIps).toEqual([bulk.ip]);
  });

  it('counts every foreign order read, and names the partner that created it', () => {
    const a = replayed.alerts.find((x) => x.detector === 'bola/foreign-object') as Alert;
    expect(a).toMatchObject({ severity: 'high', firstSeen: new Date(SNOOP).toISOString(), lastSeen: new Date(SNOOP + 17 * 45_000).toISOString(), count: theirOrders.length });
    expect(a.summary).toMatch(/^key:fp_[0-9a-f]{16} read orders tok_[0-9a-f]+, which key:fp_[0-9a-f]{16} created, and the API answered 200$/);
  });

  it('names the privileged deletion as a privileged function its cohort never used', () => {
    const a = replayed.alerts.find((x) => x.detector === 'bfla' && x.route === '/partner/v1/admin/partners/{id}') as Alert;
    expect(a.severity).toBe('high');
    expect(a.summary).toContain('used the privileged function DELETE /partner/v1/admin/partners/{id} (admin_path, answered 204)');
  });

  it('keeps the API keys and order ids out of the alerts', () => {
    for (const p of partners) {
      expect(replayed.alertsJson).not.toContain(p.key);
      for (const o of p.orders) expect(replayed.alertsJson).not.toContain(o);
    }
  });
});

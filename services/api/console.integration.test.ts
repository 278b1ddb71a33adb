import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, NormalizedEvent } from '../../libs/contracts/index.js';
import { deliveryId } from '../../libs/store/deliveries.js';
import { makeAlert, makeEvent } from '../../libs/store/test-support/fixtures.js';
import { startHarness, type Harness } from './test-support/harness.js';

/** The data the console pages need beyond the older API, and the static console itself. */
let h: Harness;
const consoleDir = mkdtempSync(join(tmpdir(), 'vigil-console-'));
const INDEX = '<!doctype html><title>Vigil</title><script type="module" src="/console/assets/app-abc123.js"></script>';

beforeAll(async () => {
  mkdirSync(join(consoleDir, 'assets'));
  writeFileSync(join(consoleDir, 'index.html'), INDEX);
  writeFileSync(join(consoleDir, 'assets', 'app-abc123.js'), 'console.log("vigil");\n');
  h = await startHarness('console', { consoleDir, consoleConnectSrc: ['https://idp.example.org'] });
});

afterAll(async () => {
  await h.close();
  rmSync(consoleDir, { recursive: true, force: true });
});

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** Events expire after the test store's 30-day retention (TTL at insert): days are counted back from today. */
const TODAY = Math.floor(Date.now() / DAY) * DAY;

function event(n: number, principal: string, ts: number, objects: number, status = 200): NormalizedEvent {
  const base = makeEvent(n);
  return {
    ...base,
    eventId: `ev-console-${n}`,
    ts,
    status,
    principal: { ...base.principal, id: principal },
    objects: Array.from({ length: objects }, (_, i) => ({ type: 'Patient', id: `tok_${n}_${i}`, via: 'path', created: false })),
  };
}

describe('POST /v1/alerts/bulk', () => {
  it('triages each alert through the alert manager: new versions, false-positive rules, unknown ids listed', async () => {
    await h.store.upsertAlerts([makeAlert('bulk-1', { principal: 'user:b1' }), makeAlert('bulk-2', { principal: 'user:b2' })]);
    await h.alerts.load();
    const res = await h.call('/v1/alerts/bulk', { as: 'analyst', method: 'POST', json: { ids: ['bulk-1', 'nope', 'bulk-2', 'bulk-1'], status: 'false_positive', note: 'bulk fp' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { updated: Alert[]; notFound: string[] };
    expect(body).toEqual({ updated: [await h.store.getAlert('bulk-1'), await h.store.getAlert('bulk-2')], notFound: ['nope'] });
    expect(body.updated.map((a) => [a.id, a.version, a.status, a.note])).toEqual([
      ['bulk-1', 2, 'false_positive', 'bulk fp'],
      ['bulk-2', 2, 'false_positive', 'bulk fp'],
    ]);
    const rules = (await (await h.call('/v1/suppressions', { as: 'analyst' })).json()) as { suppressions: { principal: string; source: string }[] };
    expect(rules.suppressions.filter((s) => s.source === 'false_positive').map((s) => s.principal).sort()).toEqual(['user:b1', 'user:b2']);
  });

  it('refuses viewers, empty lists and more than 500 ids', async () => {
    expect((await h.call('/v1/alerts/bulk', { as: 'viewer', method: 'POST', json: { ids: ['bulk-1'], status: 'open' } })).status).toBe(403);
    expect((await h.call('/v1/alerts/bulk', { as: 'analyst', method: 'POST', json: { ids: [], status: 'open' } })).status).toBe(400);
    const many = Array.from({ length: 501 }, (_, i) => `a${i}`);
    expect((await h.call('/v1/alerts/bulk', { as: 'analyst', method: 'POST', json: { ids: many, status: 'open' } })).status).toBe(400);
  });
});

describe('GET /v1/alerts filters and sorting', () => {
  it('filters by OWASP category and sorts by severity or count in both directions, paging with the cursor', async () => {
    const at = (m: number) => iso(Date.parse('2026-02-01T00:00:00.000Z') + m * 60_000);
    await h.store.upsertAlerts([
      makeAlert('srt-1', { owasp: 'API4:2023', severity: 'low', count: 9, lastSeen: at(1) }),
      makeAlert('srt-2', { owasp: 'API4:2023', severity: 'critical', count: 1, lastSeen: at(2) }),
      makeAlert('srt-3', { owasp: 'API4:2023', severity: 'medium', count: 5, lastSeen: at(3) }),
      makeAlert('srt-4', { owasp: 'API4:2023', severity: 'critical', count: 5, lastSeen: at(4) }),
    ]);
    const ids = async (q: string): Promise<string[]> => ((await (await h.call(`/v1/alerts?owasp=API4:2023&${q}`, { as: 'viewer' })).json()) as { alerts: Alert[] }).alerts.map((a) => a.id);
    expect(await ids('')).toEqual(['srt-4', 'srt-3', 'srt-2', 'srt-1']);
    expect(await ids('sort=severity')).toEqual(['srt-4', 'srt-2', 'srt-3', 'srt-1']);
    expect(await ids('sort=severity&order=asc')).toEqual(['srt-1', 'srt-3', 'srt-2', 'srt-4']);
    expect(await ids('sort=count&order=desc')).toEqual(['srt-1', 'srt-4', 'srt-3', 'srt-2']);
    expect(await ids('sort=lastSeen&order=asc')).toEqual(['srt-1', 'srt-2', 'srt-3', 'srt-4']);

    const first = (await (await h.call('/v1/alerts?owasp=API4:2023&sort=count&limit=2', { as: 'viewer' })).json()) as { alerts: Alert[]; nextCursor: string };
    const next = (await (await h.call(`/v1/alerts?owasp=API4:2023&sort=count&limit=2&cursor=${first.nextCursor}`, { as: 'viewer' })).json()) as { alerts: Alert[]; nextCursor?: string };
    expect([first.alerts.map((a) => a.id), next.alerts.map((a) => a.id), next.nextCursor]).toEqual([['srt-1', 'srt-4'], ['srt-3', 'srt-2'], undefined]);
    const mixed = await h.call(`/v1/alerts?owasp=API4:2023&sort=severity&cursor=${first.nextCursor}`, { as: 'viewer' });
    expect([mixed.status, await mixed.json()]).toEqual([400, { error: { code: 'bad_request', message: 'invalid cursor: it belongs to another sort or order' } }]);
    expect((await h.call('/v1/alerts?owasp=API11:2023', { as: 'viewer' })).status).toBe(400);
    expect((await h.call('/v1/alerts?sort=principal', { as: 'viewer' })).status).toBe(400);
  });
});

describe('GET /v1/alerts/{id}/activity', () => {
  it('gives the principal’s per-minute series around the alert and the band from the same minute of the 7 days before', async () => {
    const t0 = TODAY - 2 * DAY + 12 * 3600_000;
    const events: NormalizedEvent[] = [event(1, 'user:act', t0 - 2 * 3600_000, 1)];
    // 40 distinct patients in the alert's first minute, two of them refused.
    for (let i = 0; i < 40; i++) events.push(event(100 + i, 'user:act', t0 + i * 1000, 1, i < 2 ? 404 : 200));
    // History at 12:00 on day d before: d events, one distinct object each (mean 4, sd 2); day 8 is too old.
    for (let d = 1; d <= 8; d++) for (let i = 0; i < (d === 8 ? 100 : d); i++) events.push(event(1000 + d * 100 + i, 'user:act', t0 - d * DAY + i * 100, 1));
    // Someone else at the same time counts for nobody here.
    events.push(event(5000, 'user:other', t0 + 5000, 3));
    await h.store.insertEvents(events);
    await h.store.upsertAlerts([makeAlert('act-1', { detector: 'bola/enumeration', principal: 'user:act', firstSeen: iso(t0), lastSeen: iso(t0 + 3600_000) })]);

    const res = await h.call('/v1/alerts/act-1/activity', { as: 'analyst' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { alert: Alert; bucketSeconds: number; metric: string; series: unknown[]; baseline: unknown[] };
    expect([body.alert.id, body.bucketSeconds, body.metric, body.series.length, body.baseline.length]).toEqual(['act-1', 60, 'distinctObjects', 210, 210]);
    const minute = (m: number) => iso(t0 + m * 60_000);
    expect(body.series[0]).toEqual({ t: minute(-120), events: 1, distinctObjects: 1, errors: 0 });
    expect(body.series[1]).toEqual({ t: minute(-119), events: 0, distinctObjects: 0, errors: 0 });
    expect(body.series[120]).toEqual({ t: minute(0), events: 40, distinctObjects: 40, errors: 2 });
    expect(body.series[209]).toEqual({ t: minute(89), events: 0, distinctObjects: 0, errors: 0 });
    expect(body.baseline[120]).toEqual({ t: minute(0), low: 0, high: 8, mean: 4 });
    expect(body.baseline[0]).toEqual({ t: minute(-120), low: 0, high: 0, mean: 0 });
  });

  it('answers 404 for an unknown alert and 403 for a viewer', async () => {
    expect((await h.call('/v1/alerts/nope/activity', { as: 'analyst' })).status).toBe(404);
    expect((await h.call('/v1/alerts/act-1/activity', { as: 'viewer' })).status).toBe(403);
  });
});

describe('GET /v1/overview', () => {
  it('sums alerts by detector, ranks principals, rates ingest and counts deliveries in the window', async () => {
    const day = TODAY - DAY;
    const at = (h_: number, m: number) => iso(day + h_ * 3600_000 + m * 60_000);
    await h.store.upsertAlerts([
      makeAlert('ov-1', { detector: 'rate', principal: 'user:a', severity: 'low', firstSeen: at(1, 2), lastSeen: at(1, 5) }),
      makeAlert('ov-2', { detector: 'rate', principal: 'user:a', severity: 'high', firstSeen: at(1, 7), lastSeen: at(3, 0) }),
      makeAlert('ov-3', { detector: 'scraping', principal: 'user:b', severity: 'critical', firstSeen: at(5, 0), lastSeen: at(5, 10) }),
      makeAlert('ov-4', { detector: 'rate', principal: 'user:c', severity: 'critical', firstSeen: at(-14, 0), lastSeen: at(-13, 0) }),
      makeAlert('ov-5', { detector: 'bfla', principal: 'user:b', severity: 'medium', firstSeen: at(-1, 0), lastSeen: at(0, 30) }),
    ]);
    await h.store.insertEvents(Array.from({ length: 30 }, (_, i) => event(9000 + i, 'user:a', day + 2 * 3600_000 + i * 20_000, 0)));
    const made = await h.call('/v1/destinations', { method: 'POST', json: { name: 'soc-siem', type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'overview-secret-0123456789', allowPrivateNetwork: true } });
    const dest = ((await made.json()) as { id: string }).id;
    const alerts = ['ov-1', 'ov-2', 'ov-3', 'ov-5'].map((id) => makeAlert(id));
    await h.store.enqueueDeliveries(alerts.map((alert) => ({ destinationId: dest, alert })), at(0, 0));
    const [d1, d2] = await Promise.all(alerts.slice(0, 2).map((a) => h.store.getDelivery(deliveryId(dest, a.id, a.version))));
    if (!d1 || !d2) throw new Error('deliveries not stored');
    await h.store.saveDelivery({ ...d1, rev: d1.rev + 1, status: 'delivered', updatedAt: at(6, 0) });
    await h.store.saveDelivery({ ...d2, rev: d2.rev + 1, status: 'failed', updatedAt: at(6, 0) });

    const before = Date.now();
    const res = await h.call(`/v1/overview?since=${at(0, 0)}&until=${at(24, 0)}`, { as: 'viewer' });
    const after = Date.now();
    expect(res.status).toBe(200);
    const o = (await res.json()) as {
      alertsOverTime: { t: string; detector: string; count: number }[];
      bucketSeconds: number;
      topPrincipals: unknown[];
      ingest: { eventsPerMinute: { t: string; events: number }[]; lagSeconds: number | null; lagMessages: number | null; lastEventAt: string | null };
      delivery: { oldestPendingSeconds: number }[];
    };
    expect(o.bucketSeconds).toBe(600);
    expect(o.alertsOverTime).toHaveLength(144 * 2);
    expect(o.alertsOverTime.filter((r) => r.count > 0)).toEqual([
      { t: at(1, 0), detector: 'rate', count: 2 },
      { t: at(5, 0), detector: 'scraping', count: 1 },
    ]);
    expect(o.topPrincipals).toEqual([
      { principal: 'user:b', alerts: 2, maxSeverity: 'critical' },
      { principal: 'user:a', alerts: 2, maxSeverity: 'high' },
    ]);
    expect(o.ingest.eventsPerMinute).toHaveLength(144);
    expect(o.ingest.eventsPerMinute.filter((p) => p.events > 0)).toEqual([{ t: at(2, 0), events: 3 }]);
    expect([o.ingest.lagSeconds, o.ingest.lagMessages, o.ingest.lastEventAt]).toEqual([null, null, iso(day + 2 * 3600_000 + 29 * 20_000)]);
    const oldest = o.delivery[0]?.oldestPendingSeconds ?? -1;
    expect(o.delivery).toEqual([{ destinationId: dest, name: 'soc-siem', type: 'webhook', pending: 2, failed: 1, delivered: 1, oldestPendingSeconds: oldest }]);
    expect(oldest).toBeGreaterThanOrEqual(Math.floor((before - day) / 1000) - 1);
    expect(oldest).toBeLessThanOrEqual(Math.ceil((after - day) / 1000));
  });

  it('refuses a window that ends before it starts or lies outside 1970-2200', async () => {
    const res = await h.call('/v1/overview?since=2026-04-21T00:00:00Z&until=2026-04-20T00:00:00Z', { as: 'viewer' });
    expect([res.status, await res.json()]).toEqual([400, { error: { code: 'bad_request', message: 'since must be before until, at most 366 days apart' } }]);
    const ancient = await h.call('/v1/overview?since=0001-01-01T00:00:00Z&until=0001-06-01T00:00:00Z', { as: 'viewer' });
    expect([ancient.status, await ancient.json()]).toEqual([400, { error: { code: 'bad_request', message: 'since and until must lie between 1970 and 2200' } }]);
  });
});

describe('the console’s static files', () => {
  const CSP =
    "default-src 'none';script-src 'self';style-src 'self';img-src 'self' data:;font-src 'self';connect-src 'self' https://idp.example.org;base-uri 'none';form-action 'self';frame-ancestors 'none'";

  it('serves index.html at /console/ without credentials, under the console CSP', async () => {
    const res = await fetch(`${h.base}/console/`);
    expect([res.status, res.headers.get('content-type'), res.headers.get('content-security-policy'), res.headers.get('cache-control'), await res.text()]).toEqual([
      200,
      'text/html; charset=utf-8',
      CSP,
      'no-cache',
      INDEX,
    ]);
  });

  it('serves assets with a long cache, index.html for client routes, and 404 for a missing asset', async () => {
    const js = await fetch(`${h.base}/console/assets/app-abc123.js`);
    expect([js.status, js.headers.get('cache-control'), js.headers.get('content-security-policy'), await js.text()]).toEqual([200, 'public, max-age=31536000, immutable', CSP, 'console.log("vigil");\n']);
    const route = await fetch(`${h.base}/console/alerts/alr_0123?tab=evidence`);
    expect([route.status, route.headers.get('content-security-policy'), await route.text()]).toEqual([200, CSP, INDEX]);
    expect((await fetch(`${h.base}/console/assets/gone-999.js`)).status).toBe(404);
  });

  it('redirects / and /console to /console/', async () => {
    const root = await fetch(`${h.base}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/console/']);
    const bare = await fetch(`${h.base}/console`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([301, '/console/']);
  });

  it('keeps the API’s own strict CSP on /v1', async () => {
    const res = await h.call('/v1/alerts', { as: 'viewer' });
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'");
  });

  it('answers 503 with a clear message when the console is not built', async () => {
    renameSync(join(consoleDir, 'index.html'), join(consoleDir, 'index.html.off'));
    try {
      const res = await fetch(`${h.base}/console/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('The Vigil console is not built');
    } finally {
      renameSync(join(consoleDir, 'index.html.off'), join(consoleDir, 'index.html'));
    }
  });
});

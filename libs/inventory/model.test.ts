import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../contracts/index.js';
import { createInventoryModel } from './model.js';
import { decodeRouteState, encodeRouteState } from './route-state.js';
import { parseSpec } from './spec.js';

const T0 = Date.UTC(2026, 2, 3, 10);
const DAY = 86_400_000;
const cfg = { staleDays: 30, principalCap: 3, hourlyBuckets: 48, alerts: true };

let n = 0;
function ev(over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  n++;
  return {
    eventId: `ev-${n}`, ts: T0, source: 'test', method: 'GET', host: 'api.example.org', service: 'portal', route: '/api/v2/users/{id}',
    pathTokenized: '/api/v2/users/tok', queryKeys: [], status: 200, requestBytes: 100, responseBytes: 1000, latencyMs: 10,
    clientIp: '203.0.113.7', userAgent: 'ua', principal: { id: 'user:alice', kind: 'user', app: 'web', scopes: ['a'], authScheme: 'bearer' }, objects: [],
    ...over,
  };
}

const PORTAL = JSON.stringify({
  openapi: '3.1.0', info: { title: 'Portal', version: '2' }, servers: [{ url: '/api' }],
  paths: {
    '/v1/users/{id}': { get: { deprecated: true } },
    '/v2/users/{id}': { get: { parameters: [{ name: 'fields', in: 'query' }] } },
  },
});

const kinds = (fs: { detector: string }[]) => fs.map((f) => f.detector);

describe('inventory model', () => {
  it('without a spec, nothing is shadow or undocumented, and the route is counted', () => {
    const m = createInventoryModel(cfg);
    expect(m.observe(ev({ queryKeys: ['debug'] }))).toEqual([]);
    const [s] = [...m.routes()];
    expect(s && m.entry(s)).toMatchObject({ service: 'portal', template: '/api/v2/users/{id}', methods: ['GET'], shadow: false, specKnown: false, requests: 1, undocumentedParams: [] });
  });

  it('raises a shadow alert once per route for traffic no spec declares, naming the undeclared method', () => {
    const m = createInventoryModel(cfg);
    m.setSpec(parseSpec('portal', PORTAL));
    const first = m.observe(ev({ method: 'DELETE' }));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ detector: 'inventory/shadow-route', owasp: 'API9:2023', principal: 'service:portal', route: '/api/v2/users/{id}', evidence: { undeclaredMethods: ['DELETE'], declaredPath: '/api/v2/users/{id}' } });
    expect(m.observe(ev({ method: 'DELETE' }))).toEqual([]);
    expect(kinds(m.observe(ev({ route: '/api/internal/debug' })))).toEqual(['inventory/shadow-route']);
  });

  it('judges a route again when a method or a parameter name first appears on it, after judging it without', () => {
    const m = createInventoryModel(cfg);
    m.setSpec(parseSpec('portal', PORTAL));
    expect(m.observe(ev())).toEqual([]);
    expect(m.observe(ev({ queryKeys: ['fields'] }))).toEqual([]);
    const [s] = [...m.routes()];
    expect(s && m.judge(s).undeclaredMethods).toEqual([]);
    expect(kinds(m.observe(ev({ method: 'PATCH' })))).toEqual(['inventory/shadow-route']);
    expect(s && m.judge(s).undeclaredMethods).toEqual(['PATCH']);
    expect(kinds(m.observe(ev({ queryKeys: ['fields', 'debug'] })))).toEqual(['inventory/undocumented-param']);
  });

  it('reports each undocumented query parameter once', () => {
    const m = createInventoryModel(cfg);
    m.setSpec(parseSpec('portal', PORTAL));
    expect(m.observe(ev({ queryKeys: ['fields'] }))).toEqual([]);
    const f = m.observe(ev({ queryKeys: ['debug', 'fields'] }));
    expect(f.map((x) => [x.detector, x.evidence.params])).toEqual([['inventory/undocumented-param', ['debug']]]);
    expect(m.observe(ev({ queryKeys: ['debug'] }))).toEqual([]);
  });

  it('calls a deprecated operation and an older version beside a newer one zombies', () => {
    const m = createInventoryModel(cfg);
    m.setSpec(parseSpec('portal', PORTAL));
    const f = m.observe(ev({ route: '/api/v1/users/{id}' }));
    expect(f.map((x) => [x.detector, x.evidence.reasons])).toEqual([['inventory/zombie-route', ['deprecated', 'old-version']]]);
    const noSpec = createInventoryModel(cfg);
    expect(noSpec.observe(ev({ route: '/orders/v1/{id}' }))).toEqual([]);
    expect(noSpec.observe(ev({ route: '/orders/v2/{id}' }))).toEqual([]);
    expect(noSpec.observe(ev({ route: '/orders/v1/{id}' })).map((x) => x.evidence.reasons)).toEqual([['old-version']]);
  });

  it('calls a route silent for staleDays a zombie, and raises an alert when it receives traffic again', () => {
    const m = createInventoryModel(cfg);
    m.observe(ev({ route: '/legacy/export' }));
    m.observe(ev({ route: '/api/v2/users/{id}', ts: T0 + 31 * DAY }));
    const legacy = [...m.routes()].find((s) => s.template === '/legacy/export');
    expect(legacy && m.entry(legacy).zombieReasons).toEqual(['stale']);
    const f = m.observe(ev({ route: '/legacy/export', ts: T0 + 31 * DAY + 1 }));
    expect(f.map((x) => [x.detector, x.evidence.reasons, x.evidence.silentDays])).toEqual([['inventory/zombie-route', ['stale'], 31]]);
  });

  it('raises API2 for a 2xx without credential on a clinical FHIR route or one that returned PHI, not on /metadata', () => {
    const m = createInventoryModel(cfg);
    const anon = { id: 'ip:203.0.113.7', kind: 'ip' as const, scopes: [], authScheme: 'none' as const };
    expect(m.observe(ev({ service: 'fhir', route: '/fhir/metadata', principal: anon }))).toEqual([]);
    expect(m.observe(ev({ service: 'fhir', route: '/fhir/Patient/{id}', principal: anon, status: 401 }))).toEqual([]);
    const f = m.observe(ev({ service: 'fhir', route: '/fhir/Patient/{id}', principal: anon }));
    expect(f.map((x) => [x.detector, x.owasp, x.severity])).toEqual([['inventory/unauthenticated-data', 'API2:2023', 'high']]);
    const phi = { categories: ['name' as const], resourceTypes: [], in: ['response' as const] };
    expect(kinds(m.observe(ev({ service: 'portal', route: '/api/profile', principal: anon, phi })))).toEqual(['inventory/unauthenticated-data']);
    const entries = [...m.routes()].map((s) => m.entry(s));
    expect(entries.map((e) => [e.template, e.unauthenticated, e.returnsPhi])).toEqual([
      ['/fhir/metadata', true, false], ['/fhir/Patient/{id}', true, false], ['/api/profile', true, true],
    ]);
  });

  it('counts principals exactly up to the cap, then estimates, and keeps auth schemes, statuses and cohorts', () => {
    const m = createInventoryModel(cfg);
    for (let i = 0; i < 5; i++) m.observe(ev({ principal: { id: `user:u${i}`, kind: 'user', app: 'web', scopes: ['b', 'a'], authScheme: i === 4 ? 'apikey' : 'bearer' }, status: i === 0 ? 404 : 200 }));
    const [s] = [...m.routes()];
    const e = s && m.entry(s);
    expect(e?.principals).toEqual({ count: 5, exact: false });
    expect(e?.apps).toEqual({ count: 1, exact: true });
    expect(e?.authSchemes).toEqual({ bearer: 4, apikey: 1 });
    expect(e?.statusMix).toEqual({ '2xx': 4, '4xx': 1 });
    expect(e?.statuses).toEqual({ GET: { '200': 4, '404': 1 } });
    expect(e?.cohorts).toEqual(['web|a b']);
    // The same principal with another token's scopes is in another cohort.
    m.observe(ev({ principal: { id: 'user:u1', kind: 'user', app: 'web', scopes: ['c', 'a'], authScheme: 'bearer' } }));
    m.observe(ev({ principal: { id: 'user:u1', kind: 'user', app: 'mobile', scopes: ['c', 'a'], authScheme: 'bearer' } }));
    expect(s && m.entry(s).cohorts).toEqual(['web|a b', 'web|a c', 'mobile|a c']);
  });

  it("takes the cohort from the caller's memo when given one (the detectors' shared memo in services/core.ts)", () => {
    const asked: string[] = [];
    const m = createInventoryModel(cfg, { cohortOf: (p) => (asked.push(p.id), `memo:${p.app ?? '-'}`) });
    m.observe(ev());
    m.observe(ev({ principal: { id: 'user:bob', kind: 'user', scopes: [], authScheme: 'bearer' } }));
    const [s] = [...m.routes()];
    expect(s && m.entry(s).cohorts).toEqual(['memo:web', 'memo:-']);
    expect(asked).toEqual(['user:alice', 'user:bob']);
  });

  it('after a restore, does not count again the events the stored state already counted, nor re-raise its alerts', () => {
    const m = createInventoryModel(cfg);
    m.setSpec(parseSpec('portal', PORTAL));
    const events = [ev({ method: 'DELETE' }), ev({ ts: T0 + 1000 })];
    for (const e of events) m.observe(e);
    const [s] = m.takeDirty();
    const restarted = createInventoryModel(cfg);
    restarted.setSpec(parseSpec('portal', PORTAL));
    restarted.restore([decodeRouteState(encodeRouteState(s as never), cfg.principalCap)]);
    expect(events.flatMap((e) => restarted.observe(e))).toEqual([]);
    const [again] = [...restarted.routes()];
    expect(again?.requests).toBe(2);
    restarted.observe(ev({ ts: T0 + 2000 }));
    expect(again?.requests).toBe(3);
  });

  it('gives the same findings for the same events (replay determinism)', () => {
    const events = [ev({ method: 'DELETE' }), ev({ route: '/api/v1/users/{id}' }), ev({ queryKeys: ['x'] })];
    const run = () => {
      const m = createInventoryModel(cfg);
      m.setSpec(parseSpec('portal', PORTAL));
      return events.flatMap((e) => m.observe(e));
    };
    expect(run()).toEqual(run());
    expect(kinds(run())).toEqual(['inventory/shadow-route', 'inventory/zombie-route', 'inventory/undocumented-param']);
  });
});

import { describe, expect, it } from 'vitest';
import { measureHeapPerItem } from '../../libs/baseline/index.js';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { event, principal } from '../test-support/events.js';
import { DEFAULTS, createRateDetector, type RateState } from './index.js';
import { routeRate } from './profile.js';

const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const MIN = 60_000;
const ROUTE = '/fhir/Observation';

function as(id: string, app = 'app:portal', scopes = ['user/*.read']) {
  return principal(id, app, scopes);
}

/** `perMinute` requests in each of `minutes` minutes from `start`, evenly spread over 50 s. */
function steady(id: string, start: number, minutes: number, perMinute: (m: number) => number, route = ROUTE): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let m = 0; m < minutes; m++) {
    const n = perMinute(m);
    for (let i = 0; i < n; i++) out.push(event({ ts: start + m * MIN + Math.floor((i * 50_000) / n), route, principal: as(id) }));
  }
  return out;
}

function burst(id: string, start: number, count: number, gapMs: number, route = ROUTE): NormalizedEvent[] {
  return Array.from({ length: count }, (_, i) => event({ ts: start + i * gapMs, route, principal: as(id) }));
}

function run(events: NormalizedEvent[], state?: RateState): { findings: Finding[]; state: RateState } {
  const d = createRateDetector();
  const s = state ?? d.createState();
  return { findings: events.flatMap((e) => d.detect(e, s)), state: s };
}

describe('rate', () => {
  it('counts no request from before the previous window: a shipper re-sending an hour of lines raises nothing', () => {
    const history = steady('user:alice', T0, 120, () => 5);
    // After a crash the log shipper sends the last hour again (at least once delivery): lines of
    // minutes 60-117 arrive within seconds, then traffic goes on as before. (Lines of the last two
    // minutes would still be counted: within a window, a late line is a slow request's.)
    const resent = history.slice(-300, -10);
    const after = steady('user:alice', T0 + 120 * MIN, 10, () => 5);
    const { findings, state } = run([...history, ...resent, ...after]);
    expect(findings).toEqual([]);
    // And the baseline learned from the windows that followed as if the lines had come once.
    const once = run([...history, ...after]).state;
    const slot = (s: RateState) => {
      const p = s.principals.get('user:alice');
      return p === undefined ? undefined : routeRate(p, ROUTE);
    };
    expect(slot(once)).toBeDefined();
    expect(slot(state)).toEqual(slot(once));
  });

  it('flags a request burst far above the principal’s own per-minute baseline, once per window', () => {
    const history = steady('user:alice', T0, 120, () => 5);
    const start = T0 + 122 * MIN; // a quiet minute between, so the window holds the burst only
    const { findings, state } = run([...history, ...burst('user:alice', start, 100, 500)]);
    expect(findings).toHaveLength(1);
    const f = findings[0] as Finding;
    expect(f).toMatchObject({ detector: 'rate', owasp: 'API4:2023', severity: 'medium', principal: 'user:alice', app: 'app:portal', route: ROUTE });
    // threshold = max(30, 5 x 5, 5 + 6 x sqrt(5)) = 30: the 31st request crosses it.
    expect(f.ts).toBe(start + 30 * 500);
    expect(f.evidence).toEqual({
      pattern: 'rate_spike',
      confidence: 0.8,
      observedPerWindow: 31,
      windowSeconds: 60,
      baseline: 'principal',
      baselineScope: 'route',
      baselineMean: 5,
      baselineSd: 0,
      baselineWindows: 120,
      peak: 7.5,
      threshold: 30,
      method: 'GET',
    });
    expect(f.summary).toBe('user:alice made 31 requests to /fhir/Observation within 60s; its own baseline on this route is 5 (threshold 30)');
    // The alerted minute is not learned: the next quiet minute closes the burst without moving the mean.
    run(steady('user:alice', start + 2 * MIN, 1, () => 1), state);
    const alice = state.principals.get('user:alice');
    expect(alice && routeRate(alice, ROUTE)?.rate.mean).toBe(5);
  });

  it('does not flag a busy principal whose minutes swing widely, even at three times its mean', () => {
    const history = steady('svc:sync', T0, 120, (m) => (m % 2 === 0 ? 20 : 40));
    const busy = steady('svc:sync', T0 + 121 * MIN, 1, () => 90);
    expect(run([...history, ...busy]).findings).toEqual([]);
  });

  it('does not flag the hourly sync burst a service always makes', () => {
    // Each hour: three minutes at 150 requests, then a request every ten minutes; for 26 hours.
    const day = Array.from({ length: 26 }, (_, h) => steady('svc:sync', T0 + h * 60 * MIN, 60, (m) => (m < 3 ? 150 : m % 10 === 5 ? 1 : 0)));
    const next = steady('svc:sync', T0 + 26 * 60 * MIN, 3, () => 160);
    expect(run([...day.flat(), ...next]).findings).toEqual([]);
  });

  it('judges a principal still learning against its cohort', () => {
    const cohort = ['user:b', 'user:c', 'user:d'].flatMap((id) => steady(id, T0, 120, () => 4));
    const newcomer = burst('user:eve', T0 + 121 * MIN, 60, 500);
    const { findings } = run([...cohort, ...newcomer].sort((a, b) => a.ts - b.ts));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence).toMatchObject({ baseline: 'cohort', baselineMean: 4, threshold: 30, observedPerWindow: 31 });
  });

  it('judges a route new to principal and cohort against the cohort’s windows on any route', () => {
    const cohort = ['user:b', 'user:c', 'user:d'].flatMap((id) => steady(id, T0, 120, () => 4));
    const newcomer = burst('user:eve', T0 + 121 * MIN, 60, 500, '/api/v1/appointments');
    const { findings } = run([...cohort, ...newcomer].sort((a, b) => a.ts - b.ts));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence).toMatchObject({ baseline: 'cohort', baselineScope: 'any', baselineMean: 4, threshold: 30, confidence: 0.55 });
    expect(findings[0]?.summary).toBe(
      'user:eve made 31 requests to /api/v1/appointments within 60s; its cohort’s baseline on any route is 4 (threshold 30)',
    );
  });

  describe('sustained runs: the floor is a volume, reached in one minute or over consecutive abnormal minutes', () => {
    const APPTS = '/api/v1/appointments';
    /** Three members whose active minutes on the route hold one request: bound max(5 x 1, 1 + 6 x 1) = 7. */
    const cohort = () => ['user:b', 'user:c', 'user:d'].flatMap((id) => steady(id, T0, 120, () => 1, APPTS));
    const START = T0 + 121 * MIN;

    it('flags a script polling one route every 3 s (20 a minute, under the floor) once its run passes the floor', () => {
      const poll = burst('user:eve', START, 200, 3000, APPTS);
      const { findings, state } = run([...cohort(), ...poll].sort((a, b) => a.ts - b.ts));
      // One finding per minute bucket while the run lasts: minutes 1 to 9 of the 10.
      expect(findings.map((f) => f.evidence.pattern)).toEqual(Array.from({ length: 9 }, () => 'rate_sustained'));
      const f = findings[0] as Finding;
      // The run starts at the 8th request (21 s: 8 > 7) and passes 30 requests at the 31st (90 s).
      expect(f.ts).toBe(START + 90_000);
      expect(f.evidence).toEqual({
        pattern: 'rate_sustained',
        confidence: 0.81, // cohort 0.65 + 0.1 x log2(21 / 7)
        observedPerWindow: 21,
        sustainedSeconds: 69,
        sustainedRequests: 31,
        minRequests: 30,
        windowSeconds: 60,
        baseline: 'cohort',
        baselineScope: 'route',
        baselineMean: 1,
        baselineSd: 0,
        baselineWindows: 357, // each member’s last minute is still open
        peak: 0,
        threshold: 7,
        method: 'GET',
      });
      expect(f.summary).toBe('user:eve has sent 31 requests to /api/v1/appointments over 69s, above 7 per 60s all along; its cohort’s baseline on this route is 1');
      // Minutes inside the run are not learned: the cohort's baseline is still one request a minute.
      expect(state.cohorts.get('app:portal|user/*.read')?.profile.routes.get(APPTS)?.mean).toBe(1);
    });

    it('does not flag short bursts above the bound that stop before the floor (an app screen loading)', () => {
      // 12 requests within 11 s, every 10 minutes, for an hour: each run ends at 12 requests.
      const screens = Array.from({ length: 6 }, (_, k) => burst('user:eve', START + k * 10 * MIN, 12, 1000, APPTS)).flat();
      expect(run([...cohort(), ...screens].sort((a, b) => a.ts - b.ts)).findings).toEqual([]);
    });

    it('does not add up minutes that fall back under the bound between them', () => {
      // 20 requests within a minute, six quiet minutes, 20 more: two runs of 20, neither past the floor of 30.
      const twice = [...burst('user:eve', START, 20, 2800, APPTS), ...burst('user:eve', START + 7 * MIN, 20, 2800, APPTS)];
      expect(run([...cohort(), ...twice].sort((a, b) => a.ts - b.ts)).findings).toEqual([]);
    });
  });

  it('reports nothing while principal and cohort both learn', () => {
    const d = createRateDetector();
    const state = d.createState();
    expect(burst('user:new', T0, 2000, 20).flatMap((e) => d.detect(e, state))).toEqual([]);
  });

  it('keeps its baselines through a snapshot and restore', () => {
    const d = createRateDetector();
    const { state } = run(steady('user:alice', T0, 120, () => 5));
    const restored = d.createState();
    const rows = d.snapshot(state, 1);
    expect(d.restore(restored, rows)).toBe(rows.length);
    expect(restored.principals.get('user:alice')).toEqual(state.principals.get('user:alice'));
    const { findings } = run(burst('user:alice', T0 + 122 * MIN, 40, 500), restored);
    expect(findings.map((f) => f.evidence.baseline)).toEqual(['principal']);
  });

  it('restores a principal row in the object form snapshots have always had', () => {
    const d = createRateDetector();
    const route = { counter: { start: T0, cur: 3, prev: 2, alerted: false }, rate: { mean: 4, variance: 1, weight: 6, lastTs: T0, n: 6 }, peak: { value: 7, ts: T0 - MIN }, hotSince: -1, hotCount: 0 };
    const any = { mean: 3.5, variance: 2, weight: 9, lastTs: T0, n: 9 };
    // Written before runs were tracked: no hotSince/hotCount, which restore as "not in a run".
    const old = { counter: { start: T0 - MIN, cur: 1, prev: 0, alerted: true }, rate: { mean: 1, variance: 0, weight: 3, lastTs: T0 - MIN, n: 3 }, peak: { value: 2, ts: T0 - 2 * MIN } };
    const row = { detector: 'rate', scope: 'principal' as const, key: 'user:alice', version: 1, firstTs: T0 - 86_400_000, lastTs: T0, events: 500, state: JSON.stringify({ routes: [['/fhir/Observation', route], ['/fhir/Encounter', old]], any }) };
    const state = d.createState();
    expect(d.restore(state, [row])).toBe(1);
    const alice = state.principals.get('user:alice');
    expect(alice?.routes).toEqual(['/fhir/Observation', '/fhir/Encounter']);
    expect(alice && routeRate(alice, '/fhir/Observation')).toEqual(route);
    expect(alice && routeRate(alice, '/fhir/Encounter')).toEqual({ ...old, hotSince: -1, hotCount: 0 });
    expect(JSON.parse(d.snapshot(state, 2)[0]?.state ?? '')).toEqual({ routes: [['/fhir/Observation', route], ['/fhir/Encounter', { ...old, hotSince: -1, hotCount: 0 }]], any });
  });

  it('evicts the route whose window is oldest when a new one passes routesPerPrincipal, keeping the others in order', () => {
    const d = createRateDetector({ ...DEFAULTS, routesPerPrincipal: 3 });
    const state = d.createState();
    const at = (route: string, ts: number) => d.detect(event({ ts, route, principal: as('user:alice') }), state);
    at('/a', T0 + 2 * MIN);
    at('/b', T0);
    at('/c', T0 + MIN);
    at('/d', T0 + 3 * MIN);
    const alice = state.principals.get('user:alice');
    expect(alice?.routes).toEqual(['/a', '/c', '/d']);
    // The profile map's 3 slots, the any-route EWMA's 5, then 13 per route.
    expect(alice?.data.length).toBe(3 + 5 + 3 * 13);
    expect(alice && routeRate(alice, '/d')?.counter).toEqual({ start: T0 + 3 * MIN, cur: 1, prev: 0, alerted: false });
    expect(alice && routeRate(alice, '/c')?.counter).toEqual({ start: T0 + MIN, cur: 1, prev: 0, alerted: false });
  });

  it('clearCapped drops every route and keeps the any-route baselines', () => {
    const d = createRateDetector();
    const { state } = run([...steady('user:alice', T0, 30, () => 5), ...steady('user:alice', T0, 30, () => 2, '/fhir/Encounter')]);
    // The profile map's 3 slots (first, last event time, events) and the any-route EWMA's 5 stay.
    const any = state.principals.get('user:alice')?.data.slice(0, 8);
    const cohortAny = { ...state.cohorts.get('app:portal|user/*.read')?.profile.any };
    // 5 a minute and 2 a minute for 30 minutes; the last at 40 s into minute 29.
    expect(any?.slice(0, 3)).toEqual([T0, T0 + 29 * MIN + 40_000, 210]);
    expect(any?.[7]).toBe(58);
    d.clearCapped(state);
    expect(state.principals.get('user:alice')).toEqual({ routes: [], data: any });
    expect(state.cohorts.get('app:portal|user/*.read')?.profile).toEqual({ routes: new Map(), any: cohortAny });
  });

  it('stays under 2 KiB per principal at 100,000 principals on three routes each', () => {
    const d = createRateDetector();
    const routes = ['/fhir/Patient/{id}', '/fhir/Observation', '/fhir/Encounter'];
    const { bytesPerItem } = measureHeapPerItem(100_000, (n) => {
      const state = d.createState();
      for (let i = 0; i < n; i++) {
        const p = as(`user:${i}`, `app:${i % 20}`);
        for (const route of routes) d.detect(event({ ts: T0 + i, route, principal: p, eventId: 'e' }), state);
      }
      return state;
    });
    console.log(`rate: ${Math.round(bytesPerItem)} B/principal`);
    expect(bytesPerItem).toBeLessThan(2048);
  });
});

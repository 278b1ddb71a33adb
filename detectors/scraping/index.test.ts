import { describe, expect, it } from 'vitest';
import { measureHeapPerItem } from '../../libs/baseline/index.js';
import type { Finding, NormalizedEvent, Paging } from '../../libs/contracts/index.js';
import { event, principal } from '../test-support/events.js';
import { isDeepPage, isSearch } from './classify.js';
import { createScrapingDetector, type ScrapingState } from './index.js';

const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const W = 300_000;
const HOUR = 3_600_000;
const ROUTE = '/fhir/Observation';

const user = (id: string, app = 'app:portal', scopes = ['patient/*.read']) => principal(id, app, scopes);

function search(id: string, ts: number, paging?: Paging, route = ROUTE): NormalizedEvent {
  return event({ ts, route, principal: user(id), queryKeys: ['_count', 'patient'], ...(paging === undefined ? {} : { paging }) });
}

/** `perWindow` first-page searches (page size 20) in each of `windows` windows from `start`. */
function habit(id: string, start: number, windows: number, perWindow = 5): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let w = 0; w < windows; w++) for (let i = 0; i < perWindow; i++) out.push(search(id, start + w * W + i * 20_000, { count: 20 }));
  return out;
}

function run(events: NormalizedEvent[], state?: ScrapingState): { findings: Finding[]; state: ScrapingState } {
  const d = createScrapingDetector();
  const s = state ?? d.createState();
  return { findings: events.flatMap((e) => d.detect(e, s)), state: s };
}

describe('scraping', () => {
  it('counts no search from before the previous window: a shipper re-sending hours of lines raises nothing', () => {
    const history = habit('user:alice', T0, 48, 10); // four hours, 10 searches a window
    // After a crash the log shipper sends the last three hours again but its final window (at least
    // once delivery): 350 searches stamped up to three hours ago arrive within seconds, then
    // searching goes on.
    const resent = history.slice(120, -10);
    const after = habit('user:alice', T0 + 48 * W, 2, 10);
    expect(run([...history, ...resent, ...after]).findings).toEqual([]);
  });

  it('flags a walk through search pages by a principal that never pages', () => {
    const history = habit('user:alice', T0, 24);
    const start = T0 + 25 * W;
    const walk = Array.from({ length: 50 }, (_, i) => search('user:alice', start + i * 2000, { cursor: true, offset: 20 * (i + 1), count: 20 }));
    const { findings } = run([...history, ...walk]);
    expect(findings).toHaveLength(1);
    const f = findings[0] as Finding;
    expect(f).toMatchObject({ detector: 'scraping', owasp: 'API6:2023', severity: 'medium', route: ROUTE, ts: start + 30 * 2000 });
    expect(f.evidence).toEqual({
      pattern: 'pagination_walk',
      confidence: 0.8,
      observed: 31,
      windowSeconds: 300,
      baseline: 'principal',
      baselineMean: 0,
      baselineSd: 0,
      baselineObservations: 24,
      peak: 0,
      threshold: 30,
      paging: { cursor: true, offset: 620, count: 20 },
    });
    expect(f.summary).toBe(
      'user:alice requested 31 pages past the first within 300s on /fhir/Observation; its own baseline is 0 per window (threshold 30)',
    );
  });

  it('does not flag the hourly sync that always walks a hundred pages', () => {
    const p = principal('svc:sync', 'app:sync', ['system/*.read'], { kind: 'app' });
    const events: NormalizedEvent[] = [];
    for (let h = 0; h < 8; h++) {
      for (let page = 1; page <= 100; page++) {
        events.push(event({ ts: T0 + h * HOUR + 300_000 + page * 1000, route: '/api/v1/claims', principal: p, queryKeys: ['page', 'per_page'], paging: { page, count: 50 } }));
      }
    }
    expect(run(events).findings).toEqual([]);
  });

  it('flags a page size far above the principal’s usual one, once per window', () => {
    const history = habit('user:alice', T0, 24);
    const ts = T0 + 25 * W;
    const { findings } = run([...history, search('user:alice', ts, { count: 1000 }), search('user:alice', ts + 1000, { count: 1000 })]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'high' });
    // threshold = max(200, 5 x 20, 20 + 6 x sqrt(20), 1.5 x 20) = 200
    expect(findings[0]?.evidence).toMatchObject({ pattern: 'count_inflation', observed: 1000, threshold: 200, baselineMean: 20, confidence: 0.99 });
    expect(findings[0]?.summary).toBe(
      'user:alice asked for pages of 1000 results on /fhir/Observation; its own baseline is 20 page size (threshold 200)',
    );
  });

  it('does not flag a larger page size within the range its habits allow', () => {
    const history = habit('user:alice', T0, 24);
    expect(run([...history, search('user:alice', T0 + 25 * W, { count: 150 })]).findings).toEqual([]);
  });

  it('judges a new principal’s search volume against its cohort', () => {
    const cohort = ['user:b', 'user:c'].flatMap((id) => habit(id, T0, 24)).sort((a, b) => a.ts - b.ts);
    const start = T0 + 25 * W;
    const harvest = Array.from({ length: 150 }, (_, i) => search('user:mallory', start + i * 1000));
    const { findings } = run([...cohort, ...harvest]);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.ts).toBe(start + 100_000);
    expect(findings[0]?.evidence).toMatchObject({ pattern: 'search_volume', baseline: 'cohort', baselineMean: 5, threshold: 100, observed: 101 });
  });

  it('lets a principal judged by its cohort do again what it already did unflagged (a nightly crawl of one window)', () => {
    // Night 1, while the cohort learns: a crawler's 150 searches in one window, unjudged, then one
    // search an hour later. Night 2 it has two windows of its own (not the five its own baseline
    // needs): judged by its cohort of thirty searchers, learned by then.
    const crawl = (start: number, n: number, gapMs: number) => Array.from({ length: n }, (_, i) => search('user:crawler', start + i * gapMs));
    const night1 = [...crawl(T0, 150, 1900), search('user:crawler', T0 + HOUR)];
    const cohort = Array.from({ length: 30 }, (_, i) => `user:s${i}`).flatMap((id) => habit(id, T0 + 2 * HOUR, 24));
    const night2 = T0 + 24 * HOUR;
    expect(run([...night1, ...cohort, ...crawl(night2, 150, 1900)].sort((a, b) => a.ts - b.ts)).findings).toEqual([]);
    // Far more than it did is still flagged: 400 in one window, over 1.5 x its peak of 150 (decayed over the day).
    const more = run([...night1, ...cohort, ...crawl(night2, 400, 500)].sort((a, b) => a.ts - b.ts)).findings;
    expect(more.map((f) => [f.evidence.pattern, f.evidence.baseline, f.evidence.threshold])).toEqual([['search_volume', 'cohort', 204.61]]);
  });

  it('reports nothing while principal and cohort both learn', () => {
    const walk = Array.from({ length: 500 }, (_, i) => search('user:new', T0 + i * 100, { offset: 20 * (i + 1), count: 5000 }));
    expect(run(walk).findings).toEqual([]);
  });

  it('ignores reads that are not searches or lists', () => {
    const d = createScrapingDetector();
    const s = d.createState();
    const reads = Array.from({ length: 2000 }, (_, i) => event({ ts: T0 + i * 10, route: '/fhir/Patient/{id}', principal: user('user:x') }));
    expect(reads.flatMap((e) => d.detect(e, s))).toEqual([]);
    expect(s.principals.size).toBe(0);
  });

  it('keeps its baselines through a snapshot and restore', () => {
    const d = createScrapingDetector();
    const { state } = run(habit('user:alice', T0, 24));
    const back = d.createState();
    expect(d.restore(back, d.snapshot(state, 9))).toBe(2);
    expect(back.principals.get('user:alice')).toEqual(state.principals.get('user:alice'));
    const { findings } = run([search('user:alice', T0 + 25 * W, { count: 1000 })], back);
    expect(findings.map((f) => f.evidence.baseline)).toEqual(['principal']);
  });

  it('restores a principal row in the object form snapshots have always had, and writes it back unchanged', () => {
    const d = createScrapingDetector();
    const counter = (start: number, cur: number, prev: number, alerted: boolean) => ({ start, cur, prev, alerted });
    const ewma = (mean: number, n: number) => ({ mean, variance: mean / 2, weight: n, lastTs: T0, n });
    const saved = {
      searches: counter(T0, 4, 6, false),
      pages: counter(T0, 1, 0, true),
      searchRate: ewma(5.5, 20),
      pageRate: ewma(0.25, 20),
      searchPeak: { value: 9, ts: T0 - HOUR },
      pagePeak: { value: 1, ts: T0 - 2 * HOUR },
      count: ewma(20, 80),
      countPeak: { value: 50, ts: -1 },
      countAlertBucket: T0 - W,
    };
    const row = { detector: 'scraping', scope: 'principal' as const, key: 'user:alice', version: 1, firstTs: T0 - 86_400_000, lastTs: T0, events: 300, state: JSON.stringify(saved) };
    const state = d.createState();
    expect(d.restore(state, [row, { ...row, key: 'user:bad', state: JSON.stringify({ ...saved, count: { mean: 1 } }) }])).toBe(1);
    expect(JSON.parse(d.snapshot(state, 2)[0]?.state ?? '')).toEqual(saved);
  });

  it('clearCapped keeps every principal’s numbers: none of them is a capped set', () => {
    const d = createScrapingDetector();
    const { state } = run(habit('user:alice', T0, 24));
    const before = d.snapshot(state, 1);
    d.clearCapped(state);
    expect(d.snapshot(state, 1)).toEqual(before);
  });

  it('stays under 2 KiB per principal at 100,000 principals', () => {
    const d = createScrapingDetector();
    const { bytesPerItem } = measureHeapPerItem(100_000, (n) => {
      const state = d.createState();
      for (let i = 0; i < n; i++) d.detect({ ...search(`user:${i}`, T0 + i, { count: 20 }), eventId: 'e' }, state);
      return state;
    });
    console.log(`scraping: ${Math.round(bytesPerItem)} B/principal`);
    expect(bytesPerItem).toBeLessThan(2048);
  });
});

describe('scraping classification', () => {
  const ev = (route: string, over: Partial<NormalizedEvent> = {}) => event({ ts: T0, route, ...over });
  it('treats collection reads and FHIR _search as searches, single objects and operations not', () => {
    expect(isSearch(ev('/fhir/Observation'))).toBe(true);
    expect(isSearch(ev('/fhir/Observation/_search', { method: 'POST' }))).toBe(true);
    expect(isSearch(ev('/api/v1/claims', { queryKeys: ['status'] }))).toBe(true);
    expect(isSearch(ev('/api/v1/claims'))).toBe(false);
    expect(isSearch(ev('/users/me'))).toBe(false);
    expect(isSearch(ev('/fhir/Patient/{id}'))).toBe(false);
    expect(isSearch(ev('/fhir/Patient/{id}/$everything'))).toBe(false);
    expect(isSearch(ev('/fhir/metadata'))).toBe(false);
    expect(isSearch(ev('/fhir/Observation', { status: 403 }))).toBe(false);
    expect(isSearch(ev('/fhir/Observation', { method: 'POST' }))).toBe(false);
  });

  it('counts offset > 0, page > 1 and cursors as deep pages', () => {
    expect(isDeepPage(ev('/x', { paging: { offset: 0, count: 10 } }))).toBe(false);
    expect(isDeepPage(ev('/x', { paging: { page: 1 } }))).toBe(false);
    expect(isDeepPage(ev('/x', { paging: { page: 2 } }))).toBe(true);
    expect(isDeepPage(ev('/x', { paging: { offset: 40 } }))).toBe(true);
    expect(isDeepPage(ev('/x', { paging: { cursor: true } }))).toBe(true);
    expect(isDeepPage(ev('/x'))).toBe(false);
  });
});

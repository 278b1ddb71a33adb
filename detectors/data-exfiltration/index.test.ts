import { describe, expect, it } from 'vitest';
import { measureHeapPerItem } from '../../libs/baseline/index.js';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { event, principal } from '../test-support/events.js';
import { createExfilDetector, type ExfilState } from './index.js';

const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);
const W = 300_000;
const HOUR = 3_600_000;
const MiB = 1024 * 1024;

const user = (id: string, app = 'app:portal', scopes = ['user/*.read']) => principal(id, app, scopes);

function run(events: NormalizedEvent[], state?: ExfilState): { findings: Finding[]; state: ExfilState } {
  const d = createExfilDetector();
  const s = state ?? d.createState();
  return { findings: events.flatMap((e) => d.detect(e, s)), state: s };
}

/** One read of `bytes` 10 s into each of `windows` windows from `start`. */
function reads(id: string, start: number, windows: number, bytes: number, over: Partial<NormalizedEvent> = {}): NormalizedEvent[] {
  return Array.from({ length: windows }, (_, k) =>
    event({ ts: start + k * W + 10_000, responseBytes: bytes, principal: user(id), route: '/fhir/Observation', ...over }),
  );
}

/** A backend service: an hourly sync of 10 small pages, and at 02:00 a bulk export and 10 file downloads. */
function exporterDay(day: number): NormalizedEvent[] {
  const p = principal('svc:warehouse', 'app:warehouse', ['system/*.read'], { kind: 'app' });
  const base = T0 + day * 24 * HOUR;
  const out: NormalizedEvent[] = [];
  for (let h = 0; h < 24; h++) {
    for (let i = 0; i < 10; i++) out.push(event({ ts: base + h * HOUR + 60_000 + i * 1000, principal: p, route: '/fhir/Encounter', responseBytes: 20_000, queryKeys: ['_lastUpdated'] }));
    if (h === 2) {
      out.push(event({ ts: base + 2 * HOUR + 600_000, principal: p, route: '/fhir/$export', status: 202, responseBytes: 300 }));
      for (let i = 0; i < 10; i++) out.push(event({ ts: base + 2 * HOUR + 660_000 + i * 2000, principal: p, route: '/bulk/files/{id}', responseBytes: 5 * MiB }));
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

describe('data-exfiltration', () => {
  it('counts no response from before the previous window: a shipper re-sending three hours of lines raises nothing', () => {
    const history = reads('user:alice', T0, 312, MiB); // 26 hours, 1 MiB a window
    // After a crash the log shipper sends hours 23-26 again (at least once delivery): 36 MiB of
    // responses stamped up to three hours ago arrive within seconds, then reading goes on.
    const resent = history.slice(-37, -1);
    const after = reads('user:alice', T0 + 312 * W, 3, MiB);
    expect(run([...history, ...resent, ...after]).findings).toEqual([]);
  });

  it('flags response volume far above the principal’s own baseline', () => {
    const history = reads('user:alice', T0, 312, 200_000); // 26 hours
    const start = T0 + 313 * W + 10_000;
    const dump = Array.from({ length: 20 }, (_, i) => event({ ts: start + i * 1000, responseBytes: MiB, principal: user('user:alice'), route: '/fhir/Observation' }));
    const { findings } = run([...history, ...dump]);
    expect(findings).toHaveLength(1);
    const f = findings[0] as Finding;
    // threshold = max(5 MiB, 10 x 200 kB, peak 1.5 x 200 kB): the 6th MiB crosses it.
    expect(f.ts).toBe(start + 5000);
    expect(f).toMatchObject({ detector: 'data-exfiltration', owasp: 'API3:2023', severity: 'medium', route: '/fhir/Observation' });
    expect(f.evidence).toMatchObject({
      pattern: 'volume_spike',
      baseline: 'principal',
      observedBytes: 6 * MiB,
      thresholdBytes: 5 * MiB,
      baselineMeanBytes: 200_000,
      baselineWindows: 312,
      windowSeconds: 300,
      confidence: 0.83,
    });
    expect(f.summary).toBe('user:alice received 6 MiB of responses within 300s; its own baseline is 0.19 MiB (threshold 5 MiB)');
  });

  it('does not flag a nightly export by the service that always runs it', () => {
    const { findings } = run([0, 1, 2, 3, 4].flatMap(exporterDay));
    expect(findings).toEqual([]);
  });

  it('flags $everything by a learned principal that never used it, in a cohort that does not', () => {
    const cohort = ['user:b', 'user:c', 'user:alice'].flatMap((id) => reads(id, T0, 312, 50_000)).sort((a, b) => a.ts - b.ts);
    const ts = T0 + 313 * W;
    const everything = event({ ts, principal: user('user:alice'), route: '/fhir/Patient/{id}/$everything', responseBytes: 900_000 });
    const { findings } = run([...cohort, everything, { ...everything, ts: ts + 1000, eventId: 'again' }]);
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatchObject({ severity: 'high', route: '/fhir/Patient/{id}/$everything' });
    expect(findings[0]?.evidence).toMatchObject({
      pattern: 'bulk_new',
      operation: 'everything',
      baseline: 'principal',
      cohortMembers: 3,
      cohortUsers: 0,
      confidence: 0.9,
    });
    expect(findings[0]?.summary).toBe(
      'user:alice ran an $everything read on /fhir/Patient/{id}/$everything; it never did and its cohort rarely does',
    );
  });

  it('does not flag _include by a principal whose cohort commonly uses it, and learns it', () => {
    const include = (id: string, ts: number) =>
      event({ ts, principal: user(id), route: '/fhir/MedicationRequest', queryKeys: ['_include', 'patient'], responseBytes: 40_000 });
    const history = ['user:b', 'user:c', 'user:alice'].flatMap((id) => reads(id, T0, 312, 50_000));
    const cohortUse = [include('user:b', T0 + 1000), include('user:c', T0 + 2000)];
    const { findings, state } = run([...history, ...cohortUse].sort((a, b) => a.ts - b.ts).concat(include('user:alice', T0 + 313 * W)));
    expect(findings).toEqual([]);
    expect(state.principals.get('user:alice')?.bulk).toBe(4);
  });

  it('judges a new principal by its learned cohort: an export nobody in it runs', () => {
    const cohort = ['user:b', 'user:c'].flatMap((id) => reads(id, T0, 312, 50_000)).sort((a, b) => a.ts - b.ts);
    const exp = event({ ts: T0 + 313 * W, principal: user('user:mallory'), route: '/fhir/Group/{id}/$export', status: 202 });
    const { findings } = run([...cohort, exp]);
    expect(findings.map((f) => [f.evidence.pattern, f.evidence.baseline, f.severity])).toEqual([['bulk_new', 'cohort', 'high']]);
  });

  it('lets a principal judged by its cohort receive again what it already received unflagged (a nightly crawl)', () => {
    // Night 1, while the cohort learns: a crawler takes 60 MiB in two windows, unjudged. Night 2,
    // a day and a half later, it has two windows of its own (not the five its own baseline needs):
    // judged by the cohort, which has learned by then.
    const crawl = (start: number, pages: number, gapMs = 5000) =>
      Array.from({ length: pages }, (_, i) => event({ ts: start + i * gapMs, responseBytes: MiB, principal: user('user:crawler'), route: '/fhir' }));
    // Thirty readers, so that the crawler's night in the cohort's own baseline does not excuse it.
    const readers = Array.from({ length: 30 }, (_, i) => `user:r${i}`);
    const cohort = readers.flatMap((id) => reads(id, T0 + 2 * W, 440, 50_000)).sort((a, b) => a.ts - b.ts);
    const night2 = T0 + 36 * HOUR;
    expect(run([...crawl(T0, 60), ...cohort, ...crawl(night2, 60)].sort((a, b) => a.ts - b.ts)).findings).toEqual([]);
    // Three times that volume in a window is still beyond what it did.
    const more = run([...crawl(T0, 60), ...cohort, ...crawl(night2, 180, 1500)].sort((a, b) => a.ts - b.ts)).findings;
    expect(more.map((f) => [f.evidence.pattern, f.evidence.baseline])).toEqual([['volume_spike', 'cohort']]);
  });

  it('reports no volume while principal and cohort both learn, however large', () => {
    const big = Array.from({ length: 100 }, (_, i) => event({ ts: T0 + i * 100, responseBytes: 10 * MiB, principal: user('user:new', 'app:new') }));
    expect(run(big).findings).toEqual([]);
  });

  it('keeps its baselines through a snapshot and restore', () => {
    const d = createExfilDetector();
    const { state } = run([0, 1].flatMap(exporterDay));
    const back = d.createState();
    // The service, its cohort, and its 5 MiB downloads (a large-response route of its cohort).
    expect(d.restore(back, d.snapshot(state, 3))).toBe(3);
    expect(back.routines.size).toBe(1);
    expect(back.principals.get('svc:warehouse')).toEqual(state.principals.get('svc:warehouse'));
    expect(run(exporterDay(2), back).findings).toEqual([]);
  });

  it('restores a principal row in the object form snapshots have always had, and writes it back unchanged', () => {
    const d = createExfilDetector();
    const hours = [12.5, ...Array.from({ length: 24 }, (_, h) => (h === 9 ? 10.25 : h === 10 ? 2.25 : 0))];
    const saved = {
      window: { start: T0, cur: 5000, prev: 12_000, alerted: false },
      bytes: { mean: 9000, variance: 4e6, weight: 12, lastTs: T0, n: 12 },
      peak: { value: 20_000, ts: T0 - HOUR },
      bulk: 4,
      hours,
    };
    const row = { detector: 'data-exfiltration', scope: 'principal' as const, key: 'user:alice', version: 1, firstTs: T0 - 86_400_000, lastTs: T0, events: 300, state: JSON.stringify(saved) };
    const state = d.createState();
    expect(d.restore(state, [row, { ...row, key: 'user:bad', state: JSON.stringify({ ...saved, hours: hours.slice(1) }) }])).toBe(1);
    expect(state.principals.get('user:alice')?.bulk).toBe(4);
    expect(JSON.parse(d.snapshot(state, 2)[0]?.state ?? '')).toEqual(saved);
  });

  it('clearCapped keeps every principal’s numbers: none of them is a capped set', () => {
    const d = createExfilDetector();
    const { state } = run([0, 1].flatMap(exporterDay));
    const before = d.snapshot(state, 1);
    d.clearCapped(state);
    expect(d.snapshot(state, 1)).toEqual(before);
  });

  it('stays under 2 KiB per principal at 100,000 principals', () => {
    const d = createExfilDetector();
    const { bytesPerItem } = measureHeapPerItem(100_000, (n) => {
      const state = d.createState();
      for (let i = 0; i < n; i++) d.detect(event({ ts: T0 + i, principal: user(`user:${i}`, `app:${i % 20}`), eventId: 'e' }), state);
      return state;
    });
    console.log(`data-exfiltration: ${Math.round(bytesPerItem)} B/principal`);
    expect(bytesPerItem).toBeLessThan(2048);
  });
});

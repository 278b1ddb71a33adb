import { describe, expect, it } from 'vitest';
import type { BaselineSnapshot } from '../../../libs/baseline/index.js';
import type { Finding, NormalizedEvent, ObjectRef } from '../../../libs/contracts/index.js';
import { createTokenizer } from '../../../libs/privacy/index.js';
import { event, patient, principal } from '../../test-support/events.js';
import { createEnumerationDetector, type EnumerationDeps, type EnumerationState } from './index.js';
import type { TypeWindow } from './window.js';
import { throughStore } from '../../test-support/rows.js';

const cfg = { windowSeconds: 300, minDistinct: 20, baselineMultiplier: 4, learningWindows: 3, sequentialRun: 10, minFailures: 15 };
const W = 300_000;
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const KEY = Buffer.alloc(32, 5);
/** A fresh tokenizer per instance, same key: what two detect instances (or a restart) share. */
const withKey = (): EnumerationDeps => ({ tokenizer: createTokenizer(KEY) });

/** An integer id as the normalizer tokenizes it: the token of the raw id, plus `seq` in memory. */
function numbered(n: number, extra: Partial<ObjectRef> = {}): ObjectRef {
  return { type: 'Patient', id: createTokenizer(KEY).token('Patient', String(n)), via: 'path', created: false, seq: n, ...extra };
}

/** `perWindow` non-sequential patient ids in each of `windows` windows. */
function normalUse(windows: number, perWindow: number): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let w = 0; w < windows; w++) {
    for (let i = 0; i < perWindow; i++) out.push(event({ ts: T0 + w * W + i * 1000, objects: [patient((w * perWindow + i) * 7919, { seq: undefined })] }));
  }
  return out;
}

function detectAll(deps: EnumerationDeps, events: NormalizedEvent[], state?: EnumerationState): { findings: Finding[]; state: EnumerationState } {
  const d = createEnumerationDetector(cfg, deps);
  const s = state ?? d.createState();
  return { findings: events.flatMap((e) => d.detect(e, s)), state: s };
}


/**
 * Runs `events` whole on one instance, and again cut at `cut`: the first part on one instance,
 * snapshot, the rest on another instance restored from it. Returns both runs' findings after the cut.
 */
function splitRun(events: NormalizedEvent[], cut: number, deps: () => EnumerationDeps = withKey) {
  const whole = detectAll(deps(), events).findings.filter((f) => f.ts >= (events[cut] as NormalizedEvent).ts);
  const first = createEnumerationDetector(cfg, deps());
  const { state } = detectAll(deps(), events.slice(0, cut));
  const rows = throughStore(first.snapshot(state, 1));
  const second = createEnumerationDetector(cfg, deps());
  const restored = second.createState();
  expect(second.restore(restored, rows)).toBe(rows.length);
  const resumed = events.slice(cut).flatMap((e) => second.detect(e, restored));
  return { whole, resumed, rows };
}

describe('bola/enumeration persistence', () => {
  it('round-trips a principal’s windows, baseline and PHI exactly', () => {
    const phi = { categories: ['fhir-resource' as const, 'name' as const], resourceTypes: ['Patient'], in: ['response' as const] };
    const events = [
      ...normalUse(5, 4),
      event({ ts: T0 + 5 * W + 1000, objects: [patient(11, { seq: undefined })], phi }),
      event({ ts: T0 + 5 * W + 2000, status: 404, objects: [patient(12, { seq: undefined })] }),
      event({ ts: T0 + 5 * W + 3000, objects: [patient(11, { seq: undefined }), { type: 'Encounter', id: 'tok_e1', via: 'query', created: false }] }),
    ];
    const d = createEnumerationDetector(cfg);
    const { state } = detectAll({}, events);
    const restored = d.createState();
    expect(d.restore(restored, throughStore(d.snapshot(state, 7)))).toBe(1);
    const before = state.principals.get('user:alice');
    const after = restored.principals.get('user:alice');
    // Entries before `head` have expired (never read again, compacted lazily): a snapshot leaves them out.
    const live = (p: TypeWindow[] | undefined) => p?.map((w) => ({ ...w, entries: w.entries.slice(w.head), head: 0 }));
    expect([before?.profile[0]?.head, before?.profile[0]?.entries.length]).toEqual([20, 23]);
    expect(live(after?.profile)).toEqual(live(before?.profile));
    expect(after).toMatchObject({ firstTs: before?.firstTs, lastTs: before?.lastTs, events: before?.events });
    expect(after?.profile.map((w) => [w.type, w.learnedWindows, w.okIds, w.failedTotal, w.phi])).toEqual([
      ['Patient', 5, new Map([['tok_p11', 2]]), 1, { categories: ['fhir-resource', 'name'], resourceTypes: ['Patient'] }],
      ['Encounter', 0, new Map([['tok_e1', 1]]), 0, undefined],
    ]);
  });

  it('continues a distinct-id enumeration cut by a snapshot, raising exactly the uninterrupted findings', () => {
    const burst = Array.from({ length: 25 }, (_, i) => event({ ts: T0 + 6 * W + i * 2000, objects: [patient(50_000 + i * 13, { seq: undefined })] }));
    const events = [...normalUse(6, 5), ...burst];
    const { whole, resumed } = splitRun(events, 30 + 12);
    expect(whole.map((f) => f.evidence.distinctIds)).toEqual([21, 22, 23, 24, 25]);
    expect(resumed).toEqual(whole);
  });

  it('continues a slow enumeration cut by a snapshot mid-run, with the ids the run has seen', () => {
    const slow: NormalizedEvent[] = [];
    for (let w = 0; w < 6; w++) {
      for (let i = 0; i < 10; i++) slow.push(event({ ts: T0 + (6 + w) * W + i * 30_000, objects: [patient(50_000 + w * 100 + i * 7, { seq: undefined })] }));
    }
    // Windows 2 and 3 re-read window 1's ids too: new ids only count once restored as well.
    const reread = [T0 + 7 * W + 200_000, T0 + 8 * W + 200_000].map((ts) => event({ ts, objects: [patient(50_000, { seq: undefined })] }));
    const events = [...normalUse(6, 2), ...slow, ...reread].sort((a, b) => a.ts - b.ts);
    const cut = events.findIndex((e) => e.ts >= T0 + 8 * W + 100_000);
    const { whole, resumed, rows } = splitRun(events, cut);
    const saved = JSON.parse(rows[0]?.state ?? '[]') as { drift?: unknown }[];
    expect(saved[0]?.drift).toMatchObject({ start: Math.floor(T0 / W) + 6, allowance: 4, sum: 12, fresh: 4 });
    expect(whole.map((f) => [f.evidence.pattern, f.evidence.distinctIds])).toEqual([['sustained_distinct_ids', 36]]);
    expect(resumed).toEqual(whole);
  });

  it("keeps a machine credential's hourly peaks across a snapshot, so its next morning is judged as uninterrupted", () => {
    const partner = { id: 'key:partner', kind: 'apikey' as const, scopes: [], authScheme: 'apikey' as const };
    const day = (start: number, segments: [number, number][], first: number) => {
      const out: NormalizedEvent[] = [];
      let w = 0;
      let n = first;
      for (const [windows, perWindow] of segments) {
        for (let k = 0; k < windows; k++, w++) for (let i = 0; i < perWindow; i++) out.push(event({ ts: start + w * W + i * 10_000, principal: partner, objects: [patient(7 * n++, { seq: undefined })] }));
      }
      return out;
    };
    // 14 a window through the morning, 2 all evening; the next morning 19 a window (5 over the peak).
    const events = [...day(T0, [[24, 14], [36, 2]], 0), ...day(T0 + 86_400_000, [[8, 19]], 10_000)];
    const cut = events.findIndex((e) => e.ts >= T0 + 86_400_000);
    const { whole, resumed, rows } = splitRun(events, cut);
    const saved = JSON.parse(rows[0]?.state ?? '[]') as { peaks?: number[] }[];
    expect(saved[0]?.peaks).toHaveLength(27);
    expect(Math.max(...(saved[0]?.peaks?.slice(1) ?? []))).toBe(14);
    expect(whole.map((f) => [f.evidence.pattern, f.evidence.allowancePerWindow])).toEqual([['sustained_distinct_ids', 14]]);
    expect(resumed).toEqual(whole);
  });

  it('continues 403/404 probing cut by a snapshot', () => {
    const probes = Array.from({ length: 16 }, (_, i) => event({ ts: T0 + i * 1000, status: i % 2 ? 404 : 403, objects: [patient(i * 97, { seq: undefined })] }));
    const { whole, resumed } = splitRun(probes, 8);
    expect(whole.map((f) => f.evidence.failedDistinctIds)).toEqual([15, 16]);
    expect(resumed).toEqual(whole);
  });

  it('continues a sequential walk cut by a snapshot, keeping the previous id only as its token', () => {
    // Gaps of 1 to 3 (skipped ids) on both sides of the cut; the cut falls after 700_106.
    const ids = [700_100, 700_101, 700_103, 700_104, 700_105, 700_106, 700_108, 700_109, 700_110, 700_113, 700_114];
    const walk = ids.map((n, i) => event({ ts: T0 + i * 1000, objects: [numbered(n)] }));
    const { whole, resumed, rows } = splitRun(walk, 6);
    expect(whole.map((f) => f.evidence.walkLength)).toEqual([10, 11]);
    expect(resumed).toEqual(whole);
    // Never the raw number: the walk is saved as the token the events carry for it.
    const state = rows[0]?.state ?? '';
    expect(state).not.toContain('700106');
    expect(JSON.parse(state)).toMatchObject([{ walk: { seal: numbered(700_106).id, run: 6, direction: 1, ts: T0 + 5000 } }]);
  });

  it('starts a new walk after a restore when the next id is not a step away, as an uninterrupted run does', () => {
    const ids = [10, 11, 12, 13, 14, 15, 16, 17, 18, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39];
    const walk = ids.map((n, i) => event({ ts: T0 + i * 1000, objects: [numbered(n)] }));
    const { whole, resumed } = splitRun(walk, 9);
    expect(whole.map((f) => f.evidence.walkLength)).toEqual([10]);
    expect(resumed).toEqual(whole);
    // A repeat of the previous id itself keeps the run as it is.
    const again = [...walk.slice(0, 9), event({ ts: T0 + 9000, objects: [numbered(18)] }), event({ ts: T0 + 10_000, objects: [numbered(19)] })];
    const split = splitRun(again, 9);
    expect(split.whole.map((f) => f.evidence.walkLength)).toEqual([10]);
    expect(split.resumed).toEqual(split.whole);
  });

  it('does not save a walk without a tokenizer: the restored principal’s next walk starts afresh', () => {
    const walk = Array.from({ length: 12 }, (_, i) => event({ ts: T0 + i * 1000, objects: [numbered(500 + i)] }));
    const { whole, resumed, rows } = splitRun(walk, 6, () => ({}));
    expect(whole.map((f) => f.evidence.walkLength)).toEqual([10, 11, 12]);
    expect(JSON.parse(rows[0]?.state ?? '')).not.toHaveProperty([0, 'walk']);
    // Six ids after the cut make a run of six, short of ten.
    expect(resumed).toEqual([]);
  });

  it('drops a saved walk on an instance without a tokenizer at the next integer id, never keeping it stale', () => {
    const walk = Array.from({ length: 16 }, (_, i) => event({ ts: T0 + i * 1000, objects: [numbered(500 + i)] }));
    const first = createEnumerationDetector(cfg, withKey());
    const { state } = detectAll(withKey(), walk.slice(0, 6));
    const keyless = createEnumerationDetector(cfg);
    const restored = keyless.createState();
    keyless.restore(restored, throughStore(first.snapshot(state, 1)));
    // The run starts again at 506: ten ids later (515) it is a walk, where an uninterrupted run saw one at 509.
    expect(walk.slice(6).flatMap((e) => keyless.detect(e, restored)).map((f) => [f.ts, f.evidence.walkLength])).toEqual([[T0 + 15_000, 10]]);
    expect(JSON.parse(keyless.snapshot(restored, 2)[0]?.state ?? '')).not.toHaveProperty([0, 'walk']);
  });

  it('skips rows that fail to decode and rows of other detectors', () => {
    const d = createEnumerationDetector(cfg);
    const { state } = detectAll({}, normalUse(2, 3));
    const [good] = d.snapshot(state, 1) as [BaselineSnapshot];
    const decoded = JSON.parse(good.state) as Record<string, unknown>[];
    const variant = (key: string, change: Record<string, unknown>): BaselineSnapshot => ({ ...good, key, state: JSON.stringify([{ ...decoded[0], ...change }]) });
    const rows: BaselineSnapshot[] = [
      good,
      { ...good, key: 'user:json', state: '{' },
      { ...good, key: 'user:shape', state: '{"type":"Patient"}' },
      variant('user:ref', { ref: [0, 99, 1] }),
      variant('user:at', { at: [1, 2] }),
      variant('user:walk', { walk: { seal: 'tok_x', ts: 1, run: 3, direction: 2 } }),
      variant('user:phi', { phi: { categories: ['gossip'], resourceTypes: [] }, phiBucket: 1 }),
      { ...good, state: JSON.stringify([decoded[0], decoded[0]]), key: 'user:twice' },
      { ...good, detector: 'rate', key: 'user:other' },
    ];
    const restored = d.createState();
    expect(d.restore(restored, rows)).toBe(1);
    expect([...restored.principals.entries()].map((t) => t.key)).toEqual(['user:alice']);
  });

  it('snapshots only the principals asked for, and forgets principals whose partition moved', () => {
    const d = createEnumerationDetector(cfg);
    const as = (id: string) => principal(id, 'app:portal', []);
    const events = ['user:a', 'user:b', 'user:c'].map((id, i) => event({ ts: T0 + i, principal: as(id), objects: [patient(i, { seq: undefined })] }));
    const { state } = detectAll({}, events);
    expect(d.snapshot(state, 1, { principals: new Set(['user:b', 'user:x']) }).map((r) => [r.key, r.scope, r.detector])).toEqual([
      ['user:b', 'principal', 'bola/enumeration'],
    ]);
    d.forget?.(state, new Set(['user:a', 'user:c']));
    expect([...state.principals.entries()].map((t) => t.key)).toEqual(['user:b']);
  });

  it('clearCapped empties the windows’ ids and keeps the baseline, bucket and walk', () => {
    const d = createEnumerationDetector(cfg);
    const events = [...normalUse(4, 6), event({ ts: T0 + 4 * W + 10, status: 403, objects: [numbered(42)] })];
    const { state } = detectAll({}, events);
    const before = structuredClone(state.principals.get('user:alice')?.profile[0]);
    d.clearCapped(state);
    const w = state.principals.get('user:alice')?.profile[0];
    expect(w).toEqual({
      ...before,
      entries: [],
      head: 0,
      okIds: undefined,
      failedIds: undefined,
      bucketIds: undefined,
    });
    expect(w).toMatchObject({ mean: 6, learnedWindows: 4, bucket: Math.floor((T0 + 4 * W) / W), walk: { lastSeq: 42, run: 1 } });
  });
});

import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent } from '../../../libs/contracts/index.js';
import { event, patient } from '../../test-support/events.js';
import { createEnumerationDetector } from './index.js';

const cfg = { windowSeconds: 300, minDistinct: 20, baselineMultiplier: 4, learningWindows: 3, sequentialRun: 10, minFailures: 15 };
const W = 300_000;
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);

function run(events: NormalizedEvent[]): Finding[] {
  const d = createEnumerationDetector(cfg);
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}

/** `perWindow` distinct random-looking (non-sequential) patient ids in each of `windows` windows. */
function normalUse(windows: number, perWindow: number, offsetId = 0): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let w = 0; w < windows; w++) {
    for (let i = 0; i < perWindow; i++) {
      const id = offsetId + ((w * perWindow + i) * 7919) % 100_000;
      out.push(event({ ts: T0 + w * W + i * 1000, objects: [patient(id, { seq: undefined })] }));
    }
  }
  return out;
}

describe('bola/enumeration', () => {
  it('records no read from before the previous window: a shipper re-sending hours of lines raises nothing', () => {
    // Six windows of 15 distinct patients each (90 in all, far above the floor of 20 together),
    // then the shipper sends the first five windows again, then reading goes on.
    const history = normalUse(6, 15);
    const resent = history.slice(0, 5 * 15);
    const after = normalUse(1, 15, 500_000).map((e, i) => ({ ...e, ts: T0 + 6 * W + 20_000 + i * 1000 }));
    expect(run([...history, ...resent, ...after])).toEqual([]);
  });

  it('counts a read logged after a later window began in that later window, closing no window twice', () => {
    // Gateways log a request when it completes but stamp it with its start: each window's last read
    // (a slow one) arrives after the next window's first.
    const sorted = normalUse(6, 5);
    const late = [...sorted];
    for (let w = 1; w < 6; w++) [late[w * 5 - 1], late[w * 5]] = [late[w * 5] as NormalizedEvent, late[w * 5 - 1] as NormalizedEvent];
    const baseline = (events: NormalizedEvent[]) => {
      const d = createEnumerationDetector(cfg);
      const state = d.createState();
      for (const e of events) d.detect(e, state);
      const w = state.principals.get('user:alice')?.profile[0];
      return { learned: w?.learnedWindows, mean: w?.mean };
    };
    expect(baseline(sorted)).toEqual({ learned: 5, mean: 5 });
    // Window 0 closes with 4 ids, windows 1-4 with 5 each (their own 4 and the previous one's late
    // read): five windows learned as in order, EWMA (alpha 0.2) 4 -> 4.2 -> 4.36 -> 4.488 -> 4.5904.
    const got = baseline(late);
    expect(got.learned).toBe(5);
    expect(got.mean).toBeCloseTo(4.5904, 10);
  });

  it('raises distinct_ids at the first id above the floor when the baseline is small', () => {
    const history = normalUse(6, 5);
    const burstStart = T0 + 6 * W;
    const burst = Array.from({ length: 25 }, (_, i) =>
      event({ ts: burstStart + i * 2000, objects: [patient(50_000 + i * 13, { seq: undefined })] }),
    );
    const findings = run([...history, ...burst]);
    expect(findings).toHaveLength(5);
    const first = findings[0] as Finding;
    expect(first.detector).toBe('bola/enumeration');
    expect(first.owasp).toBe('API1:2023');
    expect(first.severity).toBe('high');
    expect(first.principal).toBe('user:alice');
    expect(first.route).toBe('/fhir/Patient/{id}');
    expect(first.ts).toBe(burstStart + 20 * 2000);
    expect(first.evidence).toMatchObject({
      pattern: 'distinct_ids',
      distinctIds: 21,
      threshold: 20,
      baselineDistinct: 5,
      learnedWindows: 6,
    });
    expect(first.summary).toBe(
      'user:alice read 21 distinct Patient objects within 300s; its baseline is 5 per window (threshold 20)',
    );
  });

  it('scales the threshold with a principal whose normal work touches many objects', () => {
    const history = normalUse(6, 40);
    const busy = normalUse(1, 150, 200_000).map((e, i) => ({ ...e, ts: T0 + 6 * W + i * 1000 }));
    const findings = run([...history, ...busy]);
    // threshold = max(20, 4 x 40) = 160 distinct ids: 150 is a busy window, not enumeration.
    expect(findings).toEqual([]);
    const heavier = normalUse(1, 165, 300_000).map((e, i) => ({ ...e, ts: T0 + 6 * W + i * 1000 }));
    const found = run([...history, ...heavier]);
    expect(found).toHaveLength(5);
    expect(found[0]?.evidence).toMatchObject({ distinctIds: 161, threshold: 160, baselineDistinct: 40 });
  });

  it('holds principals still learning to minDistinct x baselineMultiplier', () => {
    const burst = (n: number) =>
      Array.from({ length: n }, (_, i) => event({ ts: T0 + i * 1000, objects: [patient(i * 13, { seq: undefined })] }));
    expect(run(burst(80))).toEqual([]);
    const found = run(burst(82));
    expect(found).toHaveLength(2);
    expect(found[0]?.evidence).toMatchObject({ distinctIds: 81, threshold: 80, learnedWindows: 0 });
  });

  it('does not count accesses that left the sliding window', () => {
    // 40 distinct ids, one every 30 s: never more than 10 inside any 300 s window.
    const slow = Array.from({ length: 40 }, (_, i) => event({ ts: T0 + i * 30_000, objects: [patient(i * 31, { seq: undefined })] }));
    expect(run(slow)).toEqual([]);
  });

  /** `windows` windows from `start`, each reading `perWindow` ids 30 s apart; `idOf(window, i)` names them. */
  function paced(start: number, windows: number, perWindow: number, idOf: (w: number, i: number) => number): NormalizedEvent[] {
    const out: NormalizedEvent[] = [];
    for (let w = 0; w < windows; w++) {
      for (let i = 0; i < perWindow; i++) out.push(event({ ts: start + w * W + i * 30_000, objects: [patient(idOf(w, i), { seq: undefined })] }));
    }
    return out;
  }

  it('raises sustained_distinct_ids on a slow enumeration no single window shows', () => {
    // Baseline 2 ids per window: allowance max(2 x 2, 2 + 3 x 0) = 4. Then 10 new ids per window
    // (half distinct_ids' floor of 20): the run adds 6, 6, 6, and alerts at the 6th id of its 4th window.
    const slow = paced(T0 + 6 * W, 8, 10, (w, i) => 50_000 + w * 100 + i * 7);
    const findings = run([...normalUse(6, 2), ...slow]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'high', ts: T0 + 9 * W + 5 * 30_000 });
    expect(findings[0]?.evidence).toMatchObject({
      pattern: 'sustained_distinct_ids',
      distinctIds: 36,
      windows: 4,
      allowancePerWindow: 4,
      excessIds: 20,
      threshold: 20,
      baselineDistinct: 5.9,
      learnedWindows: 9,
    });
    expect(findings[0]?.summary).toBe(
      'user:alice read 36 distinct Patient objects over 4 consecutive 300s windows, 20 more than the 4 new ones per window its baseline allowed when they began',
    );
  });

  it('does not count ids re-read in later windows, a run broken by an idle window, or a principal still learning', () => {
    const sameList = paced(T0 + 6 * W, 8, 10, (_w, i) => 50_000 + i * 7);
    expect(run([...normalUse(6, 2), ...sameList])).toEqual([]);
    const broken = [...paced(T0 + 6 * W, 3, 10, (w, i) => 50_000 + w * 100 + i * 7), ...paced(T0 + 10 * W, 3, 10, (w, i) => 60_000 + w * 100 + i * 7)];
    expect(run([...normalUse(6, 2), ...broken])).toEqual([]);
    // A newcomer whose normal is 10 per window learns it: no run ever starts.
    expect(run(paced(T0, 8, 10, (w, i) => 50_000 + w * 100 + i * 7))).toEqual([]);
  });

  describe("a machine credential's day", () => {
    const DAY = 86_400_000;
    const NINE = Date.UTC(2026, 10, 2, 9);
    let next = 0;
    /** Consecutive windows from `start`, `perWindow` new ids each (never re-read), for each [windows, perWindow] segment. */
    const shape = (start: number, segments: [number, number][], principal: NormalizedEvent['principal']) => {
      const out: NormalizedEvent[] = [];
      let w = 0;
      for (const [windows, perWindow] of segments) {
        for (let k = 0; k < windows; k++, w++) {
          for (let i = 0; i < perWindow; i++) out.push(event({ ts: start + w * W + i * 10_000, principal, objects: [patient(1_000_000 + 7 * next++, { seq: undefined })] }));
        }
      }
      return out;
    };
    // A partner checking claims: 8 a window, 14 through the morning's rush, 8 again, 2 all evening.
    const DAY_SHAPE: [number, number][] = [
      [6, 8],
      [24, 14],
      [48, 8],
      [36, 2],
    ];
    const partner = { id: 'key:partner', kind: 'apikey' as const, scopes: [], authScheme: 'apikey' as const };
    const alice = { id: 'user:alice', kind: 'user' as const, scopes: [], authScheme: 'bearer' as const };

    it("judges a machine's morning rise against its busiest window of the last day, not against the quiet evening", () => {
      // A person with the same day: the second morning drifts above twice the evening's baseline.
      const person = run([...shape(NINE, DAY_SHAPE, alice), ...shape(NINE + DAY, DAY_SHAPE, alice)]);
      expect(person.map((f) => f.evidence.pattern)).toEqual(['sustained_distinct_ids']);
      expect(person[0]?.evidence).toMatchObject({ allowancePerWindow: 5 });
      // The machine read 14 a window yesterday morning, unflagged: the same today is no drift.
      expect(run([...shape(NINE, DAY_SHAPE, partner), ...shape(NINE + DAY, DAY_SHAPE, partner)])).toEqual([]);
    });

    it('still catches a machine reading more than its busiest window, window after window', () => {
      // 19 new ids a window (under distinct_ids' floor of 20) against yesterday's peak of 14: 5 extra
      // a window, 20 by the fourth window.
      const found = run([...shape(NINE, DAY_SHAPE, partner), ...shape(NINE + DAY, [[8, 19]], partner)]);
      expect(found.map((f) => [f.evidence.pattern, f.evidence.allowancePerWindow, f.evidence.windows, f.evidence.excessIds])).toEqual([['sustained_distinct_ids', 14, 4, 20]]);
    });

    it('forgets a peak after a day: a machine away for two days is judged by its baseline again', () => {
      const found = run([...shape(NINE, DAY_SHAPE, partner), ...shape(NINE + 3 * DAY, [[8, 19]], partner)]);
      expect(found.map((f) => [f.evidence.pattern, f.evidence.allowancePerWindow])).toEqual([['sustained_distinct_ids', 5]]);
    });
  });

  it('raises sequential_walk on consecutive integer ids in request order, tolerating small gaps', () => {
    const ids = [1000, 1001, 1002, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011];
    const walk = ids.map((id, i) => event({ ts: T0 + i * 1000, objects: [patient(id)] }));
    const findings = run(walk);
    expect(findings.map((f) => f.evidence.walkLength)).toEqual([10, 11]);
    expect(findings[0]?.evidence).toMatchObject({ pattern: 'sequential_walk', resourceType: 'Patient', sequentialRun: 10 });
    expect(findings[0]?.summary).toBe('user:alice walked 10 consecutive Patient ids in request order');
  });

  it('does not call scattered integer ids a walk', () => {
    const ids = [17, 18, 400, 401, 9, 10, 11, 2000, 2001, 77, 78, 79];
    expect(run(ids.map((id, i) => event({ ts: T0 + i * 1000, objects: [patient(id)] })))).toEqual([]);
  });

  it('raises failure_probing on many distinct ids answered 403/404, not on one id retried', () => {
    const probes = Array.from({ length: 16 }, (_, i) =>
      event({ ts: T0 + i * 1000, status: i % 2 ? 404 : 403, objects: [patient(i * 97, { seq: undefined })] }),
    );
    const findings = run(probes);
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatchObject({ severity: 'medium', ts: T0 + 14_000 });
    expect(findings[0]?.evidence).toMatchObject({ pattern: 'failure_probing', failedDistinctIds: 15, failures: 15, failureRatio: 1 });
    const retries = Array.from({ length: 40 }, (_, i) => event({ ts: T0 + i * 1000, status: 404, objects: [patient(5, { seq: undefined })] }));
    expect(run(retries)).toEqual([]);
  });

  it('ignores objects the principal created (201 Location)', () => {
    const creates = Array.from({ length: 30 }, (_, i) =>
      event({ ts: T0 + i * 1000, method: 'POST', status: 201, objects: [patient(i * 11, { via: 'location', created: true })] }),
    );
    expect(run(creates)).toEqual([]);
  });

  it('keeps principals apart', () => {
    const mixed = Array.from({ length: 40 }, (_, i) =>
      event({
        ts: T0 + i * 1000,
        principal: { id: `user:u${i % 2}`, kind: 'user', scopes: [], authScheme: 'bearer' },
        objects: [patient(i * 37, { seq: undefined })],
      }),
    );
    // Each of the two users reads 20 distinct ids: at the floor, not above it.
    expect(run(mixed)).toEqual([]);
  });

  it('gives the same findings when the same events are replayed into fresh state', () => {
    const events = [...normalUse(3, 4), ...Array.from({ length: 30 }, (_, i) => event({ ts: T0 + 3 * W + i * 500, objects: [patient(7000 + i)] }))];
    expect(run(events)).toEqual(run(events));
    expect(run(events).length).toBeGreaterThan(0);
  });
});

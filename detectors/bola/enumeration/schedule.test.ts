import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent, Principal } from '../../../libs/contracts/index.js';
import { event, ref } from '../../test-support/events.js';
import { restored } from '../../test-support/rows.js';
import { createEnumerationDetector } from './index.js';

// A billing partner's key checks the eligibility of 300 members every night, in two minutes: far
// above any floor, and alerted windows are never learned. A batch that recurs about a day later is.
const cfg = { windowSeconds: 300, minDistinct: 20, baselineMultiplier: 4, learningWindows: 1, sequentialRun: 10, minFailures: 15 };
const T0 = Date.UTC(2026, 9, 19);
const H = 3_600_000;
const DAY = 24 * H;
const partner: Principal = { id: 'key:fp_partner', kind: 'apikey', app: 'partner-1', scopes: [], authScheme: 'apikey' };
const clerk: Principal = { id: 'user:clerk', kind: 'user', app: 'billing', scopes: [], authScheme: 'bearer' };

/** 300 distinct members (not sequential), 400 ms apart, from `at`. */
function batch(who: Principal, at: number, night: number): NormalizedEvent[] {
  return Array.from({ length: 300 }, (_, i) =>
    event({ ts: at + i * 400, principal: who, route: '/v1/members/{id}/eligibility', objects: [ref('members', `tok_n${night}_${(i * 7919) % 10_007}`)] }),
  );
}

/**
 * A machine credential's first day learns its volume (index.ts `MACHINE_FIRST_DAY_MS`): these
 * partners are known from a few checks two days before their first batch, so the batches below are
 * judged as a known service's.
 */
const known = (who: Principal): NormalizedEvent[] =>
  Array.from({ length: 5 }, (_, i) => event({ ts: T0 - 2 * DAY + i * 60_000, principal: who, route: '/v1/members/{id}/eligibility', objects: [ref('members', `tok_k${i}`)] }));
const nights = (who: Principal, starts: number[]) => [...known(who), ...starts.flatMap((at, n) => batch(who, at, n))];
/** The night each finding's batch started on. */
const nightsAlerted = (findings: Finding[]) => [...new Set(findings.map((f) => Math.floor((f.ts - T0) / DAY)))];

function run(events: NormalizedEvent[]) {
  const d = createEnumerationDetector(cfg);
  const state = d.createState();
  return { d, state, findings: events.flatMap((e) => d.detect(e, state)) };
}

describe('bola/enumeration: a machine credential’s nightly batch', () => {
  it('alerts on the first two nights, then learns a batch that starts about a day after the last one', () => {
    // 01:00, 02:10, 01:30, 00:50, 01:05: within two hours of a day apart each time.
    const starts = [1 * H, DAY + 2 * H + 10 * 60_000, 2 * DAY + H + 30 * 60_000, 3 * DAY + 50 * 60_000, 4 * DAY + H + 5 * 60_000].map((t) => T0 + t);
    const { findings } = run(nights(partner, starts));
    expect(nightsAlerted(findings)).toEqual([0, 1]);
    expect(findings.every((f) => f.evidence.pattern === 'distinct_ids')).toBe(true);
  });

  it('keeps alerting on a person doing the same, and on a key whose bursts keep no daily time', () => {
    const daily = [0, 1, 2, 3].map((n) => T0 + n * DAY + H);
    expect(nightsAlerted(run(nights(clerk, daily)).findings)).toEqual([0, 1, 2, 3]);
    // 01:00, then 14:00 the next day, then 05:00 two days later, then 20:00: never about a day apart.
    const erratic = [H, DAY + 14 * H, 3 * DAY + 5 * H, 3 * DAY + 20 * H].map((t) => T0 + t);
    expect(nightsAlerted(run(nights(partner, erratic)).findings)).toEqual([0, 1, 3]);
  });

  it('still flags a daytime enumeration far beyond the learned batch', () => {
    const starts = [0, 1, 2].map((n) => T0 + n * DAY + H);
    const harvest = Array.from({ length: 2_000 }, (_, i) =>
      event({ ts: T0 + 3 * DAY + 14 * H + i * 100, principal: partner, route: '/v1/members/{id}/eligibility', objects: [ref('members', `tok_h${i}`)] }),
    );
    const { findings } = run([...nights(partner, starts), ...harvest]);
    expect(nightsAlerted(findings)).toEqual([0, 1, 3]);
    // What it learned (the five checks of its first day's window, then three nights of 300 a window)
    // allows 677.6 (mean + 4 sd of the EWMA): the 678th distinct member alerts.
    expect(findings.find((f) => f.ts > T0 + 3 * DAY)?.evidence).toMatchObject({ pattern: 'distinct_ids', distinctIds: 678, threshold: 677.6 });
  });

  it("learns a new machine credential's batch on its first day: no alert on its first night or after, while a walk on its first day is still one", () => {
    const fresh: Principal = { ...partner, id: 'key:fp_new_partner' };
    const starts = [0, 1, 2].map((n) => T0 + n * DAY + H);
    const batches = starts.flatMap((at, n) => batch(fresh, at, n));
    expect(run(batches).findings).toEqual([]);
    // Its first request at 01:00; at 09:00 it walks member ids 1..12 in order: that is no batch.
    const walk = Array.from({ length: 12 }, (_, i) => event({ ts: T0 + 9 * H + i * 1000, principal: fresh, route: '/v1/members/{id}', objects: [{ ...ref('members', `tok_w${i}`), seq: i + 1 }] }));
    const found = run([...batch(fresh, T0 + H, 0), ...walk]).findings;
    // The tenth id in order, and each after it (one alert, as every finding of a principal's pattern).
    expect(found.map((f) => [f.evidence.pattern, f.ts])).toEqual([9, 10, 11].map((i) => ['sequential_walk', T0 + 9 * H + i * 1000]));
    // A person's first night is judged as always.
    expect(nightsAlerted(run(batch(clerk, T0 + H, 0)).findings)).toEqual([0]);
  });

  it("judges a machine whose type is still learning by the batch it read within the last day, not by the floor for strangers", () => {
    // Three learned windows needed; each night's batch fills one: the second night is still learning.
    const slow = createEnumerationDetector({ ...cfg, learningWindows: 3 });
    const fresh: Principal = { ...partner, id: 'key:fp_new_partner' };
    const feed = (events: NormalizedEvent[]) => {
      const state = slow.createState();
      return events.flatMap((e) => slow.detect(e, state));
    };
    // 01:00 on its first day (learned), 02:00 the next night: 300 against 4 x 300, not 4 x 20.
    expect(feed([...batch(fresh, T0 + H, 0), ...batch(fresh, T0 + DAY + 2 * H, 1)])).toEqual([]);
    // 1,300 the next night, still learning: past 4 x its 300 of the night before.
    const big = Array.from({ length: 1_300 }, (_, i) =>
      event({ ts: T0 + DAY + 2 * H + i * 100, principal: fresh, route: '/v1/members/{id}/eligibility', objects: [ref('members', `tok_b${i}`)] }),
    );
    const found = feed([...batch(fresh, T0 + H, 0), ...big]);
    expect(found[0]?.evidence).toMatchObject({ pattern: 'distinct_ids', distinctIds: 1201, threshold: 1200, learnedWindows: 1 });
  });

  it('keeps the schedule through a snapshot and restore', () => {
    const all = nights(partner, [0, 1, 2].map((n) => T0 + n * DAY + H));
    // Cut halfway through the second night: the first night's episode is only in the schedule.
    const cut = 5 + 300 + 150;
    const { d, state } = run(all.slice(0, cut));
    const first = Math.floor((T0 + H) / 300_000);
    expect(state.principals.get('key:fp_partner')?.profile[0]?.schedule).toEqual({ last: first, episode: first, prev: -1 });
    const back = restored(d, d.snapshot(state, 1));
    expect(nightsAlerted(all.slice(cut).flatMap((e) => d.detect(e, back)))).toEqual([1]);
  });
});

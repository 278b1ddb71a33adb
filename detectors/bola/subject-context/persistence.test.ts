import { describe, expect, it } from 'vitest';
import type { BaselineSnapshot } from '../../../libs/baseline/index.js';
import type { NormalizedEvent, Principal } from '../../../libs/contracts/index.js';
import { event, principal, ref } from '../../test-support/events.js';
import { expectSameAtEveryCut, feed, restored } from '../../test-support/rows.js';
import { createSubjectContextDetector, DEFAULTS } from './index.js';

const T0 = Date.UTC(2026, 2, 2, 18, 0, 0);
const DAY = 86_400_000;
const SCOPES = ['patient/*.read'];
const COHORT = 'portal|patient/*.read';
const member = (i: number): Principal => principal(`user:m${i}`, 'portal', SCOPES);
const d = createSubjectContextDetector({ ...DEFAULTS, minCohortPrincipals: 4, maxMultiRate: 0.2 });

function use(p: Principal, ts: number, id: string): NormalizedEvent {
  return event({ ts, principal: p, route: '/accounts/{id}', objects: [ref('accounts', id)] });
}

/** Members 0..4 use their own account on three days; member 0 then uses member 1's. */
function traffic(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (const day of [0, 1, 2]) for (let i = 0; i < 5; i++) out.push(use(member(i), T0 + day * DAY + i * 1000, `tok_a${i}`));
  out.push(use(member(0), T0 + 2 * DAY + 3_600_000, 'tok_a1'), use(member(0), T0 + 2 * DAY + 3_700_000, 'tok_a4'));
  return out;
}

const byKey = (rows: BaselineSnapshot[]) => [...rows].sort((a, b) => `${a.scope}${a.key}`.localeCompare(`${b.scope}${b.key}`));

describe('bola/subject-context persistence', () => {
  it("saves each principal's slots in its row and each cohort's tally per type", () => {
    const state = d.createState();
    feed(d, state, traffic().slice(0, 11));
    const rows = byKey(d.snapshot(state, 7));
    expect(rows.map((r) => [r.scope, r.key, r.firstTs, r.lastTs, r.events])).toEqual([
      ['cohort', `accounts@${COHORT}`, T0 + 2 * DAY, T0 + 2 * DAY, 1],
      ['principal', 'user:m0', T0, T0 + 2 * DAY, 3],
      ['principal', 'user:m1', T0 + 1000, T0 + DAY + 1000, 2],
      ['principal', 'user:m2', T0 + 2000, T0 + DAY + 2000, 2],
      ['principal', 'user:m3', T0 + 3000, T0 + DAY + 3000, 2],
      ['principal', 'user:m4', T0 + 4000, T0 + DAY + 4000, 2],
    ]);
    expect(JSON.parse(rows[1]?.state ?? '')).toEqual({ slots: [['portal', 'accounts', 'tok_a0', 3, T0, T0 + 2 * DAY, 'single']] });
    expect(JSON.parse(rows[0]?.state ?? '')).toEqual({ cohort: COHORT, type: 'accounts', singles: 1, multis: 0, lastTs: T0 + 2 * DAY });
  });

  it('detects after a restore exactly as without one, at every cut', () => {
    const events = traffic();
    const whole = d.createState();
    expect(feed(d, whole, events).map((f) => f.evidence.observed)).toEqual([
      { type: 'accounts', id: 'tok_a1', via: 'path', method: 'GET', status: 200 },
      { type: 'accounts', id: 'tok_a4', via: 'path', method: 'GET', status: 200 },
    ]);
    expectSameAtEveryCut(d, events, [1, 5, 10, 12, 15, 16], byKey);
  });

  it('saves a second own record taken on after a pause, and detects after a restore as without one', () => {
    // Member 2 comes back on day 3 on member 4's account (a switch), keeps to both, then reads member 1's.
    const events = [
      ...traffic().slice(0, 15),
      use(member(2), T0 + 3 * DAY, 'tok_a4'),
      use(member(2), T0 + 3 * DAY + 60_000, 'tok_a2'),
      use(member(2), T0 + 3 * DAY + 120_000, 'tok_a4'),
      use(member(2), T0 + 3 * DAY + 180_000, 'tok_a1'),
    ];
    const state = d.createState();
    expect(feed(d, state, events).map((f) => [f.principal, f.severity, f.evidence.observed])).toEqual([
      ['user:m2', 'medium', expect.objectContaining({ id: 'tok_a4' })],
      ['user:m2', 'high', expect.objectContaining({ id: 'tok_a1' })],
    ]);
    const row = d.snapshot(state, 1, { principals: new Set(['user:m2']) })[0] as BaselineSnapshot;
    expect(JSON.parse(row.state)).toEqual({ slots: [['portal', 'accounts', 'tok_a2', 5, T0 + 2000, T0 + 3 * DAY + 120_000, 'flagged', 'tok_a4']] });
    expectSameAtEveryCut(d, events, [15, 16, 17, 18], byKey);
    expect(d.restore(d.createState(), [{ ...row, state: '{"slots":[["portal","accounts","tok_a2",1,0,0,"flagged","tok_a2"]]}' }])).toBe(0);
  });

  it('moves with the principal: forget drops its row, a restore brings it back; bad rows are skipped', () => {
    const state = d.createState();
    feed(d, state, traffic().slice(0, 15));
    const rows = d.snapshot(state, 1, { principals: new Set(['user:m0']) });
    expect(rows.map((r) => r.key)).toEqual(['user:m0', `accounts@${COHORT}`]);
    d.forget(state, new Set(['user:m0']));
    expect(d.snapshot(state, 1, { principals: new Set(['user:m0']) }).map((r) => r.key)).toEqual([`accounts@${COHORT}`]);
    const back = restored(d, rows);
    expect(back.principals.peek('user:m0')?.phase).toBe('single');
    const bad = [
      { ...(rows[0] as BaselineSnapshot), state: '{"slots":[["portal","accounts","",1,0,0,"single"]]}' },
      { ...(rows[0] as BaselineSnapshot), state: '{"slots":[["portal","accounts","tok",1,0,0,"owner"]]}' },
      { ...(rows[1] as BaselineSnapshot), key: 'other@key' },
      { ...(rows[1] as BaselineSnapshot), state: 'not json' },
    ];
    expect(d.restore(d.createState(), bad)).toBe(0);
  });
});

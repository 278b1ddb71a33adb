import { describe, expect, it } from 'vitest';
import { encodeHll, hllAdd, newHll, type BaselineSnapshot } from '../../../libs/baseline/index.js';
import type { Finding, NormalizedEvent, Principal } from '../../../libs/contracts/index.js';
import { event, principal, ref } from '../../test-support/events.js';
import { createForeignObjectDetector, DEFAULTS, type ForeignObjectConfig, type ForeignObjectState } from './index.js';
import { restored, throughStore } from '../../test-support/rows.js';

const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const HOUR = 3_600_000;
const LATER = T0 + 4 * HOUR;
const cfg: ForeignObjectConfig = { ...DEFAULTS, minCohortPrincipals: 5, minCohortObjects: 20, objectCap: 10_000, cohortCap: 100 };
const SCOPES = ['openid', 'patient/*.read', 'patient/Appointment.write'];
const COHORT = 'mychart|openid patient/*.read patient/Appointment.write';
const members = Array.from({ length: 8 }, (_, i) => principal(`user:u${i}`, 'mychart', SCOPES));
const u = (i: number) => members[i] as Principal;
const eve = principal('user:eve', 'mychart', SCOPES);
const d = createForeignObjectDetector(cfg);

function use(p: Principal, ts: number, type: string, id: string, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return event({ ts, eventId: `${p.id}-${type}-${id}-${ts}`, principal: p, route: `/fhir/${type}/{id}`, objects: [ref(type, id)], ...over });
}

function create(p: Principal, ts: number, type: string, id: string): NormalizedEvent {
  return use(p, ts, type, id, { method: 'POST', status: 201, route: `/fhir/${type}`, objects: [ref(type, id, { via: 'location', created: true })] });
}

/** Each member reads its own 4 DocumentReferences, hourly for 3 hours. */
function ownUse(who: readonly Principal[] = members): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let h = 0; h < 3; h++) {
    members.forEach((m, i) => {
      if (!who.includes(m)) return;
      for (let k = 0; k < 4; k++) out.push(use(m, T0 + h * HOUR + i * 1000 + k, 'DocumentReference', `tok_d${i}_${k}`));
    });
  }
  return out;
}

function fed(events: readonly NormalizedEvent[], state: ForeignObjectState = d.createState()): ForeignObjectState {
  for (const e of events) d.detect(e, state);
  return state;
}

const rowState = (rows: BaselineSnapshot[], key: string): unknown => JSON.parse(rows.find((r) => r.key === key)?.state ?? 'null');

describe('bola/foreign-object persistence', () => {
  it('saves per principal the objects it owns and those it read after their owner, and per cohort its tallies', () => {
    const state = fed([
      use(u(0), T0, 'DocumentReference', 'tok_a'),
      create(u(0), T0 + 5, 'Appointment', 'tok_b'),
      // Within the ownership period: not foreign, the cohort learns it shares a little.
      use(u(1), T0 + 1000, 'DocumentReference', 'tok_a'),
    ]);
    const hll = newHll(8);
    hllAdd(hll, 'user:u0');
    hllAdd(hll, 'user:u1');
    const rows = d.snapshot(state, 7);
    expect(rows).toEqual([
      {
        detector: 'bola/foreign-object',
        scope: 'principal',
        key: 'user:u0',
        version: 7,
        firstTs: T0,
        lastTs: T0 + 5,
        events: 2,
        state: JSON.stringify({ cohorts: [{ cohort: COHORT, owns: [['DocumentReference', 'tok_a', 'sole_reader', T0], ['Appointment', 'tok_b', 'created', T0 + 5]], reads: [] }] }),
      },
      {
        detector: 'bola/foreign-object',
        scope: 'principal',
        key: 'user:u1',
        version: 7,
        firstTs: T0,
        lastTs: T0,
        events: 1,
        state: JSON.stringify({ cohorts: [{ cohort: COHORT, owns: [], reads: [['DocumentReference', 'tok_a', T0]] }] }),
      },
      {
        detector: 'bola/foreign-object',
        scope: 'cohort',
        key: COHORT,
        version: 7,
        firstTs: T0,
        lastTs: T0 + 1000,
        events: 2,
        state: JSON.stringify({ principals: encodeHll(hll), types: [['DocumentReference', 1, 1], ['Appointment', 1, 0]] }),
      },
    ]);
    // The round trip is exact: the restored state saves the same rows.
    expect(d.snapshot(restored(d, rows), 7)).toEqual(rows);
  });

  it('goes on detecting exactly like the uninterrupted state, wherever the traffic is cut', () => {
    const events = [
      ...ownUse(),
      create(u(0), LATER, 'Appointment', 'tok_a1'),
      ...Array.from({ length: 20 }, (_, i) => use(u(i % 8), LATER + i, 'Appointment', `tok_own${i}`)),
      use(eve, LATER + 60_000, 'Appointment', 'tok_a1', { method: 'PUT', eventId: 'put' }),
      use(eve, LATER + 120_000, 'DocumentReference', 'tok_d3_1', { eventId: 'read' }),
      // A reader inside the ownership period, then a re-creation that makes u4 the owner.
      use(u(1), LATER, 'DocumentReference', 'tok_new'),
      use(u(2), LATER + 600_000, 'DocumentReference', 'tok_new'),
      create(u(4), LATER + 180_000, 'DocumentReference', 'tok_d3_2'),
      use(u(3), LATER + 240_000, 'DocumentReference', 'tok_d3_2', { eventId: 'old-owner' }),
      use(eve, LATER + 300_000, 'DocumentReference', 'tok_d3_1', { eventId: 'again' }),
    ];
    const whole: Finding[][] = [];
    const reference = d.createState();
    for (const e of events) whole.push(d.detect(e, reference));
    expect(whole.flat().map((f) => [f.eventId, f.evidence.baseline])).toEqual([
      ['put', expect.objectContaining({ owner: 'user:u0', ownership: 'created' })],
      ['read', expect.objectContaining({ owner: 'user:u3', ownership: 'regular_reader' })],
      ['old-owner', expect.objectContaining({ owner: 'user:u4', ownership: 'created' })],
    ]);
    for (let cut = 0; cut <= events.length; cut++) {
      const state = restored(d, d.snapshot(fed(events.slice(0, cut)), 1));
      expect(events.slice(cut).map((e) => d.detect(e, state))).toEqual(whole.slice(cut));
    }
  });

  it('writes only the selected principals’ rows, and a read changes only the reader’s row', () => {
    const state = fed([...ownUse(), use(eve, LATER, 'DocumentReference', 'tok_d3_1')]);
    const rows = d.snapshot(state, 2, { principals: new Set(['user:eve']) });
    expect(rows.map((r) => [r.scope, r.key])).toEqual([
      ['principal', 'user:eve'],
      ['cohort', COHORT],
    ]);
    expect(rowState(rows, 'user:eve')).toEqual({ cohorts: [{ cohort: COHORT, owns: [], reads: [['DocumentReference', 'tok_d3_1', T0 + 3001]] }] });
  });

  it('skips rows that do not decode, and other detectors’ rows', () => {
    const good = d.snapshot(fed(ownUse()), 1);
    const row = (scope: 'principal' | 'cohort', state: string, detector = 'bola/foreign-object'): BaselineSnapshot =>
      ({ detector, scope, key: scope === 'cohort' ? 'other|x' : 'user:mallory', version: 1, firstTs: T0, lastTs: T0, events: 1, state });
    const part = (owns: unknown[], reads: unknown[] = []) => JSON.stringify({ cohorts: [{ cohort: COHORT, owns, reads }] });
    const bad = [
      row('principal', 'not json'),
      row('principal', part([['DocumentReference', 'tok_d0_0', 'stolen', T0 - 1]])),
      row('principal', part([['DocumentReference', 'tok_d0_0', 'created', 'yesterday']])),
      row('principal', part([['Document\u0000Reference', 'tok_d0_0', 'created', T0 - 1]])),
      row('principal', part([], [['DocumentReference', 'tok_d0_0']])),
      row('principal', JSON.stringify({ cohorts: 'all' })),
      row('cohort', JSON.stringify({ principals: encodeHll(newHll(10)), types: [] })),
      row('cohort', JSON.stringify({ principals: encodeHll(newHll(8)), types: [['Claim', -1, 0]] })),
      row('principal', part([['DocumentReference', 'tok_d0_0', 'created', T0 - 1]]), 'rate'),
    ];
    const state = d.createState();
    expect(d.restore(state, throughStore([...bad, ...good]))).toBe(good.length);
    expect(d.snapshot(state, 1)).toEqual(good);
  });

  it('forget drops the objects the principals own, and keeps everyone else’s', () => {
    const state = fed(ownUse());
    d.forget?.(state, new Set(['user:u3']));
    const rows = d.snapshot(state, 1);
    expect(rows.filter((r) => r.scope === 'principal').map((r) => r.key)).toEqual(['user:u0', 'user:u1', 'user:u2', 'user:u4', 'user:u5', 'user:u6', 'user:u7']);
    expect(rows.some((r) => r.state.includes('tok_d3_'))).toBe(false);
    // Not compared with u3 any more on this instance (eve becomes the first user), still with u2.
    expect(d.detect(use(eve, LATER, 'DocumentReference', 'tok_d3_1'), state)).toEqual([]);
    expect(d.detect(use(eve, LATER, 'DocumentReference', 'tok_d2_1'), state).map((f) => f.evidence.baseline)).toEqual([
      expect.objectContaining({ owner: 'user:u2', ownership: 'regular_reader' }),
    ]);
  });

  it('a handoff merges the owner’s rows into the new instance’s index: the first user stays the owner', () => {
    // Instance A saw u3; instance B saw the others, and u5 used one of u3's objects first there.
    const a = fed(ownUse());
    const moved = d.snapshot(a, 3, { principals: new Set(['user:u3']) }).filter((r) => r.scope === 'principal');
    const b = fed([...ownUse(members.filter((m) => m !== u(3))), use(u(5), LATER, 'DocumentReference', 'tok_d3_1')]);
    expect(d.restore(b, throughStore(moved))).toBe(1);
    // u3 reading its own object on B is not foreign; u5 used it after u3 and is now its reader.
    expect(d.detect(use(u(3), LATER + 2 * HOUR, 'DocumentReference', 'tok_d3_1'), b)).toEqual([]);
    const rows = d.snapshot(b, 4, { principals: new Set(['user:u3', 'user:u5']) });
    expect(rowState(rows, 'user:u5')).toEqual({
      cohorts: [{ cohort: COHORT, owns: [0, 1, 2, 3].map((k) => ['DocumentReference', `tok_d5_${k}`, 'regular_reader', T0 + 5000 + k]), reads: [['DocumentReference', 'tok_d3_1', T0 + 3001]] }],
    });
    // And a peer on B reading another of u3's objects is now compared with u3.
    expect(d.detect(use(eve, LATER + 2 * HOUR, 'DocumentReference', 'tok_d3_0'), b).map((f) => f.evidence.baseline)).toEqual([
      expect.objectContaining({ owner: 'user:u3', ownership: 'regular_reader', ownedSince: new Date(T0 + 3000).toISOString() }),
    ]);
  });

  it('a stale row of a former owner loses to the later creation saved after it', () => {
    const state = fed(ownUse());
    const first = d.snapshot(state, 1);
    d.detect(create(u(4), LATER, 'DocumentReference', 'tok_d3_1'), state);
    // Incremental: only u4 saw an event; u3's stored row still claims the object.
    const second = d.snapshot(state, 2, { principals: new Set(['user:u4']) });
    const stored = [...first.filter((r) => r.key !== 'user:u4' && r.scope === 'principal'), ...second];
    const theft = use(u(3), LATER + 60_000, 'DocumentReference', 'tok_d3_1');
    const expected = d.detect(theft, state);
    expect(expected.map((f) => f.evidence.baseline)).toEqual([expect.objectContaining({ owner: 'user:u4', ownership: 'created' })]);
    expect(d.detect(theft, restored(d, stored))).toEqual(expected);
  });

  it('clearCapped empties the object index and the type tallies, and keeps the cohorts’ principal counts', () => {
    const state = fed(ownUse());
    const before = d.snapshot(state, 1).filter((r) => r.scope === 'cohort');
    d.clearCapped(state);
    const after = d.snapshot(state, 1);
    expect(after.map((r) => [r.scope, r.key, r.firstTs, r.lastTs, r.events])).toEqual([['cohort', COHORT, T0, T0 + 2 * HOUR + 7003, 0]]);
    expect(rowState(after, COHORT)).toEqual({ principals: (rowState(before, COHORT) as { principals: string }).principals, types: [] });
  });
});

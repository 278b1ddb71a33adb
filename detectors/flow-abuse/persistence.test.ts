import { describe, expect, it } from 'vitest';
import type { BaselineSnapshot } from '../../libs/baseline/index.js';
import type { NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { event, ref } from '../test-support/events.js';
import { createFlowAbuseDetector, DEFAULTS, NAME, POPULATION_ROWS } from './index.js';
import { decodeFlow, encodeFlow } from './persist.js';
import type { PrincipalFlow } from './session.js';
import { H, med, MED, oddSession, patientUser as patient, REFILL, T0 } from './test-traffic.js';
import { expectSameAtEveryCut, feed, throughStore } from '../test-support/rows.js';

const APPTS = '/api/v1/appointments';
const d = createFlowAbuseDetector(DEFAULTS);

function bookAndCancel(who: Principal, at: number, appt: string): NormalizedEvent[] {
  const a = ref('appointments', appt);
  return [
    event({ ts: at, principal: who, route: APPTS, method: 'POST', status: 201, objects: [{ ...a, via: 'location', created: true }] }),
    event({ ts: at + 60_000, principal: who, route: `${APPTS}/{id}`, method: 'DELETE', status: 204, objects: [a] }),
  ];
}

/**
 * 30 patients refill once (windows that close later, in event time, and teach the floor), then one
 * books and cancels 7 times across an hour boundary: repeat findings at the floor, judged against a
 * population taught by windows still queued at most cut points.
 */
function undoLoop(): NormalizedEvent[] {
  const refills = Array.from({ length: 30 }, (_, i) =>
    event({ ts: T0 + i * 60_000, principal: patient(100 + i), route: '/api/v1/prescriptions/{id}/refills', method: 'POST', status: 201, objects: [ref('prescriptions', `tok_rx${i}`)] }),
  );
  const cycles = Array.from({ length: 7 }, (_, i) => bookAndCancel(patient(6), T0 + 2 * H + 44 * 60_000 + i * 240_000, `tok_c${i}`)).flat();
  return [...refills, ...cycles];
}

/** 12 patients refill a prescription every 2 hours for 60 hours; then one makes writes patients never make. */
function oddFlow(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let k = 0; k < 30; k++)
    for (let u = 0; u < 12; u++) {
      const at = T0 + k * 2 * H + u * 60_000;
      out.push(event({ ts: at, principal: patient(u), route: MED, objects: [med(u * 100 + k)] }));
      out.push(event({ ts: at + 20_000, principal: patient(u), route: REFILL, method: 'POST', objects: [med(u * 100 + k)] }));
    }
  out.sort((a, b) => a.ts - b.ts);
  out.push(...oddSession(patient(2), T0 + 60 * H, 9));
  return out;
}

/**
 * Rows with each principal's queue place replaced by its rank (places are numbered by the process
 * that queued them, restored items anew: only their order decides anything), principal rows by key
 * (restored principals are inserted least recently active first; order within a generation of
 * the cache decides nothing).
 */
function comparable(rows: BaselineSnapshot[]): unknown[] {
  const parsed = rows.map((r) => ({ ...r, state: JSON.parse(r.state) as { queued?: number | null } }));
  const places = parsed.flatMap((r) => (r.scope === 'principal' && typeof r.state.queued === 'number' ? [r.state.queued] : [])).sort((a, b) => a - b);
  for (const r of parsed) if (r.scope === 'principal' && typeof r.state.queued === 'number') r.state.queued = places.indexOf(r.state.queued);
  const key = (r: BaselineSnapshot | (typeof parsed)[number]) => (r.scope === 'principal' ? r.key : '');
  return parsed.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

describe('flow-abuse persistence', () => {
  it('goes on detecting repeats exactly as before when restored anywhere in an attack', () => {
    const events = undoLoop();
    const whole = feed(d, d.createState(), events);
    expect(whole.map((f) => [f.evidence.pattern, f.evidence.repeats, f.evidence.thresholdBasis])).toEqual([
      ['repeated_operation', 5, 'floor'],
      ['repeated_undo', 5, 'floor'],
      ['repeated_operation', 6, 'floor'],
      ['repeated_undo', 6, 'floor'],
      ['repeated_operation', 7, 'floor'],
      ['repeated_undo', 7, 'floor'],
    ]);
    expectSameAtEveryCut(d, events, Array.from({ length: events.length - 1 }, (_, i) => i + 1), comparable);
  });

  it('goes on judging a session exactly as before when restored in the middle of it', () => {
    const events = oddFlow();
    const whole = feed(d, d.createState(), events);
    expect(whole.map((f) => [f.principal, f.evidence.pattern])).toEqual([['user:p2', 'unseen_transition']]);
    expectSameAtEveryCut(d, events, Array.from({ length: 8 }, (_, i) => events.length - 8 + i), comparable);
  });

  it('closes a window queued before the snapshot at its end, and teaches the population with it', () => {
    const state = d.createState();
    feed(d, state, [event({ ts: T0, principal: patient(1), route: APPTS, method: 'POST', status: 201, objects: [] })]);
    const restored = d.createState();
    d.restore(restored, throughStore(d.snapshot(state, 1)));
    feed(d, restored, [event({ ts: T0 + 2 * H, principal: patient(2), route: MED, objects: [med(1)] })]);
    const taught = restored.repeatPops.peek(`*|POST ${APPTS}`);
    expect(taught?.values.ring.count).toBe(1);
    expect([...(taught?.principals ?? [])]).toEqual(['user:p1']);
    expect(restored.principals.peek('user:p1')?.bucketStart).toBe(-1);
  });

  it('round-trips a principal with a session, anomalies, repeats and creations exactly', () => {
    const state = d.createState();
    const events = oddFlow();
    feed(d, state, events);
    feed(d, state, bookAndCancel(patient(2), T0 + 60 * H + 8000, 'tok_a1').slice(0, 1));
    const flow = state.principals.peek('user:p2');
    expect(flow?.anomalies).toHaveLength(3);
    expect(flow?.repeats?.size).toBe(5);
    expect(flow?.created?.size).toBe(1);
    expect(decodeFlow(JSON.parse(JSON.stringify(encodeFlow(flow as NonNullable<typeof flow>, 7))))).toEqual({ flow, queued: 7 });
  });

  it("keeps a principal's own past (judged steps, cohort-rare ones), reads rows saved before it as none, and rejects impossible counts", () => {
    const state = d.createState();
    feed(d, state, oddFlow());
    const flow = state.principals.peek('user:p2') as PrincipalFlow;
    // 29 refill sessions before the odd one, one judged step each, none rare.
    expect([flow.pastJudged, flow.pastRare]).toEqual([29, 0]);
    const saved = { ...flow, pastJudged: 40, pastRare: 5 };
    const row = JSON.parse(JSON.stringify(encodeFlow(saved, undefined))) as Record<string, unknown>;
    expect(decodeFlow(row)?.flow).toEqual(saved);
    const { pastJudged: _j, pastRare: _r, ...before } = row;
    expect(decodeFlow(before)?.flow).toEqual({ ...saved, pastJudged: 0, pastRare: 0 });
    expect(decodeFlow({ ...row, pastRare: 41 })).toBeUndefined();
    expect(decodeFlow({ ...row, pastJudged: -1 })).toBeUndefined();
    expect(decodeFlow({ ...row, pastRare: 1.5 })).toBeUndefined();
  });

  it('writes one row per principal and four population rows under fixed keys, and only selected principals when asked', () => {
    const state = d.createState();
    feed(d, state, undoLoop());
    const rows = d.snapshot(state, 3);
    expect(rows.filter((r) => r.scope === 'principal')).toHaveLength(31);
    expect(rows.filter((r) => r.scope === 'cohort').map((r) => r.key)).toEqual(Object.values(POPULATION_ROWS));
    const some = d.snapshot(state, 3, { principals: new Set(['user:p6', 'user:nobody']) });
    expect(some.map((r) => [r.scope, r.key])).toEqual([['principal', 'user:p6'], ...Object.values(POPULATION_ROWS).map((k) => ['cohort', k])]);
    expect(some[0]).toEqual(rows.find((r) => r.key === 'user:p6'));
  });

  it('skips rows that do not decode, and rows of other detectors', () => {
    const state = d.createState();
    feed(d, state, undoLoop());
    const rows = throughStore(d.snapshot(state, 1));
    const p6 = rows.find((r) => r.key === 'user:p6') as BaselineSnapshot;
    const transitions = rows.find((r) => r.key === POPULATION_ROWS.transitions) as BaselineSnapshot;
    const bad: BaselineSnapshot[] = [
      { ...p6, key: 'user:x1', state: '{not json' },
      { ...p6, key: 'user:x2', state: p6.state.replace('"visited":[', '"visited":[1,') },
      { ...p6, key: 'user:x3', state: JSON.stringify({ ...(JSON.parse(p6.state) as object), repeats: [{ key: 'k' }] }) },
      { ...transitions, state: '[["a|b",1,{"total":"3"}]]' },
      { ...transitions, key: 'population:unknown' },
      { ...p6, detector: 'rate', key: 'user:x4' },
    ];
    const restored = d.createState();
    expect(d.restore(restored, [...bad, ...rows])).toBe(rows.length);
    for (const k of ['user:x1', 'user:x2', 'user:x3', 'user:x4']) expect(restored.principals.peek(k)).toBeUndefined();
    expect(comparable(d.snapshot(restored, 1))).toEqual(comparable(d.snapshot(state, 1)));
  });

  it('forgets the principals whose partition moved, and only them', () => {
    const state = d.createState();
    feed(d, state, undoLoop());
    d.forget?.(state, new Set(['user:p6', 'user:p100']));
    const keys = d.snapshot(state, 1).filter((r) => r.scope === 'principal').map((r) => r.key);
    expect(keys).toHaveLength(29);
    expect(keys).not.toContain('user:p6');
    expect(keys).not.toContain('user:p100');
    expect(keys).toContain('user:p101');
  });

  it('empties the capped collections and keeps the fixed fields', () => {
    const state = d.createState();
    feed(d, state, oddFlow());
    const before = { ...state.principals.peek('user:p2') };
    d.clearCapped(state);
    const after = state.principals.peek('user:p2');
    expect(after).toEqual({ ...before, visited: [], anomalies: undefined, repeats: undefined, created: undefined });
    expect(state.from.peek(`patient-app|patient/*.*|GET ${MED}`)).toMatchObject({ total: 363, to: new Map(), principals: new Set() });
    expect(state.closing.items).toEqual([]);
  });
});

describe('flow-abuse row keys', () => {
  it('names its population rows so no cohort key can collide with them', () => {
    for (const key of Object.values(POPULATION_ROWS)) expect(key.includes('|')).toBe(false);
    expect(NAME).toBe('flow-abuse');
  });
});

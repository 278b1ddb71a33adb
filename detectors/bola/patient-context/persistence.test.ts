import { describe, expect, it } from 'vitest';
import type { BaselineSnapshot } from '../../../libs/baseline/index.js';
import type { NormalizedEvent, Principal } from '../../../libs/contracts/index.js';
import { event, principal, ref } from '../../test-support/events.js';
import { createPatientContextDetector } from './index.js';
import { feed, restored } from '../../test-support/rows.js';

const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const PATIENT_SCOPES = ['launch/patient', 'openid', 'fhirUser', 'patient/*.read'];
const pat = principal('user:pat-88', 'mychart', PATIENT_SCOPES);
const patOtherApp = principal('user:pat-88', 'healthpal', PATIENT_SCOPES);
const d = createPatientContextDetector({ learningReads: 5, principalCap: 1000 });

function read(p: Principal, i: number, patientId: string): NormalizedEvent {
  return event({ ts: T0 + i * 60_000, eventId: `e${i}`, principal: p, objects: [ref('Patient', patientId)] });
}

/** pat-88 reads tok_p1 six times in mychart, then tok_p2 and tok_p3 (both flagged). */
const habit = [...Array.from({ length: 6 }, (_, i) => read(pat, i, 'tok_p1')), read(pat, 6, 'tok_p2'), read(pat, 7, 'tok_p1'), read(pat, 8, 'tok_p3')];

describe('bola/patient-context snapshot and restore', () => {
  it('round-trips the learned bindings of every app of a principal in one row', () => {
    const state = d.createState();
    feed(d, state, [...habit.slice(0, 6), read(patOtherApp, 10, 'tok_p7'), read(patOtherApp, 11, 'tok_p8')]);
    const rows = d.snapshot(state, 3);
    expect(rows).toEqual([
      {
        detector: 'bola/patient-context',
        scope: 'principal',
        key: 'user:pat-88',
        version: 3,
        firstTs: T0 + 10 * 60_000,
        lastTs: T0 + 10 * 60_000,
        events: 7,
        state: JSON.stringify({
          learned: [
            ['mychart', { patient: 'tok_p1', reads: 6, since: T0, ambiguous: false }],
            // One read of tok_p7, then tok_p8 made it ambiguous for good.
            ['healthpal', { patient: 'tok_p7', reads: 1, since: T0 + 10 * 60_000, ambiguous: true }],
          ],
        }),
      },
    ]);
    const back = restored(d, rows);
    expect(back.learned.peek('user:pat-88')).toEqual(state.learned.peek('user:pat-88'));
    expect(d.snapshot(back, 3)).toEqual(rows);
  });

  it('goes on detecting exactly like the original when learning is split by the snapshot', () => {
    const whole = feed(d, d.createState(), habit);
    expect(whole.map((f) => [f.eventId, f.severity, f.confidence])).toEqual([
      ['e6', 'high', 0.65],
      // 0.9 - 0.3 x 5 / 7: the read of tok_p1 in between counts to the habit.
      ['e8', 'high', 0.69],
    ]);
    const first = d.createState();
    expect(feed(d, first, habit.slice(0, 3))).toEqual([]);
    expect(feed(d, restored(d, d.snapshot(first, 1)), habit.slice(3))).toEqual(whole);
    // Without the snapshot, three reads are not enough to learn: nothing is flagged.
    expect(feed(d, d.createState(), habit.slice(3))).toEqual([]);
  });

  it('keeps a credential that touched two patients while learning unbound after a restore', () => {
    const twoPatients = [read(pat, 0, 'tok_p1'), read(pat, 1, 'tok_p2'), ...Array.from({ length: 8 }, (_, i) => read(pat, 2 + i, 'tok_p1')), read(pat, 12, 'tok_p5')];
    const first = d.createState();
    feed(d, first, twoPatients.slice(0, 2));
    expect(feed(d, restored(d, d.snapshot(first, 1)), twoPatients.slice(2))).toEqual([]);
  });

  it('skips rows that do not decode and rows of other detectors', () => {
    const state = d.createState();
    feed(d, state, [...habit.slice(0, 6), read(principal('user:pat-99', 'mychart', PATIENT_SCOPES), 1, 'tok_p4')]);
    const rows = d.snapshot(state, 1);
    const row = rows[0] as BaselineSnapshot;
    const bad: BaselineSnapshot[] = [
      { ...row, key: 'user:x1', state: '{"learned":' },
      { ...row, key: 'user:x2', state: JSON.stringify({ learned: [] }) },
      { ...row, key: 'user:x3', state: JSON.stringify({ learned: [['mychart', { patient: 'tok_p1', reads: -1, since: T0, ambiguous: false }]] }) },
      { ...row, key: 'user:x4', state: JSON.stringify({ learned: [['a', { patient: null, reads: 0, since: -1, ambiguous: false }], ['a', { patient: null, reads: 0, since: -1, ambiguous: false }]] }) },
      { ...row, key: 'user:x5', scope: 'cohort' },
      { ...row, key: 'user:x6', detector: 'bola/enumeration' },
    ];
    const s = d.createState();
    expect(d.restore(s, [...bad, ...rows])).toBe(2);
    expect([...s.learned.entries()]).toHaveLength(2);
  });

  it('snapshots only the selected principals', () => {
    const state = d.createState();
    feed(d, state, [...habit.slice(0, 2), read(principal('user:pat-99', 'mychart', PATIENT_SCOPES), 1, 'tok_p4')]);
    expect(d.snapshot(state, 1, { principals: new Set(['user:pat-99', 'user:nobody']) }).map((r) => r.key)).toEqual(['user:pat-99']);
  });

  it('forgets a principal and nothing else', () => {
    const state = d.createState();
    feed(d, state, [...habit.slice(0, 2), read(principal('user:pat-99', 'mychart', PATIENT_SCOPES), 1, 'tok_p4')]);
    d.forget(state, new Set(['user:pat-88']));
    expect([state.learned.peek('user:pat-88'), state.learned.peek('user:pat-99')?.patient]).toEqual([undefined, 'tok_p4']);
  });

  it('saves no token-response binding (kept in memory only) and clearCapped leaves the bindings', () => {
    const state = d.createState();
    const grant = event({ ts: T0, method: 'POST', route: '/auth/token', principal: principal('app:mychart', 'mychart', []), grant: { principal: 'key:fp_tok1', patient: 'tok_p1', scopes: ['patient/*.read'] } });
    feed(d, state, [grant, ...habit.slice(0, 6)]);
    const before = structuredClone(state.learned.peek('user:pat-88'));
    d.clearCapped(state);
    expect(state.learned.peek('user:pat-88')).toEqual(before);
    expect(d.snapshot(state, 1).map((r) => r.key)).toEqual(['user:pat-88']);
  });
});

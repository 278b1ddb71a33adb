import { describe, expect, it } from 'vitest';
import type { BaselineSnapshot } from '../../../libs/baseline/index.js';
import type { NormalizedEvent, Principal } from '../../../libs/contracts/index.js';
import { event, principal, ref } from '../../test-support/events.js';
import { expectSameAtEveryCut, feed, restored } from '../../test-support/rows.js';
import { createAsyncRequestDetector, DEFAULTS } from './index.js';

const T0 = Date.UTC(2026, 10, 2, 1, 0, 0);
const M = 60_000;
const client = (i: number): Principal => principal(`app:c${i}`, `c${i}`, ['system/*.read'], { kind: 'app' });
const d = createAsyncRequestDetector({ ...DEFAULTS, minRequests: 4 });

const kickOff = (i: number, ts: number, job: string) =>
  event({ ts, principal: client(i), route: '/fhir/$export', status: 202, objects: [ref('bulkstatus', job, { via: 'location', created: true })] });
const poll = (i: number, ts: number, job: string) => event({ ts, principal: client(i), route: '/fhir/bulkstatus/{id}', objects: [ref('bulkstatus', job)] });

/** Clients 0..3 start an export each and poll it; client 3 then reads clients 0's and 1's. */
function traffic(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let i = 0; i < 4; i++) out.push(kickOff(i, T0 + i * M, `tok_j${i}`), poll(i, T0 + i * M + 20_000, `tok_j${i}`));
  out.push(poll(3, T0 + 60 * M, 'tok_j0'), poll(3, T0 + 61 * M, 'tok_j1'));
  return out;
}

const byKey = (rows: BaselineSnapshot[]) => [...rows].sort((a, b) => `${a.scope}${a.key}`.localeCompare(`${b.scope}${b.key}`));

describe('bola/async-request persistence', () => {
  it("saves each owner's requests in its row and each type's tally in a cohort row", () => {
    const state = d.createState();
    feed(d, state, traffic().slice(0, 4));
    const rows = byKey(d.snapshot(state, 7));
    expect(rows.map((r) => [r.scope, r.key, r.firstTs, r.lastTs, r.events, JSON.parse(r.state) as unknown])).toEqual([
      ['cohort', 'bulkstatus', T0 + M, T0 + M, 2, { type: 'bulkstatus', requests: 2, shared: 0, lastTs: T0 + M }],
      ['principal', 'app:c0', T0, T0, 1, { jobs: [['bulkstatus', 'tok_j0', T0, '/fhir/$export', false]] }],
      ['principal', 'app:c1', T0 + M, T0 + M, 1, { jobs: [['bulkstatus', 'tok_j1', T0 + M, '/fhir/$export', false]] }],
    ]);
  });

  it('detects after a restore exactly as without one, at every cut', () => {
    const events = traffic();
    expect(feed(d, d.createState(), events).map((f) => [f.principal, f.evidence.baseline])).toEqual([
      ['app:c3', expect.objectContaining({ startedBy: 'app:c0' })],
      ['app:c3', expect.objectContaining({ startedBy: 'app:c1' })],
    ]);
    expectSameAtEveryCut(d, events, [1, 3, 6, 8, 9], byKey);
  });

  it('moves with its owner: forget drops its requests, a restore brings them back; bad rows are skipped', () => {
    const state = d.createState();
    feed(d, state, traffic().slice(0, 8));
    const rows = d.snapshot(state, 1, { principals: new Set(['app:c0']) });
    expect(rows.map((r) => r.key)).toEqual(['app:c0', 'bulkstatus']);
    d.forget(state, new Set(['app:c0']));
    expect(state.jobs.peek('bulkstatus', 'tok_j0')).toBeUndefined();
    expect(d.snapshot(state, 1, { principals: new Set(['app:c0']) }).map((r) => r.key)).toEqual(['bulkstatus']);
    const back = restored(d, rows);
    expect(back.jobs.peek('bulkstatus', 'tok_j0')).toEqual({ owner: 'app:c0', ts: T0, route: '/fhir/$export', shared: false });
    const bad = [
      { ...(rows[0] as BaselineSnapshot), state: '{"jobs":[["bulkstatus","",1,"/r",false]]}' },
      { ...(rows[0] as BaselineSnapshot), state: '{"jobs":[["bulkstatus","tok",1,"/r","no"]]}' },
      { ...(rows[0] as BaselineSnapshot), state: '{"jobs":[]}' },
      { ...(rows[1] as BaselineSnapshot), key: 'jobs' },
      { ...(rows[1] as BaselineSnapshot), state: 'not json' },
    ];
    expect(d.restore(d.createState(), bad)).toBe(0);
  });
});

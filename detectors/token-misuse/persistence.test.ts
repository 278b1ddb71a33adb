import { describe, expect, it } from 'vitest';
import type { BaselineSnapshot } from '../../libs/baseline/index.js';
import { principalOf } from '../test-support/auth.js';
import { event } from '../test-support/events.js';
import { createTokenMisuseDetector, DEFAULTS } from './index.js';
import { decodeToken, encodeToken, newTokenState } from './state.js';
import { APP, mobileCohort, T0, user, W } from './test-traffic.js';
import { feed, restored } from '../test-support/rows.js';

const d = createTokenMisuseDetector(DEFAULTS);

const bob = principalOf('user:bob', { ...APP, credentialFingerprint: 'fp_bob1' });

/** user:u0 hopping across 12 /24s, 5 s apart, after the cohort's 4 windows. */
const hopping = Array.from({ length: 12 }, (_, i) => event({ ts: T0 + 4 * W + i * 5000, clientIp: `203.0.${i}.9`, userAgent: 'PatientApp/3.2 iOS', principal: user(0) }));
/** bob's token replayed from a second network: alternating every 5 s. */
const replay = Array.from({ length: 5 }, (_, i) => event({ ts: T0 + 5 * W + i * 5000, clientIp: i % 2 === 0 ? '198.51.100.7' : '185.204.235.14', principal: bob }));

describe('token-misuse snapshot and restore', () => {
  it('round-trips every principal, token and cohort exactly', () => {
    const state = d.createState();
    feed(d, state, [...mobileCohort(), ...replay.slice(0, 3)]);
    const rows = d.snapshot(state, 7);
    // 10 users and bob (carrying his token); cohorts: principal and token scopes of the one app.
    expect(rows.map((r) => [r.scope, r.key]).sort()).toEqual([
      ['cohort', 'principal|patient-app|launch/patient patient/*.read'],
      ['cohort', 'token|patient-app|launch/patient patient/*.read'],
      ...['user:bob', ...Array.from({ length: 10 }, (_, u) => `user:u${u}`)].map((k) => ['principal', k]),
    ].sort());
    const back = restored(d, rows);
    // Restore takes rows oldest activity first, so compare regardless of order.
    const byKey = (rs: BaselineSnapshot[]) => [...rs].sort((a, b) => `${a.scope}${a.key}`.localeCompare(`${b.scope}${b.key}`));
    expect(byKey(d.snapshot(back, 7))).toEqual(byKey(rows));
    // The link to the cohort is resolved again on the next event; everything else is as it was.
    expect(back.principals.peek('user:u3')).toEqual({ ...state.principals.peek('user:u3'), pops: undefined });
    expect(back.tokens.peek('fp_bob1')).toEqual({ ...state.tokens.peek('fp_bob1'), pops: undefined });
    expect(back.principals.peek('user:u3')?.netOwn).toEqual({ mean: 2, variance: 0, weight: 2.9979382436176363, lastTs: T0 + 3 * W + 30_000, n: 3 });
  });

  it('saves hashes and numbers only: no address, user agent or cohort detail beyond the key', () => {
    const state = d.createState();
    feed(d, state, [...mobileCohort(), ...replay]);
    const saved = d.snapshot(state, 1).map((r) => r.state).join('\n');
    for (const raw of ['192.0.', '198.51.100', 'PatientApp', 'user:', 'patient-app']) expect(saved).not.toContain(raw);
  });

  it('goes on detecting exactly like the original when a many_networks burst is split by the snapshot', () => {
    const events = [...mobileCohort(), ...hopping];
    const cut = events.length - 7;
    const whole = feed(d, d.createState(), events);
    expect(whole).toHaveLength(7);
    const first = d.createState();
    expect(feed(d, first, events.slice(0, cut))).toEqual([]);
    expect(feed(d, restored(d, d.snapshot(first, 1)), events.slice(cut))).toEqual(whole);
    // Without the snapshot the rest of the burst is judged against nothing learned and stays silent.
    expect(feed(d, d.createState(), events.slice(cut))).toEqual([]);
  });

  it('goes on detecting exactly like the original when a token replay chain is split by the snapshot', () => {
    const whole = feed(d, d.createState(), replay);
    expect(whole.map((f) => [f.evidence.pattern, f.evidence.switches, f.ts])).toEqual([
      ['concurrent_networks', 3, T0 + 5 * W + 15_000],
      ['concurrent_networks', 4, T0 + 5 * W + 20_000],
    ]);
    const first = d.createState();
    feed(d, first, replay.slice(0, 3));
    expect(feed(d, restored(d, d.snapshot(first, 1)), replay.slice(3))).toEqual(whole);
    expect(feed(d, d.createState(), replay.slice(3))).toEqual([]);
  });

  it('skips rows that do not decode and rows of other detectors', () => {
    const state = d.createState();
    feed(d, state, [...mobileCohort(), ...replay]);
    const rows = d.snapshot(state, 1);
    const good = rows.length;
    const [p] = rows.filter((r) => r.key === 'user:u1');
    const [c] = rows.filter((r) => r.scope === 'cohort');
    const bad: BaselineSnapshot[] = [
      { ...(p as BaselineSnapshot), key: 'user:x1', state: 'not json' },
      { ...(p as BaselineSnapshot), key: 'user:x2', state: (p as BaselineSnapshot).state.replace('"nets":[', '"nets":[1,') },
      { ...(p as BaselineSnapshot), key: 'user:x3', state: JSON.stringify({ principal: null, tokens: [] }) },
      { ...(c as BaselineSnapshot), key: 'elsewhere|patient-app' },
      { ...(c as BaselineSnapshot), key: 'token|other', state: JSON.stringify({ net: { count: 3, values: [1], cachedAt: -1, cached: 0 }, ua: {} }) },
      { ...(p as BaselineSnapshot), detector: 'rate' },
    ];
    const s = d.createState();
    expect(d.restore(s, [...bad, ...rows])).toBe(good);
    expect(['user:x1', 'user:x2', 'user:x3'].map((k) => s.principals.peek(k))).toEqual([undefined, undefined, undefined]);
    expect([...s.cohorts.entries()]).toHaveLength(2);
  });

  it("reads a token row's switch chain, rows saved before chains kept their networks included", () => {
    const t = { ...newTokenState('user:bob'), lastWide: 7, lastTs: T0, switches: 2, firstSwitchTs: T0 - 5000, chainWides: [3, 7], chainReturned: false };
    const row = JSON.parse(JSON.stringify(encodeToken(t))) as Record<string, unknown>;
    expect(decodeToken(row, 'user:bob')).toEqual(t);
    const { chainWides: _w, chainReturned: _r, ...older } = row;
    expect(decodeToken(older, 'user:bob')).toEqual({ ...t, chainWides: undefined, chainReturned: false });
    for (const [wides, returned] of [[[], false], [[1.5], false], [Array.from({ length: 9 }, (_, i) => i), true], [[3], 'yes'], [[3], undefined]]) {
      expect(decodeToken({ ...row, chainWides: wides, chainReturned: returned }, 'user:bob')).toBeUndefined();
    }
  });

  it('snapshots only the selected principals (with their tokens) and every cohort', () => {
    const state = d.createState();
    feed(d, state, [...mobileCohort(), ...replay]);
    const rows = d.snapshot(state, 1, { principals: new Set(['user:bob', 'user:nobody']) });
    expect(rows.map((r) => [r.scope, r.key])).toEqual([
      ['principal', 'user:bob'],
      ['cohort', 'principal|patient-app|launch/patient patient/*.read'],
      ['cohort', 'token|patient-app|launch/patient patient/*.read'],
    ]);
    const saved = JSON.parse((rows[0] as BaselineSnapshot).state) as { tokens: [string, unknown][] };
    expect(saved.tokens.map((t) => t[0])).toEqual(['fp_bob1']);
  });

  it('forgets a principal and the tokens it used last, and nothing else', () => {
    const state = d.createState();
    feed(d, state, [...mobileCohort(), ...replay]);
    d.forget(state, new Set(['user:bob', 'user:u2']));
    expect([state.principals.peek('user:bob'), state.principals.peek('user:u2'), state.tokens.peek('fp_bob1')]).toEqual([undefined, undefined, undefined]);
    expect([...state.principals.entries()]).toHaveLength(9);
    expect(d.snapshot(state, 1).filter((r) => r.scope === 'principal')).toHaveLength(9);
  });

  it('clearCapped empties the windows (and a token\'s far-apart networks and chain) and keeps the baselines and fixed fields', () => {
    const state = d.createState();
    feed(d, state, [...mobileCohort(), ...replay]);
    const before = structuredClone({ ...state.principals.peek('user:u4'), pops: undefined });
    const token = structuredClone({ ...state.tokens.peek('fp_bob1'), pops: undefined });
    expect(before.nets).toHaveLength(4);
    d.clearCapped(state);
    expect({ ...state.principals.peek('user:u4'), pops: undefined }).toEqual({ ...before, nets: [], uas: [] });
    expect(token.spread?.wides.length).toBeGreaterThan(0);
    expect(token.chainWides).toHaveLength(2);
    expect({ ...state.tokens.peek('fp_bob1'), pops: undefined }).toEqual({ ...token, nets: [], uas: [], spread: { ...token.spread, wides: [] }, chainWides: undefined });
  });
});

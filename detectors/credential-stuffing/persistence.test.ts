import { describe, expect, it } from 'vitest';
import type { BaselineSnapshot } from '../../libs/baseline/index.js';
import type { NormalizedEvent } from '../../libs/contracts/index.js';
import { login, principalOf as principal } from '../test-support/auth.js';
import { event } from '../test-support/events.js';
import { createCredentialStuffingDetector, DEFAULTS, FIXED_ROWS } from './index.js';
import { decodeSource, encodeSource } from './persist.js';
import { expectSameAtEveryCut, feed, throughStore } from '../test-support/rows.js';

const W = 300_000;
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const ATTACKER = '203.0.113.50';
const HARNESS = '192.0.2.10';
const d = createCredentialStuffingDetector(DEFAULTS);

/** 30 clients, each in its own /24, one typo and three successes per window for 3 windows (as in index.test.ts). */
function ordinaryLogins(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let w = 0; w < 3; w++)
    for (let i = 0; i < 30; i++) {
      const user = principal(`user:nurse${i}`, { authScheme: 'basic' });
      const at = T0 + w * W + i * 5000;
      out.push(login(at, `100.64.${i}.5`, 401, { principal: user }));
      for (let k = 1; k <= 3; k++) out.push(login(at + k * 1000, `100.64.${i}.5`, 200, { principal: user }));
    }
  return out;
}

function stuffing(ip: string, start: number, n: number, gapMs = 3000): NormalizedEvent[] {
  return Array.from({ length: n }, (_, i) => login(start + i * gapMs, ip, 401, { principal: principal(`user:victim${i}`, { authScheme: 'basic' }) }));
}

/**
 * A harness whose own baseline (6 failures a window) is learned, then stays under 4x it; a
 * stuffing burst, a takeover and the session that follows: learned baselines, windows in flight,
 * populations and the followed session all decide findings after the cut.
 */
function attack(): NormalizedEvent[] {
  const harness: NormalizedEvent[] = [];
  for (let w = 0; w < 4; w++) harness.push(...stuffing(HARNESS, T0 + w * W, 6, 50_000));
  const start = T0 + 4 * W;
  const victim = principal('user:victim3', { credentialFingerprint: 'fp_v3' });
  const tail = [
    ...stuffing(HARNESS, start, 14, 1000),
    ...stuffing(ATTACKER, start + 20_000, 12),
    login(start + 60_000, ATTACKER, 200),
    event({ ts: start + 65_000, clientIp: ATTACKER, principal: victim, route: '/fhir/Patient/{id}' }),
    event({ ts: start + 66_000, clientIp: ATTACKER, principal: victim, route: '/fhir/Patient/{id}' }),
    event({ ts: start + 67_000, clientIp: ATTACKER, principal: victim, route: '/fhir/MedicationRequest', method: 'POST', status: 201 }),
  ];
  return [...[...ordinaryLogins(), ...harness].sort((a, b) => a.ts - b.ts), ...tail.sort((a, b) => a.ts - b.ts)];
}

/** Sources are restored least recently active first: row order within a cache generation decides nothing. */
const byKey = (rows: BaselineSnapshot[]) => [...rows].sort((a, b) => (a.scope + a.key < b.scope + b.key ? -1 : 1));

describe('credential-stuffing persistence', () => {
  it('goes on detecting exactly as before when restored anywhere in the attack', () => {
    const events = attack();
    expect(feed(d, d.createState(), events).map((f) => [f.evidence.pattern, f.principal])).toEqual([
      ['credential_stuffing', `ip:${ATTACKER}`],
      ['account_takeover', `ip:${ATTACKER}`],
      ['post_takeover_activity', 'user:victim3'],
      ['post_takeover_activity', 'user:victim3'],
    ]);
    // Every cut from just before the tail (30 events) on.
    expectSameAtEveryCut(d, events, Array.from({ length: 32 }, (_, i) => events.length - 32 + i), byKey);
  });

  it("keeps an IP's learned baseline: restored, the harness's 14 quick failures stay under its own limit", () => {
    const events = attack();
    // The cut falls right before the tail (30 events: the harness's 14, the attack's 16).
    const cut = events.length - 30;
    const before = d.createState();
    feed(d, before, events.slice(0, cut));
    const restored = d.createState();
    d.restore(restored, throughStore(d.snapshot(before, 1)));
    expect(restored.ips.peek(HARNESS)?.own).toMatchObject({ mean: 6, n: 3 });
    const harness = events.slice(cut).filter((e) => e.clientIp === HARNESS);
    expect(harness).toHaveLength(14);
    expect(feed(d, restored, harness)).toEqual([]);
    // Without it the floor (10) would have alerted.
    const fresh = d.createState();
    feed(d, fresh, ordinaryLogins());
    expect(feed(d, fresh, harness).map((f) => f.evidence.thresholdBasis)).toEqual(['floor', 'floor', 'floor', 'floor', 'floor']);
  });

  it('writes IPs as principal rows keyed by the principal id of their anonymous failures, subnets and the rest as cohort rows', () => {
    const state = d.createState();
    feed(d, state, attack());
    const rows = d.snapshot(state, 2);
    expect(rows.filter((r) => r.scope === 'principal').map((r) => r.key)).toContain(`ip:${ATTACKER}`);
    expect(rows.filter((r) => r.scope === 'principal').every((r) => r.key.startsWith('ip:'))).toBe(true);
    const cohort = rows.filter((r) => r.scope === 'cohort').map((r) => r.key);
    expect(cohort.filter((k) => !k.startsWith('net:'))).toEqual(Object.values(FIXED_ROWS));
    expect(cohort).toContain('net:203.0.113.0/24');
    const some = d.snapshot(state, 2, { principals: new Set([`ip:${ATTACKER}`, 'user:victim3']) });
    expect(some.filter((r) => r.scope === 'principal').map((r) => r.key)).toEqual([`ip:${ATTACKER}`]);
    expect(some.filter((r) => r.scope === 'cohort')).toEqual(rows.filter((r) => r.scope === 'cohort'));
  });

  it('round-trips a source exactly', () => {
    const state = d.createState();
    feed(d, state, attack());
    const src = state.ips.peek(ATTACKER);
    expect(src?.accounts.size).toBe(12);
    expect(decodeSource(JSON.parse(JSON.stringify(encodeSource(src as NonNullable<typeof src>))))).toEqual(src);
  });

  it('skips rows that do not decode, and rows of other detectors', () => {
    const state = d.createState();
    feed(d, state, attack());
    const rows = throughStore(d.snapshot(state, 1));
    const ip = rows.find((r) => r.key === `ip:${ATTACKER}`) as BaselineSnapshot;
    const takeovers = rows.find((r) => r.key === FIXED_ROWS.takeovers) as BaselineSnapshot;
    const bad: BaselineSnapshot[] = [
      { ...ip, key: 'ip:198.51.100.1', state: 'nope' },
      { ...ip, key: 'ip:198.51.100.2', state: ip.state.replace('"failedRoutes":[', '"failedRoutes":[7,') },
      { ...ip, key: 'user:x', state: ip.state },
      { ...ip, scope: 'cohort', key: 'net:198.51.100.0/24', state: '{"failures":{}}' },
      { ...takeovers, state: takeovers.state.replace('"lastTakeover":', '"lastTakeover":"x","was":') },
      { ...ip, detector: 'rate', key: 'ip:198.51.100.3' },
    ];
    const restored = d.createState();
    expect(d.restore(restored, [...bad, ...rows])).toBe(rows.length);
    for (const a of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) expect(restored.ips.peek(a)).toBeUndefined();
    expect(byKey(d.snapshot(restored, 1))).toEqual(byKey(d.snapshot(state, 1)));
  });

  it('forgets the IPs whose principal moved to another instance, and only them', () => {
    const state = d.createState();
    feed(d, state, attack());
    d.forget?.(state, new Set([`ip:${ATTACKER}`, 'user:victim3']));
    expect(state.ips.peek(ATTACKER)).toBeUndefined();
    expect(state.ips.peek(HARNESS)).toBeDefined();
    expect(state.subnets.peek('203.0.113.0/24')).toBeDefined();
  });

  it('empties the capped collections and keeps the counters, baselines and runs', () => {
    const state = d.createState();
    feed(d, state, attack());
    const before = structuredClone(state.ips.peek(ATTACKER));
    d.clearCapped(state);
    expect(state.ips.peek(ATTACKER)).toEqual({
      ...before,
      accounts: new Map(),
      credentials: new Map(),
      ips: new Map(),
      failedRoutes: new Set(),
      run: { ...before?.run, credentials: [] },
    });
    expect(state.networks.size).toBe(0);
    expect(state.followed.peek('user:victim3')?.routes).toEqual(new Set());
  });
});

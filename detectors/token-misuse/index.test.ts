import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { principalOf } from '../test-support/auth.js';
import { event } from '../test-support/events.js';
import { createTokenMisuseDetector, DEFAULTS } from './index.js';
import { APP, mobileCohort, T0, user, W } from './test-traffic.js';


function run(events: NormalizedEvent[]): Finding[] {
  const d = createTokenMisuseDetector(DEFAULTS);
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}



/** `n` requests by `who`, each from a different /24 of one /16, 5 s apart. */
function hopping(who: Principal, start: number, n: number, ua = (_i: number) => 'PatientApp/3.2 iOS'): NormalizedEvent[] {
  return Array.from({ length: n }, (_, i) => event({ ts: start + i * 5000, clientIp: `203.0.${i}.9`, userAgent: ua(i), principal: who }));
}

describe('token-misuse', () => {
  it('raises many_networks once a principal far exceeds both its own and its cohort networks per window', () => {
    const start = T0 + 4 * W;
    const findings = run([...mobileCohort(), ...hopping(user(0), start, 12)]);
    // Its 2 usual networks are still inside the sliding window: the 6th new one makes 8.
    expect(findings).toHaveLength(7);
    const first = findings[0] as Finding;
    expect(first).toMatchObject({ detector: 'token-misuse', owasp: 'API2:2023', severity: 'medium', principal: 'user:u0', app: 'patient-app', ts: start + 5 * 5000 });
    // own: max(3 x 2, 2 + 4 x sqrt(2)) = 7.66 -> 8; cohort: 2 x p99(2) = 4; floor 5.
    expect(first.evidence).toEqual({
      pattern: 'many_networks',
      confidence: 0.75,
      scope: 'principal',
      distinct: 8,
      threshold: 8,
      thresholdBasis: 'own_baseline',
      baselinePerWindow: 2,
      learnedWindows: 4,
      cohortQuantile: 2,
      cohortWindows: 31,
      windowSeconds: 600,
    });
    expect(first.summary).toBe('user:u0 was used from 8 distinct networks within 600s (threshold 8, own baseline 2 per window)');
  });

  it('does not alert on a phone moving between a few networks', () => {
    // 2 usual networks and 5 new ones: 7 within the window, under its threshold of 8.
    expect(run([...mobileCohort(), ...hopping(user(0), T0 + 4 * W, 5)])).toEqual([]);
  });

  it('judges a principal without history by its cohort', () => {
    // user:new has no windows of its own; its cohort's 2 networks per window set 4, under the floor of 5.
    const found = run([...mobileCohort(), ...hopping(user(99), T0 + 4 * W, 6)]);
    expect(found).toHaveLength(2);
    expect(found[0]?.evidence).toMatchObject({ distinct: 5, threshold: 5, thresholdBasis: 'floor', learnedWindows: 0 });
  });

  it('holds a principal and cohort both still learning to twice the floor', () => {
    expect(run(hopping(user(1), T0, 9))).toEqual([]);
    const found = run(hopping(user(1), T0, 10));
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toMatchObject({ distinct: 10, threshold: 10, thresholdBasis: 'learning_floor', confidence: 0.6 });
  });

  it('raises many_user_agents on one principal rotating user agents from one network', () => {
    const rotating = Array.from({ length: 8 }, (_, i) =>
      event({ ts: T0 + 4 * W + i * 3000, clientIp: '192.0.0.10', userAgent: `Mozilla/5.0 (bot ${i})`, principal: user(0) }),
    );
    const found = run([...mobileCohort(), ...rotating]);
    // own: max(3 x 1, 1 + 4 x 1) = 5 distinct agents; the app's own agent is still in the window.
    expect(found.map((f) => [f.evidence.pattern, f.evidence.distinct])).toEqual([
      ['many_user_agents', 5],
      ['many_user_agents', 6],
      ['many_user_agents', 7],
      ['many_user_agents', 8],
      ['many_user_agents', 9],
    ]);
  });

  it('raises concurrent_networks on one token alternating between far-apart networks within seconds', () => {
    const bob = principalOf('user:bob', { ...APP, credentialFingerprint: 'fp_bob1' });
    const ips = ['198.51.100.7', '203.0.113.9'];
    const replay = Array.from({ length: 5 }, (_, i) => event({ ts: T0 + i * 5000, clientIp: ips[i % 2], principal: bob }));
    const found = run(replay);
    expect(found.map((f) => [f.evidence.pattern, f.evidence.switches, f.ts])).toEqual([
      ['concurrent_networks', 3, T0 + 15_000],
      ['concurrent_networks', 4, T0 + 20_000],
    ]);
    expect(found[0]).toMatchObject({ severity: 'medium', principal: 'user:bob' });
    expect(found[0]?.evidence).toMatchObject({ scope: 'token', credentialFingerprint: 'fp_bob1', confidence: 0.7 });
  });

  it('raises concurrent_networks on a chain of quick switches spread over minutes, each within a minute of the previous request', () => {
    const bob = principalOf('user:bob', { ...APP, credentialFingerprint: 'fp_bob1' });
    // A replay from four rented networks, 27 s, 57 s and 6 s apart: more than 60 s from first to last switch.
    const at = [0, 27_000, 84_000, 90_000];
    const ips = ['185.204.235.14', '45.30.104.47', '91.162.176.253', '185.204.235.14'];
    const found = run(at.map((t, i) => event({ ts: T0 + t, clientIp: ips[i], principal: bob })));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      ts: T0 + 90_000,
      summary: 'one token of user:bob switched back and forth between 3 far-apart networks 3 times over 63s, each within 60s of the previous request',
    });
    expect(found[0]?.evidence).toEqual({ pattern: 'concurrent_networks', confidence: 0.7, scope: 'token', credentialFingerprint: 'fp_bob1', switches: 3, networks: 3, minSwitches: 3, chainSeconds: 63, windowSeconds: 60 });
  });

  it('does not call a token behind a rotating VPN or cloud proxy exit, which never goes back to a network it left, a concurrent use', () => {
    const bob = principalOf('user:bob', { ...APP, credentialFingerprint: 'fp_bob1' });
    // Eight exits in eight far-apart networks, a request every 10 s, two requests per exit: one
    // client moving on, never in two places. The same exits with one of them coming back is two places.
    const exits = ['185.204.235.14', '45.30.104.47', '91.162.176.253', '104.28.7.9', '146.70.11.2', '193.32.127.8', '37.19.200.4', '89.187.161.5'];
    const moving = exits.flatMap((ip, i) => [0, 10_000].map((d) => event({ ts: T0 + i * 20_000 + d, clientIp: ip, principal: bob })));
    expect(run(moving).filter((f) => f.evidence.pattern === 'concurrent_networks')).toEqual([]);
    const back = event({ ts: T0 + 8 * 20_000, clientIp: exits[2], principal: bob });
    const found = run([...moving, back]).filter((f) => f.evidence.pattern === 'concurrent_networks');
    expect(found.map((f) => [f.evidence.switches, f.evidence.networks, f.ts])).toEqual([[8, 8, T0 + 160_000]]);
  });

  it('does not chain switches separated by pauses longer than a minute (a phone moving between wifi and its carrier through the day)', () => {
    const bob = principalOf('user:bob', { ...APP, credentialFingerprint: 'fp_bob1' });
    const ips = ['198.51.100.7', '203.0.113.9'];
    // Back and forth 6 times, each move 61 s after the previous request, with requests 20 s apart on each network.
    const day = Array.from({ length: 6 }, (_, m) => [0, 20_000, 40_000].map((d) => event({ ts: T0 + m * 101_000 + d, clientIp: ips[m % 2], principal: bob }))).flat();
    expect(run(day)).toEqual([]);
  });

  it('does not call one move from wifi to the carrier network a concurrent use', () => {
    const bob = principalOf('user:bob', { ...APP, credentialFingerprint: 'fp_bob1' });
    const moved = Array.from({ length: 10 }, (_, i) => event({ ts: T0 + i * 5000, clientIp: i < 5 ? '198.51.100.7' : '203.0.113.9', principal: bob }));
    expect(run(moved)).toEqual([]);
  });

  it('ignores IP principals and shared gateway consumers', () => {
    const ipPrincipal = hopping(principalOf('ip:203.0.0.9'), T0, 30);
    const consumer = hopping(principalOf('consumer:kiosk', { kind: 'consumer', authScheme: 'gateway' }), T0, 30);
    expect(run([...ipPrincipal, ...consumer])).toEqual([]);
  });

  it('gives the same findings when the same events are replayed into fresh state', () => {
    const events = [...mobileCohort(), ...hopping(user(3), T0 + 4 * W, 10)];
    const a = run(events);
    expect(a).toHaveLength(5);
    expect(run(events)).toEqual(a);
  });
});

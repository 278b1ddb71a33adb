import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { login, principalOf as principal } from '../test-support/auth.js';
import { event } from '../test-support/events.js';
import { createCredentialStuffingDetector, DEFAULTS, type CredentialStuffingConfig } from './index.js';

const W = 300_000;
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const ATTACKER = '203.0.113.50';

function run(events: NormalizedEvent[], cfg: CredentialStuffingConfig = DEFAULTS): Finding[] {
  const d = createCredentialStuffingDetector(cfg);
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}

/**
 * Ordinary logins: 30 clients, each in its own /24, logging in over 3 windows with one typo and
 * three successes per window. Teaches the population that an IP fails about once per window.
 */
function ordinaryLogins(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let w = 0; w < 3; w++) {
    for (let i = 0; i < 30; i++) {
      const ip = `100.64.${i}.5`;
      const user = principal(`user:nurse${i}`, { authScheme: 'basic' });
      const at = T0 + w * W + i * 5000;
      out.push(login(at, ip, 401, { principal: user }));
      for (let k = 1; k <= 3; k++) out.push(login(at + k * 1000, ip, 200, { principal: user }));
    }
  }
  return out;
}

/** `n` failed logins from `ip`, one account each (basic auth, so user names are visible). */
function stuffing(ip: string, start: number, n: number, gapMs = 3000): NormalizedEvent[] {
  return Array.from({ length: n }, (_, i) => login(start + i * gapMs, ip, 401, { principal: principal(`user:victim${i}`, { authScheme: 'basic' }) }));
}

describe('credential-stuffing', () => {
  it('raises credential_stuffing once an IP fails against many accounts past the floor', () => {
    const start = T0 + 3 * W;
    const findings = run([...ordinaryLogins(), ...stuffing(ATTACKER, start, 12)]);
    expect(findings).toHaveLength(3);
    const first = findings[0] as Finding;
    expect(first).toMatchObject({
      detector: 'credential-stuffing',
      owasp: 'API2:2023',
      severity: 'high',
      principal: `ip:${ATTACKER}`,
      route: '/oauth2/token',
      ts: start + 9 * 3000,
      sourceIp: ATTACKER,
      confidence: 0.85,
    });
    expect(first.evidence).toEqual({
      pattern: 'credential_stuffing',
      confidence: 0.85,
      failures: 10,
      successes: 0,
      failureRatio: 1,
      distinctAccounts: 10,
      distinctCredentials: 0,
      windowSeconds: 300,
      threshold: 10,
      thresholdBasis: 'floor',
      baselineFailures: 0,
      learnedWindows: 0,
      populationQuantile: 1,
    });
    expect(first.summary).toBe('203.0.113.50 failed authentication 10 times against 10 accounts within 300s (threshold 10, 100% failures)');
  });

  it('doubles the floor while the population is still learning', () => {
    expect(run(stuffing(ATTACKER, T0, 19))).toEqual([]);
    const found = run(stuffing(ATTACKER, T0, 20));
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toMatchObject({ threshold: 20, thresholdBasis: 'learning_floor', confidence: 0.75 });
  });

  it('counts 400 answers on a login route and 401 answers anywhere, but not 403s', () => {
    const bad400 = Array.from({ length: 12 }, (_, i) => login(T0 + 3 * W + i * 1000, ATTACKER, 400));
    const found = run([...ordinaryLogins(), ...bad400]);
    expect(found.map((f) => f.evidence.pattern)).toEqual(['auth_failure_burst', 'auth_failure_burst', 'auth_failure_burst']);
    expect(found[0]?.severity).toBe('medium');
    const forbidden = Array.from({ length: 30 }, (_, i) => event({ ts: T0 + 3 * W + i * 1000, clientIp: ATTACKER, status: 403 }));
    expect(run([...ordinaryLogins(), ...forbidden])).toEqual([]);
    // A 400 on an ordinary resource route is a bad request, not a failed login.
    const badSearch = Array.from({ length: 30 }, (_, i) => event({ ts: T0 + 3 * W + i * 1000, clientIp: ATTACKER, status: 400, method: 'POST' }));
    expect(run([...ordinaryLogins(), ...badSearch])).toEqual([]);
  });

  it('does not alert on a busy NAT where failures are a small share of its logins', () => {
    const nat = '198.51.100.1';
    const events: NormalizedEvent[] = [];
    for (let i = 0; i < 200; i++) {
      const user = principal(`user:staff${i % 80}`, { authScheme: 'basic' });
      events.push(login(T0 + 3 * W + i * 1000, nat, i % 10 === 0 ? 401 : 200, { principal: user }));
    }
    // 20 failures against 20 accounts within the window, but 180 successes beside them.
    expect(run([...ordinaryLogins(), ...events])).toEqual([]);
  });

  it('does not call one stale credential retried over and over a stuffing attack', () => {
    const stale = principal('key:fp_stale', { credentialFingerprint: 'fp_stale' });
    const retries = Array.from({ length: 60 }, (_, i) => event({ ts: T0 + 3 * W + i * 1000, clientIp: ATTACKER, status: 401, principal: stale }));
    expect(run([...ordinaryLogins(), ...retries])).toEqual([]);
  });

  it('raises on many guessed API keys answered 401 by the gateway on a resource route', () => {
    const guesses = Array.from({ length: 10 }, (_, i) =>
      event({ ts: T0 + 3 * W + i * 1000, clientIp: ATTACKER, status: 401, principal: principal(`key:fp${i}`, { authScheme: 'apikey', credentialFingerprint: `fp${i}` }) }),
    );
    const found = run([...ordinaryLogins(), ...guesses]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ route: '/fhir/Patient/{id}', principal: `ip:${ATTACKER}` });
    expect(found[0]?.evidence).toMatchObject({ pattern: 'credential_stuffing', distinctCredentials: 10, distinctAccounts: 10 });
  });

  it("learns an IP's own failure rate and alerts only far above it", () => {
    // A partner's test harness fails 6 logins spread over every window, for 4 windows.
    const harness = '192.0.2.10';
    const history: NormalizedEvent[] = [];
    for (let w = 0; w < 4; w++) history.push(...stuffing(harness, T0 + w * W, 6, 50_000));
    const later = T0 + 4 * W;
    expect(run([...ordinaryLogins(), ...history, ...stuffing(harness, later, 14, 1000)])).toEqual([]);
    const found = run([...ordinaryLogins(), ...history, ...stuffing(harness, later, 30, 1000)]);
    // own limit = max(4 x 6, 6 + 4 x sqrt(6)) = 24, above the floor of 10. The sliding estimate
    // still holds most of the previous window's 6: 18 + 6 x (1 - 17/300) rounds to 24.
    expect(found[0]?.ts).toBe(later + 17_000);
    expect(found[0]?.evidence).toMatchObject({ failures: 24, threshold: 24, thresholdBasis: 'own_baseline', baselineFailures: 6, learnedWindows: 4 });
  });

  it('raises subnet_failure_burst when many addresses of one /24 each stay under the IP floor', () => {
    const events: NormalizedEvent[] = [];
    for (let i = 0; i < 25; i++) events.push(...stuffing(`203.0.113.${10 + (i % 5)}`, T0 + 3 * W + i * 1000, 1).map((e) => ({ ...e, principal: principal(`user:v${i}`, { authScheme: 'basic' }) })));
    const found = run([...ordinaryLogins(), ...events]);
    expect(found).toHaveLength(6);
    expect(found[0]).toMatchObject({ principal: 'net:203.0.113.0/24', severity: 'high' });
    expect(found[0]?.evidence).toMatchObject({ pattern: 'subnet_failure_burst', failures: 20, threshold: 20, distinctIps: 5, subnet: '203.0.113.0/24' });
  });

  it('raises account_takeover on a success after the burst, then follows the session principal route by route', () => {
    const start = T0 + 3 * W;
    const burst = stuffing(ATTACKER, start, 12);
    const hit = login(start + 40_000, ATTACKER, 200);
    const victim = principal('user:victim3', { credentialFingerprint: 'fp_v3' });
    const session = [
      event({ ts: start + 45_000, clientIp: ATTACKER, principal: victim, route: '/fhir/Patient/{id}' }),
      event({ ts: start + 46_000, clientIp: ATTACKER, principal: victim, route: '/fhir/Patient/{id}' }),
      event({ ts: start + 47_000, clientIp: ATTACKER, principal: victim, route: '/fhir/MedicationRequest', method: 'POST', status: 201 }),
    ];
    const found = run([...ordinaryLogins(), ...burst, hit, ...session]).slice(3);
    expect(found.map((f) => [f.evidence.pattern, f.principal, f.route])).toEqual([
      ['account_takeover', `ip:${ATTACKER}`, '/oauth2/token'],
      ['post_takeover_activity', 'user:victim3', '/fhir/Patient/{id}'],
      ['post_takeover_activity', 'user:victim3', '/fhir/MedicationRequest'],
    ]);
    expect(found[0]?.evidence).toMatchObject({ failuresBefore: 12, distinctAccounts: 12, accountAmongFailures: false, flaggedSource: `ip:${ATTACKER}` });
    expect(found[1]?.summary).toBe(`user:victim3 used GET /fhir/Patient/{id} 5s after a suspected account takeover from ${ATTACKER}`);
  });

  it('names the account when the successful login shows it, and not a success from a quiet IP', () => {
    const start = T0 + 3 * W;
    const hit = login(start + 40_000, ATTACKER, 200, { principal: principal('user:victim5', { authScheme: 'basic' }) });
    const found = run([...ordinaryLogins(), ...stuffing(ATTACKER, start, 12), hit]).slice(3);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ principal: 'user:victim5', severity: 'high', confidence: 0.9 });
    expect(found[0]?.evidence).toMatchObject({ pattern: 'account_takeover', accountAmongFailures: true });
    // The same success once the lookback and the run's gap have passed is an ordinary login.
    const late = { ...hit, ts: start + 40_000 + Math.max(DEFAULTS.takeoverLookbackSeconds, DEFAULTS.runGapSeconds) * 1000 };
    expect(run([...ordinaryLogins(), ...stuffing(ATTACKER, start, 12), late]).slice(3)).toEqual([]);
  });

  it('raises account_takeover when a success ends a long run of failures paced under the burst floor', () => {
    // 12 guesses 45 s apart: about 7 per 300 s window, so no burst, but 12 tries before the one that worked.
    const start = T0 + 3 * W;
    const slow = Array.from({ length: 12 }, (_, i) => login(start + i * 45_000, ATTACKER, 401));
    const hit = login(start + 12 * 45_000, ATTACKER, 200);
    const victim = principal('user:victim7', { credentialFingerprint: 'fp_v7' });
    const session = [event({ ts: start + 12 * 45_000 + 60_000, clientIp: ATTACKER, principal: victim, route: '/fhir/Patient/{id}/$everything' })];
    const found = run([...ordinaryLogins(), ...slow, hit, ...session]);
    expect(found.map((f) => [f.evidence.pattern, f.principal, f.route])).toEqual([
      ['account_takeover', `ip:${ATTACKER}`, '/oauth2/token'],
      ['post_takeover_activity', 'user:victim7', '/fhir/Patient/{id}/$everything'],
    ]);
    // The ordinary logins taught 270 successful logins (one in three after a typo): 2 x p99 (1) is under the floor of 10.
    expect(found[0]?.evidence).toEqual({
      pattern: 'account_takeover',
      confidence: 0.8,
      failuresBefore: 12,
      distinctAccounts: 0,
      accountAmongFailures: false,
      flaggedSource: `ip:${ATTACKER}`,
      evidenceKind: 'failure_run',
      runSeconds: 540,
      runThreshold: 10,
      runThresholdBasis: 'floor',
      windowSeconds: 300,
      lookbackSeconds: 900,
      followSeconds: 1800,
    });
    expect(found[0]?.summary).toBe(`ip:${ATTACKER} authenticated successfully from ${ATTACKER} right after 12 consecutive failed attempts from there over 540s (threshold 10)`);
  });

  it('does not call a success after a few typos, or after a run under the floor, a takeover', () => {
    const start = T0 + 3 * W;
    const typos = [login(start, ATTACKER, 401), login(start + 20_000, ATTACKER, 401), login(start + 40_000, ATTACKER, 401), login(start + 60_000, ATTACKER, 200)];
    expect(run([...ordinaryLogins(), ...typos])).toEqual([]);
    const nine = [...Array.from({ length: 9 }, (_, i) => login(start + i * 45_000, ATTACKER, 401)), login(start + 9 * 45_000, ATTACKER, 200)];
    expect(run([...ordinaryLogins(), ...nine])).toEqual([]);
  });

  it('does not call a client that retried one stale token, then logged in again, a takeover', () => {
    const start = T0 + 3 * W;
    const stale = principal('user:app1', { credentialFingerprint: 'fp_expired' });
    const retries = Array.from({ length: 15 }, (_, i) => event({ ts: start + i * 45_000, clientIp: ATTACKER, status: 401, principal: stale }));
    const relogin = login(start + 15 * 45_000, ATTACKER, 200);
    expect(run([...ordinaryLogins(), ...retries, relogin])).toEqual([]);
  });

  it('keeps a run going across pauses longer than the burst window: a guesser trying every 4-7 minutes', () => {
    const start = T0 + 3 * W;
    const pauses = [240, 420, 300, 360, 410, 250, 390, 330, 280, 400, 350, 310];
    const times = pauses.map((_, i) => start + pauses.slice(0, i).reduce((a, b) => a + b, 0) * 1000);
    const slow = times.map((ts) => login(ts, ATTACKER, 401));
    const hit = login((times.at(-1) as number) + 300_000, ATTACKER, 200);
    const found = run([...ordinaryLogins(), ...slow, hit]);
    expect(found.map((f) => [f.evidence.pattern, f.evidence.evidenceKind, f.evidence.failuresBefore, f.evidence.runSeconds])).toEqual([
      ['account_takeover', 'failure_run', 12, 3_730 + 300],
    ]);
  });

  it('restarts a failure run after a pause longer than runGapSeconds, or after any success to the IP', () => {
    const start = T0 + 3 * W;
    const gap = DEFAULTS.runGapSeconds * 1000 + 1000;
    const apart = [
      ...Array.from({ length: 6 }, (_, i) => login(start + i * 45_000, ATTACKER, 401)),
      ...Array.from({ length: 6 }, (_, i) => login(start + 5 * 45_000 + gap + i * 45_000, ATTACKER, 401)),
    ];
    const hit = login(start + 11 * 45_000 + gap, ATTACKER, 200);
    expect(run([...ordinaryLogins(), ...apart, hit])).toEqual([]);
    // The same two halves under the gap are one run of 12.
    const near = apart.map((e, i) => (i < 6 ? e : { ...e, ts: e.ts - 2000 }));
    expect(run([...ordinaryLogins(), ...near, { ...hit, ts: hit.ts - 2000 }]).map((f) => [f.evidence.pattern, f.evidence.evidenceKind, f.evidence.failuresBefore])).toEqual([['account_takeover', 'failure_run', 12]]);
    // A NAT: another user's successful request between the guesses ends the run each time.
    const mixed = Array.from({ length: 12 }, (_, i) => [
      login(start + i * 45_000, ATTACKER, 401),
      event({ ts: start + i * 45_000 + 10_000, clientIp: ATTACKER, principal: principal('user:staff1', { credentialFingerprint: 'fp_s1' }) }),
    ]).flat();
    expect(run([...ordinaryLogins(), ...mixed, login(start + 12 * 45_000, ATTACKER, 200)])).toEqual([]);
  });

  it('doubles the run floor while too few failure runs were seen to know what typos look like', () => {
    const slow = (n: number) => [...Array.from({ length: n }, (_, i) => login(T0 + i * 45_000, ATTACKER, 401)), login(T0 + n * 45_000, ATTACKER, 200)];
    expect(run(slow(19))).toEqual([]);
    expect(run(slow(20)).map((f) => [f.evidence.pattern, f.evidence.runThreshold, f.evidence.runThresholdBasis])).toEqual([['account_takeover', 20, 'learning_floor']]);
  });

  it('gives the same findings when the same events are replayed into fresh state', () => {
    const events = [...ordinaryLogins(), ...stuffing(ATTACKER, T0 + 3 * W, 15), login(T0 + 3 * W + 50_000, ATTACKER, 200)];
    const a = run(events);
    expect(a).toHaveLength(7);
    expect(run(events)).toEqual(a);
  });
});

import { describe, expect, it } from 'vitest';
import type { BaselineSnapshot } from '../../libs/baseline/index.js';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { login, principalOf as principal } from '../test-support/auth.js';
import { expectSameAtEveryCut, feed, throughStore } from '../test-support/rows.js';
import { createCredentialStuffingDetector, DEFAULTS } from './index.js';
import { allowance, decodeSurge, encodeSurge, SURGE_SET_CAP, type SurgeState } from './surge.js';

const W = 300_000;
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const d = createCredentialStuffingDetector(DEFAULTS);

const surges = (fs: Finding[]) => fs.filter((f) => f.evidence.pattern === 'login_failure_surge');

/**
 * A member app's login route (a form: the user name is in the body, so principals are addresses):
 * per window, `ok` members log in, each from an address of its own, spread over the window, and
 * one in 8 mistypes once first. Teaches the route failure odds of 1 to 8.
 */
function ordinary(fromWindow: number, windows: number, ok = 8): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let w = fromWindow; w < fromWindow + windows; w++) {
    for (let i = 0; i < ok; i++) {
      const n = w * ok + i;
      const ip = `100.64.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
      const at = T0 + w * W + i * Math.floor(W / ok);
      if (i % 8 === 0) out.push(login(at, ip, 401));
      out.push(login(at + 5000, ip, 200));
    }
  }
  return out;
}

/**
 * A residential proxy pool: `tries` anonymous failed logins, one every `gapMs`, rotating over
 * `proxies` addresses in distinct /24s (each far under every per-address and per-/24 floor).
 */
function proxyPool(start: number, tries: number, proxies: number, gapMs: number): NormalizedEvent[] {
  return Array.from({ length: tries }, (_, j) => login(start + j * gapMs + 7000, `198.18.${j % proxies}.10`, 401));
}

const byTime = (events: NormalizedEvent[]) => [...events].sort((a, b) => a.ts - b.ts);

describe('credential-stuffing login_failure_surge', () => {
  it('uses the Poisson CUSUM reference value between the usual rate and the smallest surge', () => {
    // (mu1 - mu0) / ln(mu1 / mu0), mu1 = max(2 mu0, mu0 + 2), mu0 at least 0.1.
    expect(allowance(0)).toBeCloseTo(2 / Math.log(21), 12);
    expect(allowance(1)).toBeCloseTo(2 / Math.log(3), 12);
    expect(allowance(2)).toBeCloseTo(2 / Math.log(2), 12);
    expect(allowance(10)).toBeCloseTo(10 / Math.log(2), 12);
  });

  it('finds failures spread over 30 proxies, none of which bursts, from what the successes explain', () => {
    // Two hours learn the route (24 typos, 192 successes); then 120 tries over 30 proxies, 3 a
    // window, for 40 windows.
    const attackStart = T0 + 24 * W;
    const events = byTime([...ordinary(0, 64), ...proxyPool(attackStart, 120, 30, 100_000)]);
    const found = feed(d, d.createState(), events);
    // Nothing but surges: no address or /24 failed more than 4 times. The CUSUM restarts after a
    // signal (at the end of the window it alerted in) and the attack goes on, so it is reported
    // again exactly 14 windows later.
    expect(found.map((f) => [f.evidence.pattern, (f.ts - attackStart) / 1000])).toEqual([
      ['login_failure_surge', 4107],
      ['login_failure_surge', 8307],
    ]);
    const f = found[0] as Finding;
    expect(f).toMatchObject({ detector: 'credential-stuffing', owasp: 'API2:2023', severity: 'medium', principal: 'route:POST /oauth2/token', route: '/oauth2/token', sourceIp: '198.18.11.10' });
    // Learned odds (24 + 1) / (192 + 1) = 0.130, a share of 25 / 218 = 11 %. Each attack window
    // has 4 failures (3 tries, 1 typo) and 8 successes: 1.04 expected, reference value
    // 2 / ln(3.04 / 1.04) = 1.86, so the sum grows by 2.14 a window: 27.82 after 13 windows. In
    // the 14th, 4 failures against 6 successes so far (0.78 expected, reference 1.57) make 30.24 (the baseline decays a little),
    // past the 30; no proxy has more than 2 of the 56 failures.
    expect(f.evidence).toEqual({
      pattern: 'login_failure_surge',
      confidence: 0.6,
      failures: 56,
      successes: 110,
      expectedFailures: 14.25,
      excessFailures: 30.24,
      threshold: 30,
      baselineFailureShare: 0.11,
      distinctIps: 44,
      busiestIpFailures: 2,
      sampleIps: (f.evidence.sampleIps as string[]).slice(),
      distinctAccounts: 0,
      runSeconds: 4107,
      windowSeconds: 300,
    });
    // The first 20 addresses in the order they failed: a typo address, then proxies.
    expect((f.evidence.sampleIps as string[]).slice(0, 5)).toEqual(['100.64.0.193', '198.18.0.10', '198.18.1.10', '198.18.2.10', '100.64.0.201']);
    expect(f.evidence.sampleIps).toHaveLength(20);
    expect(f.summary).toBe(
      "POST /oauth2/token failed 56 logins from 44 addresses over 68 minutes against 110 successes, 30 more than the route's usual failure share (11%) allows; no single address accounts for half of it (its busiest failed 2 times)",
    );
    // The alerted run taught the baseline nothing: the second report is the same arithmetic.
    expect(found[1]?.evidence).toMatchObject({ failures: 56, successes: 110, excessFailures: 30.24, baselineFailureShare: 0.11 });
  });

  it('reports a surge that goes on every time it adds as much again, into the same alert', () => {
    const attackStart = T0 + 24 * W;
    const events = byTime([...ordinary(0, 104), ...proxyPool(attackStart, 240, 30, 100_000)]);
    const found = surges(feed(d, d.createState(), events));
    // 80 windows of it: a report every 14 windows, the same principal, detector and route, so the
    // alert manager folds them into one alert with its count.
    expect(found.map((f) => [f.principal, (f.ts - attackStart) / 1000])).toEqual([4107, 8307, 12507, 16707, 20907].map((s) => ['route:POST /oauth2/token', s]));
  });

  it('takes a success from an address of a reported surge, after more failures than a typo, for an account the pool took', () => {
    const attackStart = T0 + 24 * W;
    const reported = attackStart + 4_107_000; // the first report (test above); the next at 8,307 s
    // A member of the pool (it failed in the reported run) fails 3 more times (4 in its run, with the
    // pool's try at 3,507 s) and gets in; another, whose last try was over 30 minutes before, gets in
    // after 2 (a typo's count); an address that never failed before the report, after 3.
    const tries = (ip: string, at: number, failures: number) => [
      ...Array.from({ length: failures }, (_, k) => login(at + k * 20_000, ip, 401)),
      login(at + failures * 20_000, ip, 200),
    ];
    // After the last report's lookback (8,307 s + 900 s) a pool member getting in is no longer judged so.
    const late = attackStart + 10_500_000;
    const events = byTime([
      ...ordinary(0, 64),
      ...proxyPool(attackStart, 120, 30, 100_000),
      ...tries('198.18.5.10', reported + 60_000, 3),
      ...tries('198.18.15.10', reported + 43_000, 2),
      ...tries('203.0.113.50', reported + 120_000, 3),
      ...tries('198.18.7.10', late, 3),
    ]);
    // Restored anywhere around the report and the success, it decides the same (the report and its addresses are saved).
    const success = events.findIndex((e) => e.clientIp === '198.18.5.10' && e.status === 200);
    const report = events.findIndex((e) => e.ts >= reported);
    const byKey = (rows: BaselineSnapshot[]) => [...rows].sort((a, b) => (a.scope + a.key < b.scope + b.key ? -1 : 1));
    expectSameAtEveryCut(d, events, [report - 1, report + 1, success - 1, success], byKey);
    const takeovers = feed(d, d.createState(), events).filter((f) => f.evidence.pattern === 'account_takeover');
    expect(takeovers.map((f) => [f.principal, f.ts - reported, f.evidence.evidenceKind, f.evidence.failuresBefore, f.evidence.runThreshold, f.evidence.surgeRoute])).toEqual([
      ['ip:198.18.5.10', 120_000, 'surge_run', 4, 3, 'POST /oauth2/token'],
    ]);
    expect(takeovers[0]?.summary).toBe(
      'ip:198.18.5.10 authenticated successfully from 198.18.5.10 right after 4 consecutive failed attempts from there over 720s (threshold 3), an address of the reported login failure surge on POST /oauth2/token',
    );
  });

  it('expects more failures when more members log in: a shift change is not a surge', () => {
    // Logins triple for two hours, typos with them (3 a window against 24 successes).
    const events = byTime([...ordinary(0, 24), ...ordinary(24, 24, 24), ...ordinary(48, 24)]);
    expect(feed(d, d.createState(), events)).toEqual([]);
  });

  it('leaves one address failing over and over to the per-address rules', () => {
    // 60 failures from one address in two windows, beside the typos: reported by the per-address
    // rule (its later failures then skip the surge), and never half of anything else.
    const burst = Array.from({ length: 60 }, (_, i) => login(T0 + 30 * W + i * 9000, '203.0.113.50', 401));
    const found = feed(d, d.createState(), byTime([...ordinary(0, 40), ...burst]));
    expect(found.length).toBeGreaterThan(0);
    expect(surges(found)).toEqual([]);
    expect(found.every((f) => f.principal === 'ip:203.0.113.50')).toBe(true);
  });

  it('counts a credential failing again as a retry, not a guess: a fleet with stale tokens', () => {
    // 20 devices, each retrying its own revoked token every minute for an hour (1,200 failures).
    const fleet: NormalizedEvent[] = [];
    for (let dev = 0; dev < 20; dev++) {
      const p = principal(`user:device${dev}`, { credentialFingerprint: `fp_dev${dev}` });
      for (let m = 0; m < 60; m++) fleet.push(login(T0 + 30 * W + m * 60_000 + dev * 1000, `198.18.${dev}.20`, 401, { principal: p }));
    }
    expect(surges(feed(d, d.createState(), byTime([...ordinary(0, 50), ...fleet])))).toEqual([]);
    // The same 1,200 failures with a fresh credential each (guessed passwords) are a surge.
    const guesses = fleet.map((e, i) => ({ ...e, principal: { ...e.principal, credentialFingerprint: `fp_guess${i}` } }));
    // One report per window of the hour: each window adds ~97 failures beyond what is expected.
    const found = surges(feed(d, d.createState(), byTime([...ordinary(0, 50), ...guesses])));
    expect(found.map((f) => Math.floor((f.ts - T0) / W))).toEqual(Array.from({ length: 12 }, (_, i) => 30 + i));
    // The devices are named accounts here: more than 10 of them make it high.
    expect(found[0]).toMatchObject({ severity: 'high', evidence: { distinctAccounts: 20, confidence: 0.7 } });
  });

  it('judges nothing before the route has learned its failure share, and ignores events older than its window', () => {
    // A fresh deployment: the same pool from the first minute, no baseline.
    expect(surges(feed(d, d.createState(), byTime([...ordinary(0, 30), ...proxyPool(T0, 60, 30, 100_000)])))).toEqual([]);
    // A lagging partition's failures from an hour ago are left out of the current window.
    const state = d.createState();
    feed(d, state, ordinary(0, 40));
    const view = () => JSON.stringify(encodeSurge(state.surges.peek('POST /oauth2/token') as SurgeState));
    const before = view();
    expect(surges(feed(d, state, proxyPool(T0 + 20 * W, 120, 30, 1000)))).toEqual([]);
    expect(view()).toBe(before);
  });

  it('goes on detecting exactly as before when restored anywhere around the surge', () => {
    const attackStart = T0 + 24 * W;
    const events = byTime([...ordinary(0, 64), ...proxyPool(attackStart, 120, 30, 100_000)]);
    const at = events.findIndex((e) => surges(feed(d, d.createState(), events.slice(0, events.indexOf(e) + 1))).length > 0);
    expect(at).toBeGreaterThan(0);
    const cuts = [at - 40, at - 20, at - 5, at - 1, at, at + 1, at + 30];
    const byKey = (rows: BaselineSnapshot[]) => [...rows].sort((a, b) => (a.scope + a.key < b.scope + b.key ? -1 : 1));
    expectSameAtEveryCut(d, events, cuts, byKey);
  });

  it('round-trips a route view exactly and rejects one the detector could not have written', () => {
    const state = d.createState();
    feed(d, state, byTime([...ordinary(0, 64), ...proxyPool(T0 + 24 * W, 40, 30, 100_000)]));
    const s = state.surges.peek('POST /oauth2/token');
    // The run drains slowly after the 40 tries, each window adding its typo address: the set is full.
    expect(s?.run.ips.size).toBe(SURGE_SET_CAP);
    const json = JSON.parse(JSON.stringify(encodeSurge(s as NonNullable<typeof s>))) as Record<string, unknown>;
    expect(decodeSurge(json)).toEqual(s);
    expect(decodeSurge({ ...json, excess: -1 })).toBeUndefined();
    expect(decodeSurge({ ...json, run: { ...(json.run as object), ips: [['198.18.0.10', 0]] } })).toBeUndefined();
    // Through the store: the row restores the same view.
    const restored = d.createState();
    d.restore(restored, throughStore(d.snapshot(state, 1)));
    expect(restored.surges.peek('POST /oauth2/token')).toEqual(s);
  });
});

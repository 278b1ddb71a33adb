import { describe, expect, it } from 'vitest';
import type { NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { principalOf } from '../test-support/auth.js';
import { event } from '../test-support/events.js';
import { feed, restored } from '../test-support/rows.js';
import { createTokenMisuseDetector, DEFAULTS } from './index.js';
import { APP, T0 } from './test-traffic.js';

const d = createTokenMisuseDetector(DEFAULTS);
const APP_UA = 'BluePine/7.4 (iPhone; iOS 18.1)';
const HOME = '73.42.18.9';
const CARRIER = '172.58.3.201';
const VPS = '45.83.64.12';
const member = (n: number, token = `fp_m${n}`): Principal => principalOf(`user:m${n}`, { ...APP, credentialFingerprint: token });
const use = (who: Principal, ts: number, clientIp: string, userAgent = APP_UA, eventId?: string): NormalizedEvent =>
  event({ ts, principal: who, clientIp, userAgent, route: '/fhir/ExplanationOfBenefit', ...(eventId === undefined ? {} : { eventId }) });

describe('token-misuse token_relocated', () => {
  it('reports a token that turns up on another network in another client, once, at the first such request', () => {
    const m = member(1);
    const events = [
      use(m, T0, HOME),
      // The phone leaves the wifi: another network, the same app.
      use(m, T0 + 60_000, CARRIER),
      // A copy of the token, on a VPS, with curl.
      use(m, T0 + 120_000, VPS, 'curl/8.5.0', 'ev-copy'),
      use(m, T0 + 125_000, VPS, 'curl/8.5.0'),
      use(m, T0 + 130_000, HOME),
    ];
    const found = feed(d, d.createState(), events).filter((f) => f.evidence.pattern === 'token_relocated');
    expect(found).toEqual([
      {
        detector: 'token-misuse',
        owasp: 'API2:2023',
        severity: 'high',
        principal: 'user:m1',
        app: 'patient-app',
        route: '/fhir/ExplanationOfBenefit',
        ts: T0 + 120_000,
        eventId: 'ev-copy',
        sourceIp: VPS,
        summary: `one token of user:m1 was used from ${VPS} by "curl/8.5.0", a network and a client it had not been used from: the token was copied to another machine`,
        confidence: 0.8,
        evidence: { pattern: 'token_relocated', confidence: 0.8, scope: 'token', credentialFingerprint: 'fp_m1', observed: { clientIp: VPS, userAgent: 'curl/8.5.0' } },
      },
    ]);
  });

  it('does not report a browser updating itself, a VPN switched on, or a new login on a new device', () => {
    const m = member(2);
    const events = [
      use(m, T0, HOME, 'Mozilla/5.0 Chrome/131.0'),
      use(m, T0 + 60_000, HOME, 'Mozilla/5.0 Chrome/132.0'),
      use(m, T0 + 120_000, VPS, 'Mozilla/5.0 Chrome/131.0'),
      // Another token of the same member: another login, judged from its own first use.
      use(member(2, 'fp_m2_laptop'), T0 + 180_000, '81.2.69.160', 'Mozilla/5.0 Firefox/133.0'),
    ];
    expect(feed(d, d.createState(), events).filter((f) => f.evidence.pattern === 'token_relocated')).toEqual([]);
  });

  it("learns a relay that passes every member's token on: past two members, moves to one place are infrastructure", () => {
    const RELAY = '10.20.4.7';
    const events: NormalizedEvent[] = [];
    for (let n = 0; n < 5; n++) events.push(use(member(n), T0 + n * 1000, `73.42.${n}.9`), use(member(n), T0 + n * 1000 + 500, RELAY, 'node-fetch/3.3'));
    const found = feed(d, d.createState(), events).filter((f) => f.evidence.pattern === 'token_relocated');
    expect(found.map((f) => f.principal)).toEqual(['user:m0', 'user:m1']);
  });

  it('keeps where a token started and where its cohort moved across a snapshot and restore', () => {
    const events = [use(member(0), T0, HOME), use(member(0), T0 + 1000, '10.20.4.7', 'node-fetch/3.3'), use(member(1), T0 + 2000, CARRIER)];
    const state = d.createState();
    feed(d, state, events);
    const back = restored(d, d.snapshot(state, 1));
    expect(back.tokens.peek('fp_m1')?.origin).toEqual(state.tokens.peek('fp_m1')?.origin);
    expect(back.cohorts.peek(`token|${APP.app}|launch/patient patient/*.read`)?.moves).toEqual(state.cohorts.peek(`token|${APP.app}|launch/patient patient/*.read`)?.moves);
    // Member 1's token moving to a VPS in curl after the restore is reported as without one.
    const later = [use(member(1), T0 + 60_000, VPS, 'curl/8.5.0'), use(member(2), T0 + 61_000, HOME), use(member(2), T0 + 62_000, '10.20.4.7', 'node-fetch/3.3')];
    expect(feed(d, back, later)).toEqual(feed(d, state, later));
  });

  describe('a login session across its refreshed tokens (sid)', () => {
    // Each refresh brings a new access token (a new credential fingerprint); the session stays.
    const session = (n: number, token: string, sid = `sfp_m${n}`): Principal => principalOf(`user:m${n}`, { ...APP, credentialFingerprint: token, sessionFingerprint: sid });

    it('reports a session whose refreshed tokens turn up on another network in another kind of client, while each token stays in one place', () => {
      const events = [
        use(session(1, 'fp_a'), T0, HOME),
        use(session(1, 'fp_a'), T0 + 60_000, CARRIER),
        // The refresh token copied to a VPS: its own access tokens, used there only.
        use(session(1, 'fp_b'), T0 + 120_000, VPS, 'okhttp/4.12.0', 'ev-thief'),
        use(session(1, 'fp_c'), T0 + 180_000, HOME),
        use(session(1, 'fp_d'), T0 + 240_000, VPS, 'okhttp/4.12.0'),
      ];
      const found = feed(d, d.createState(), events).filter((f) => f.evidence.pattern === 'token_relocated');
      expect(found.map((f) => [f.ts, f.eventId, f.summary, f.evidence])).toEqual([
        [
          T0 + 120_000,
          'ev-thief',
          `one login session of user:m1 (the same sid on every token its refreshes brought) was used from ${VPS} by "okhttp/4.12.0", a network and a kind of client it had not been used from: the session's refresh token was copied to another machine`,
          { pattern: 'token_relocated', confidence: 0.8, scope: 'session', credentialFingerprint: 'fp_b', sessionFingerprint: 'sfp_m1', observed: { clientIp: VPS, userAgent: 'okhttp/4.12.0' } },
        ],
      ]);
    });

    it('does not report an app update on another network, nor another session of the same user', () => {
      const events = [
        use(session(2, 'fp_e'), T0, HOME, 'BluePine/7.4 (iPhone; iOS 18.1)'),
        // Days later, after an app and OS update, from the carrier: the same kind of client.
        use(session(2, 'fp_f'), T0 + 3 * 86_400_000, CARRIER, 'BluePine/8.0 (iPhone; iOS 18.2)'),
        // A new login on a laptop: another session, judged from its own first use.
        use(session(2, 'fp_g', 'sfp_m2_laptop'), T0 + 3 * 86_400_000 + 60_000, VPS, 'Mozilla/5.0 Firefox/133.0'),
      ];
      expect(feed(d, d.createState(), events).filter((f) => f.evidence.pattern === 'token_relocated')).toEqual([]);
    });

    it('reports an access token copied once, not once for the token and again for its session', () => {
      const events = [use(session(3, 'fp_h'), T0, HOME), use(session(3, 'fp_h'), T0 + 60_000, VPS, 'curl/8.5.0')];
      const found = feed(d, d.createState(), events).filter((f) => f.evidence.pattern === 'token_relocated');
      expect(found.map((f) => f.evidence.scope)).toEqual(['token']);
    });

    it('keeps where a session started across a snapshot and restore, with the principal that used it last', () => {
      const state = d.createState();
      feed(d, state, [use(session(4, 'fp_i'), T0, HOME)]);
      const rows = d.snapshot(state, 1);
      const row = JSON.parse(rows.find((r) => r.key === 'user:m4')?.state ?? '{}') as { tokens: [string, unknown][] };
      expect(row.tokens.map((t) => t[0])).toEqual(['fp_i', 'session:sfp_m4']);
      const back = restored(d, rows);
      expect(back.tokens.peek('session:sfp_m4')?.origin).toEqual(state.tokens.peek('session:sfp_m4')?.origin);
      const later = [use(session(4, 'fp_j'), T0 + 60_000, VPS, 'okhttp/4.12.0')];
      const found = feed(d, back, later);
      expect(found.map((f) => f.evidence.scope)).toEqual(['session']);
      expect(found).toEqual(feed(d, state, later));
    });
  });
});


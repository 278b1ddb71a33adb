import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { principalOf } from '../test-support/auth.js';
import { event } from '../test-support/events.js';
import { createTokenMisuseDetector, DEFAULTS } from './index.js';
import { APP, T0 } from './test-traffic.js';

const EXP = T0 - 25 * 3_600_000;
const holder = principalOf('user:member-7', { ...APP, credentialFingerprint: 'fp_old' });

function run(events: NormalizedEvent[]): Finding[] {
  const d = createTokenMisuseDetector(DEFAULTS);
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}

/** A request with the member's one-hour token (expiring at `exp`; `iat` null: none) on `route`, answered `status`. */
function withToken(ts: number, route: string, status: number, exp = EXP, fp = 'fp_old', iat: number | null = exp - 3_600_000): NormalizedEvent {
  const times = iat === null ? { credentialExpiresAt: exp } : { credentialExpiresAt: exp, credentialIssuedAt: iat };
  return event({ ts, route, status, clientIp: '203.0.113.50', principal: { ...holder, credentialFingerprint: fp }, ...times });
}

describe('token-misuse: expired tokens served', () => {
  it('reports the first request served with a one-hour token 25 hours past its exp, once per token', () => {
    const findings = run([
      withToken(T0, '/fhir/Patient/{id}', 401),
      withToken(T0 + 5_000, '/api/v2/members/{id}/claims', 200),
      withToken(T0 + 9_000, '/api/v2/members/{id}', 200),
      withToken(T0 + 12_000, '/api/v2/members/{id}/eob/{id}', 200),
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      detector: 'token-misuse',
      owasp: 'API2:2023',
      severity: 'high',
      principal: 'user:member-7',
      app: 'patient-app',
      route: '/api/v2/members/{id}/claims',
      ts: T0 + 5_000,
      sourceIp: '203.0.113.50',
      confidence: 0.9,
      summary: 'user:member-7 was served GET /api/v2/members/{id}/claims (200) with a bearer token that had expired 25 hours earlier, more than its lifetime of 60 minutes',
    });
    expect(findings[0]?.evidence).toEqual({
      pattern: 'expired_token_accepted',
      confidence: 0.9,
      scope: 'token',
      credentialFingerprint: 'fp_old',
      expiredAt: new Date(EXP).toISOString(),
      expiredSeconds: 25 * 3600 + 5,
      allowedSeconds: 3600,
      lifetimeSeconds: 3600,
      lifetimeFrom: 'iat',
      status: 200,
    });
  });

  it('reports each expired token of a principal, and nothing for its live ones', () => {
    const findings = run([
      withToken(T0, '/api/v2/members/{id}', 200, T0 + 3_600_000, 'fp_live'),
      withToken(T0 + 1_000, '/api/v2/members/{id}', 200, EXP, 'fp_a'),
      withToken(T0 + 2_000, '/api/v2/members/{id}', 200, EXP, 'fp_b'),
    ]);
    expect(findings.map((f) => f.evidence.credentialFingerprint)).toEqual(['fp_a', 'fp_b']);
  });

  it('lets a session overrun its token by up to one lifetime (an API that does not enforce exp), and ignores refusals', () => {
    const route = '/api/v2/members/{id}';
    expect(run([withToken(T0, route, 200, T0 - 3_600_000)])).toEqual([]);
    expect(run([withToken(T0, route, 200, T0 - 3_601_000)])).toHaveLength(1);
    // A 10-minute token: its own lifetime, not the hour assumed for tokens without iat.
    expect(run([withToken(T0, route, 200, T0 - 601_000, 'fp_short', T0 - 1_201_000)]).map((f) => f.evidence.allowedSeconds)).toEqual([600]);
    expect(run([withToken(T0, route, 200, T0 - 599_000, 'fp_short', T0 - 1_199_000)])).toEqual([]);
    // No iat: one hour assumed.
    expect(run([withToken(T0, route, 200, T0 - 3_599_000, 'fp_noiat', null)])).toEqual([]);
    expect(run([withToken(T0, route, 200, T0 - 3_601_000, 'fp_noiat', null)]).map((f) => f.evidence.lifetimeFrom)).toEqual(['assumed']);
    // A 1-minute token still gets the grace for clock differences (300 s).
    expect(run([withToken(T0, route, 200, T0 - 299_000, 'fp_tiny', T0 - 359_000)])).toEqual([]);
    expect(run([withToken(T0, route, 200, T0 - 301_000, 'fp_tiny', T0 - 361_000)]).map((f) => f.evidence.allowedSeconds)).toEqual([300]);
    expect(run([withToken(T0, route, 401), withToken(T0 + 1_000, route, 403)])).toEqual([]);
    expect(run([withToken(T0, route, 304)])).toHaveLength(1);
  });

  it('ignores a stale token sent along to a route seen serving anonymous requests', () => {
    const anonymous = event({ ts: T0 - 60_000, route: '/fhir/metadata', principal: principalOf('ip:198.51.100.7') });
    const findings = run([anonymous, withToken(T0, '/fhir/metadata', 200), withToken(T0 + 1_000, '/fhir/Patient/{id}', 200)]);
    expect(findings.map((f) => f.route)).toEqual(['/fhir/Patient/{id}']);
  });

  it('judges a route public per method and service: an anonymous POST makes no GET public', () => {
    const anonymousPost = event({ ts: T0 - 60_000, method: 'POST', route: '/fhir/Patient/{id}', principal: principalOf('ip:198.51.100.7') });
    const otherService = event({ ts: T0 - 50_000, service: 'public-fhir', route: '/fhir/Patient/{id}', principal: principalOf('ip:198.51.100.7') });
    expect(run([anonymousPost, otherService, withToken(T0, '/fhir/Patient/{id}', 200)])).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { kongLine, replayBeforeAll } from './test-support/vigil-replay.js';

/**
 * Stuffing spread over a residential proxy pool, through the real `vigil` binary: Kong http-log
 * lines of a member app's form login (`POST /api/v2/auth/login`, the user name in the body, so each
 * attempt is just its address). Two hours of members logging in, one in eight after a typo; then
 * 90 tries over 30 proxies, 3 every 5 minutes, a few from each, while the members go on. No
 * address and no /24 comes near a floor; the login route as a whole fails far beyond what its
 * successes explain. Vigil must raise exactly one alert, on the route, and nothing on anyone.
 */
const W = 300_000;
const T0 = Date.UTC(2026, 2, 4, 22, 0, 0);
const ATTACK = T0 + 24 * W;

function kong(t: number, ip: string, status: number): string {
  const headers = { 'content-type': 'application/json', 'user-agent': 'MyHealth/5.1 Android' };
  return kongLine({ t, method: 'POST', uri: '/api/v2/auth/login', ip, status, host: 'api.payer.example', headers, route: 'auth', service: 'member-api' });
}

const lines: { t: number; line: string }[] = [];
// 64 windows of 8 members each (every one from an address of its own), one in 8 after a typo.
for (let w = 0; w < 64; w++) {
  for (let i = 0; i < 8; i++) {
    const n = w * 8 + i;
    const ip = `100.64.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    const at = T0 + w * W + i * 37_500;
    if (i === 0) lines.push({ t: at, line: kong(at, ip, 401) });
    lines.push({ t: at + 5000, line: kong(at + 5000, ip, 200) });
  }
}
// 90 tries over 30 proxies in distinct /24s, one every 100 s.
const proxy = (j: number) => `198.18.${j % 30}.10`;
for (let j = 0; j < 90; j++) lines.push({ t: ATTACK + j * 100_000 + 7000, line: kong(ATTACK + j * 100_000 + 7000, proxy(j), 401) });

const replayed = replayBeforeAll('login-surge', { key: 'd4'.repeat(32), lines });

describe('stuffing spread over a proxy pool, end to end', () => {
  it('raises one alert, on the login route, and none on any address', () => {
    expect(replayed.alerts.map((a) => [a.detector, a.principal, a.route])).toEqual([['credential-stuffing', 'route:POST /api/v2/auth/login', '/api/v2/auth/login']]);
  });

  it('reports the surge with what was seen against what the successes explain', () => {
    const a = replayed.alerts[0] as Alert;
    // As in surge.test.ts: odds of 1 to 8 learned over 24 windows, 4 failures and 8 successes in
    // each attack window; the sum passes 30 at the 3rd try of the 14th attack window (try 41).
    // It restarts after that window and the pool goes on: 14 windows later (try 83) it is reported
    // again, into the same alert.
    expect(a).toMatchObject({
      owasp: 'API2:2023',
      severity: 'medium',
      sourceIps: [proxy(41), proxy(83)],
      firstSeen: new Date(ATTACK + 41 * 100_000 + 7000).toISOString(),
      lastSeen: new Date(ATTACK + 83 * 100_000 + 7000).toISOString(),
      count: 2,
      status: 'open',
      summary:
        "POST /api/v2/auth/login failed 56 logins from 44 addresses over 68 minutes against 110 successes, 30 more than the route's usual failure share (11%) allows; no single address accounts for half of it (its busiest failed 2 times)",
    });
    expect(a.evidence).toMatchObject({ pattern: 'login_failure_surge', failures: 56, successes: 110, distinctIps: 44, busiestIpFailures: 2, threshold: 30 });
  });
});

import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { replayBeforeAll } from './test-support/vigil-replay.js';
import { M, RELEASE, expiredRefresh, exportPages, exporter, familyPlans, lines, newResults, pushSvc, replies, resultReads, travellers, typos, unreadChecks, uploads, users, v3Reads, type Account } from './test-support/worlds/mobile-health.js';
import { A_END, A_START, B_END, B_START, C_END, C_START, D_END, D_START, E_END, E_START, THIEF, agents, browsed, leaked, leaker, meddler, mfaResets, mfaVictims, nightAgent, robbed, sprayed, sprayers, tickets } from './test-support/worlds/mobile-health-last-day.js';

/**
 * A consumer mobile health app's API behind nginx (JSON access log with $request_id and the bearer
 * JWT), end to end through the real `vigil` binary. The world (its populations, the last day's
 * abuses) is described and built in test-support/worlds/mobile-health.ts and
 * mobile-health-last-day.ts; here it is replayed and every alert is held to what an ideal product
 * would say, decided from the README's detector table before the first run (the inventory test was
 * added after it, when Vigil reported the old result route: the README's API inventory says so).
 */
const replayed = replayBeforeAll('mobile-health', { key: 'a7'.repeat(32), lines, format: 'nginx' });

// ---- What an ideal product says ------------------------------------------------------------

const user = (a: Account) => (a.sub === a.app ? `app:${a.app}` : `user:${a.sub}`);
const subnet = (ip: string) => `${ip.split('.').slice(0, 3).join('.')}.`;
interface Abuse {
  name: string;
  from: number;
  to: number;
  /** Longest reasonable time from the abuse's first request to the first alert that names it. */
  within: number;
  mine: (a: Alert) => boolean;
  /** Detectors whose README describes this abuse: at least one must name it. */
  detectors: string[];
  /** Side effects that may fairly fire as well: not required, not false. */
  alsoFine: string[];
}
const abuses: Abuse[] = [
  // 40 results of 40 other users, each read before only by its owner: ownership, and a slow harvest.
  { name: 'A', from: A_START, to: A_END, within: 15 * M, mine: (a) => a.principal === user(leaker.acct), detectors: ['bola/foreign-object', 'bola/enumeration'], alsoFine: ['bola/subject-context', 'scraping', 'rate'] },
  // 300 profiles in 50 minutes where an agent opens ~10 a shift, each after its ticket.
  { name: 'B', from: B_START, to: B_END, within: 10 * M, mine: (a) => a.principal === user(nightAgent.acct), detectors: ['bola/enumeration', 'scraping'], alsoFine: ['rate', 'data-exfiltration', 'bola/foreign-object', 'bola/subject-context'] },
  // One login session (sid) from home and from a hosting address abroad, interleaved within minutes.
  {
    name: 'C',
    from: C_START,
    to: C_END,
    within: 15 * M,
    mine: (a) => a.principal === user(robbed.acct) || a.principal.includes(THIEF),
    detectors: ['token-misuse'],
    alsoFine: ['data-exfiltration', 'scraping', 'rate'],
  },
  // The app's token on the console's admin routes, which its cohort never calls.
  { name: 'D', from: D_START, to: D_END, within: 3 * M, mine: (a) => a.principal === user(meddler.acct), detectors: ['bfla'], alsoFine: ['scope-violation', 'bola/foreign-object', 'bola/subject-context', 'bola/enumeration'] },
  {
    name: 'E',
    from: E_START,
    to: E_END,
    within: 30 * M,
    // The spray has no account of its own: its addresses (or their subnets), the login route it
    // floods (named by the addresses it came from), or the accounts it took.
    mine: (a) =>
      sprayers.some((ip) => a.principal.includes(subnet(ip))) ||
      sprayed.some((u) => a.principal === user(u.acct)) ||
      (a.principal.startsWith('route:') && a.sourceIps.some((ip) => sprayers.includes(ip))),
    detectors: ['credential-stuffing'],
    alsoFine: ['token-misuse', 'rate', 'bola/foreign-object'],
  },
];
// An alert may come a little after the abuse's last request (a window closing), not before its first.
const inWindow = (a: Alert, ab: Abuse) => ab.mine(a) && Date.parse(a.firstSeen) >= ab.from && Date.parse(a.firstSeen) <= ab.to + 10 * M;
const explained = (a: Alert) => abuses.some((ab) => inWindow(a, ab) && [...ab.detectors, ...ab.alsoFine].includes(a.detector));
const show = (a: Alert) => [a.detector, a.principal, a.route, a.severity, a.firstSeen, a.evidence.pattern, a.summary];
const falseAlerts = (who: readonly Account[]) => {
  const ps = new Set(who.map(user));
  return replayed.alerts.filter((a) => ps.has(a.principal) && !explained(a)).map(show);
};
const appUsers = users.filter((u) => u.family.length === 0);

describe("a consumer mobile health app's API behind nginx, with family plans, a support desk and machine sweeps, end to end", () => {
  it('has the traffic it means to have: app sessions and uploads, family plans, a release, tickets, nightly sweeps, the weekly export, the abuses', () => {
    expect(lines.length).toBe(86_100);
    expect(users.length).toBe(2500);
    expect(familyPlans.length).toBe(150);
    expect(familyPlans.reduce((n, u) => n + u.family.length, 0)).toBe(427);
    expect(travellers.length).toBe(29);
    expect(users.filter((u) => u.tablet !== undefined).length).toBe(189);
    expect(users.filter((u) => u.wearable).length * 12).toBe(uploads);
    expect({ typos, expiredRefresh, resultReads, v3Reads, replies, newResults }).toEqual({ typos: 141, expiredRefresh: 478, resultReads: 5698, v3Reads: 1501, replies: 791, newResults: 740 });
    expect(unreadChecks).toBe(6 * 2500);
    expect(exportPages).toBe(92);
    expect(agents.length).toBe(30);
    expect({ tickets, mfaResets }).toEqual({ tickets: 1394, mfaResets: 137 });
    expect(leaked.length).toBe(40);
    expect(new Set(leaked.map((r) => r.id)).size).toBe(40);
    expect(browsed.length).toBe(300);
    expect(mfaVictims.length).toBe(3);
    expect(sprayers.length).toBe(30);
    expect(sprayed.length).toBe(5);
    expect(RELEASE).toBe(Date.parse('2026-11-18T10:00:00Z'));
  });

  for (const [ab, what] of [
    [abuses[0], "A: a user reading 40 other users' leaked result UUIDs one by one at human pace, from the usual phone"],
    [abuses[1], "B: a support agent's session paging the user search and opening 300 profiles at 02:00, no ticket open"],
    [abuses[2], "C: one user's refresh token traded from a hosting address abroad while the user keeps using the app"],
    [abuses[3], "D: an app user resetting three other users' MFA through the support console's admin API with the app's token"],
    [abuses[4], 'E: password spraying, one password against 600 usernames from 30 addresses over two hours, and the accounts it took'],
  ] as const) {
    it(`catches ${what}, on that principal, in reasonable time`, () => {
      const a = ab as Abuse;
      const caught = replayed.alerts.filter((x) => inWindow(x, a) && a.detectors.includes(x.detector));
      expect(caught.length, `${a.name}: alerts on it: ${JSON.stringify(replayed.alerts.filter((x) => a.mine(x)).map(show))}`).toBeGreaterThan(0);
      const ttd = Math.min(...caught.map((x) => Date.parse(x.firstSeen))) - a.from;
      expect(ttd, `${a.name}: first alert ${ttd / 1000} s after the abuse began`).toBeLessThanOrEqual(a.within);
    });
  }

  it('names each of the five accounts the spray took, by the sessions that followed from the spraying addresses', () => {
    const named = new Set(replayed.alerts.filter((a) => a.detector === 'credential-stuffing' && inWindow(a, abuses[4] as Abuse)).map((a) => a.principal));
    expect(sprayed.filter((u) => named.has(user(u.acct))).length).toBe(5);
  });

  it('reports the old result route as a zombie once the release serves /v3, and nothing else about the inventory', () => {
    // README, API inventory: a route is a zombie while a newer version of it exists. True here:
    // every app not yet on 5.0 still reads results at /v2.
    const inventory = replayed.alerts.filter((a) => a.detector.startsWith('inventory/'));
    expect(inventory.map((a) => [a.detector, a.principal, a.route, a.evidence.pattern])).toEqual([['inventory/zombie-route', 'service:api.vitalia-health.example', '/v2/results/{id}', 'old-version']]);
    expect(Date.parse(inventory[0]?.firstSeen ?? '')).toBeGreaterThanOrEqual(RELEASE);
  });

  it('raises nothing that is not about an abuse (the inventory apart)', () => {
    expect(replayed.alerts.filter((a) => !a.detector.startsWith('inventory/') && !explained(a)).map(show)).toEqual([]);
  });

  it('raises nothing on app users reading their own records from home wifi and shared carrier addresses', () => {
    expect(falseAlerts(appUsers.filter((u) => u.trip === undefined && u.tablet === undefined).map((u) => u.acct))).toEqual([]);
  });

  it('raises nothing on travellers whose phone goes between hotel wifi abroad and home-routed roaming data', () => {
    expect(falseAlerts(travellers.map((u) => u.acct))).toEqual([]);
  });

  it('raises nothing on users with a tablet at home beside their phone', () => {
    expect(falseAlerts(users.filter((u) => u.tablet !== undefined).map((u) => u.acct))).toEqual([]);
  });

  it('raises nothing on family-plan accounts reading their dependants’ records and results', () => {
    expect(falseAlerts(familyPlans.map((u) => u.acct))).toEqual([]);
  });

  it('raises nothing about the 5.0 release: the new /v3/results route and the new user agents', () => {
    expect(replayed.alerts.filter((a) => !explained(a) && a.route?.includes('/v3/') === true).map(show)).toEqual([]);
  });

  it('raises nothing on support agents opening ten ticket users a shift, resetting MFA when asked', () => {
    expect(falseAlerts(agents.map((a) => a.acct))).toEqual([]);
  });

  it('raises nothing on the push service reading every user’s unread count at 01:00, nor on its token requests', () => {
    expect(replayed.alerts.filter((a) => a.principal.includes(pushSvc.app)).map(show)).toEqual([]);
  });

  it('raises nothing on the weekly data-science export, its first run included', () => {
    expect(replayed.alerts.filter((a) => a.principal.includes(exporter.app)).map(show)).toEqual([]);
  });

  it('raises nothing on addresses or routes: no carrier address full of typed passwords is taken for a sprayer', () => {
    const named = new Set([...users.map((u) => u.acct), ...agents.map((a) => a.acct), pushSvc, exporter].map(user));
    const other = (a: Alert) => !named.has(a.principal) && !a.principal.includes(pushSvc.app) && !a.principal.includes(exporter.app) && !a.detector.startsWith('inventory/');
    expect(replayed.alerts.filter((a) => other(a) && !explained(a)).map(show)).toEqual([]);
  });
});

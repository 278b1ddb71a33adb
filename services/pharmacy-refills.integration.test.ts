import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { replayBeforeAll } from './test-support/vigil-replay.js';
import { DAYS, M, NORTHSTAR, autoPosts, autoRefill, caregivers, earlier, insurers, lines, mistakes, patients, proxyRefills, reminder, reminderPages, stores, type Account, type Insurer, typos } from './test-support/worlds/pharmacy-refills.js';
import { A_END, A_START, B_END, B_START, C_END, C_START, D_END, D_START, E_END, E_START, admins, cancelledByPartner, claimChecks, claimsNotYet, nightOwl, opened, proxies, queuePolls, repeater, snooper, taken } from './test-support/worlds/pharmacy-refills-last-day.js';

/**
 * A pharmacy chain's prescription and refill API, end to end through the real `vigil` binary.
 * The world (its populations, the last day's abuses, and what Vigil says about them) is described
 * and built in test-support/worlds/pharmacy-refills.ts and pharmacy-refills-last-day.ts; here it
 * is replayed and every alert is held to it.
 */
const replayed = replayBeforeAll('pharmacy-refills', { key: 'c5'.repeat(32), lines });

// ---- What an ideal product says ------------------------------------------------------------

const user = (a: Account) => (a.sub === a.app ? `app:${a.app}` : `user:${a.sub}`);
/** A partner key is named after its Kong consumer, whichever way Vigil spells the principal. */
const isInsurer = (a: Alert, ins: Insurer) => [a.principal, a.app ?? ''].some((x) => x.includes(ins.name) || x.includes(ins.consumerId));
const subnet = (ip: string) => `${ip.split('.').slice(0, 3).join('.')}.`;
interface Abuse {
  name: string;
  from: number;
  to: number;
  mine: (a: Alert) => boolean;
  /** Detectors whose README describes this abuse: at least one must name it. */
  detectors: string[];
  /** Side effects that may fairly fire as well: not required, not false. */
  alsoFine: string[];
}
// The detectors were decided before the first run, from the README's detector table alone; C's
// route-named principal was added after it, when Vigil named the flooded login route.
const abuses: Abuse[] = [
  { name: 'A', from: A_START, to: A_END, mine: (a) => a.principal === user(repeater.acct), detectors: ['flow-abuse'], alsoFine: ['rate'] },
  { name: 'B', from: B_START, to: B_END, mine: (a) => a.principal === user(snooper.acct), detectors: ['bola/enumeration', 'bola/foreign-object', 'bola/subject-context'], alsoFine: ['rate', 'scraping'] },
  {
    name: 'C',
    from: C_START,
    to: C_END,
    // The stuffing has no account of its own: its proxies (an address or their subnets), the login
    // route it floods (named by the addresses it came from), or the accounts it took.
    mine: (a) =>
      proxies.some((ip) => a.principal.includes(subnet(ip))) ||
      taken.some((p) => a.principal === user(p.acct)) ||
      (a.principal.startsWith('route:') && a.sourceIps.some((ip) => proxies.includes(ip))),
    detectors: ['credential-stuffing'],
    alsoFine: ['token-misuse', 'rate'],
  },
  { name: 'D', from: D_START, to: D_END, mine: (a) => isInsurer(a, NORTHSTAR), detectors: ['bfla', 'bola/foreign-object'], alsoFine: ['flow-abuse', 'bola/enumeration', 'rate'] },
  { name: 'E', from: E_START, to: E_END, mine: (a) => a.principal === user(nightOwl), detectors: ['bola/subject-context', 'bola/enumeration', 'bola/foreign-object', 'scraping'], alsoFine: ['token-misuse', 'data-exfiltration', 'rate'] },
];
// An alert may come a little after the abuse's last request (a window closing), not before its first.
const inWindow = (a: Alert, ab: Abuse) => ab.mine(a) && Date.parse(a.firstSeen) >= ab.from && Date.parse(a.firstSeen) <= ab.to + 10 * M;
const explained = (a: Alert) => abuses.some((ab) => inWindow(a, ab) && [...ab.detectors, ...ab.alsoFine].includes(a.detector));
const show = (a: Alert) => [a.detector, a.principal, a.route, a.severity, a.firstSeen, a.summary];
const falseAlerts = (who: readonly Account[]) => {
  const ps = new Set(who.map(user));
  return replayed.alerts.filter((a) => ps.has(a.principal) && !explained(a)).map(show);
};

describe("a pharmacy chain's prescription and refill API with caregivers, store queues and partners, end to end", () => {
  it('has the traffic it means to have: app refills and cancellations, proxies, store queues, nightly services, claims', () => {
    expect(lines.length).toBeGreaterThan(55_000);
    expect(lines.length).toBeLessThan(80_000);
    expect(patients.length).toBe(2000);
    expect(caregivers.length).toBe(80);
    expect(stores.flatMap((s) => s.pharmacists).length).toBe(60);
    expect(typos).toBeGreaterThan(20);
    expect(mistakes).toBeGreaterThan(20);
    expect(proxyRefills).toBeGreaterThan(100);
    expect(autoPosts).toBeGreaterThan(DAYS * 570);
    expect(opened / (DAYS * stores.length)).toBeGreaterThan(100);
    expect(queuePolls).toBeGreaterThan(DAYS * stores.length * 90);
    expect(claimChecks / DAYS / 2).toBeGreaterThan(900);
    expect(claimsNotYet).toBeGreaterThan(100);
    expect(reminderPages).toBeGreaterThan(DAYS * 19);
    expect(cancelledByPartner.length).toBe(30);
    expect(earlier.get(repeater)).toBeGreaterThanOrEqual(2);
  });

  for (const [ab, what] of [
    [abuses[0], 'A: a patient placing eight refills of one opioid prescription, 20-40 minutes apart'],
    [abuses[1], 'B: a caregiver reading the prescriptions of 25 patients it never managed'],
    [abuses[2], 'C: credential stuffing at the token endpoint from 40 residential proxies, and the accounts it took'],
    [abuses[3], "D: an insurer's API key cancelling 30 refills of another insurer's members"],
    [abuses[4], "E: a pharmacist's token paging through five other stores' queues from home at 23:30"],
  ] as const) {
    it(`catches ${what}, on that principal, while it happens`, () => {
      const a = ab as Abuse;
      const caught = replayed.alerts.filter((x) => inWindow(x, a) && a.detectors.includes(x.detector)).map((x) => x.detector);
      expect(caught.length, `${a.name}: alerts on it: ${JSON.stringify(replayed.alerts.filter((x) => a.mine(x)).map(show))}`).toBeGreaterThan(0);
    });
  }

  it('names 8 of the 12 accounts the proxy pool took: those whose address failed 3 times or more before getting in', () => {
    // Before a success from an address of a reported surge counted (credential-stuffing README,
    // account_takeover), only the 3 whose address failed 10 times in a row were named.
    const named = new Set(replayed.alerts.filter((a) => a.detector === 'credential-stuffing' && a.evidence.pattern === 'post_takeover_activity').map((a) => a.principal));
    expect(taken.filter((p) => named.has(user(p.acct))).length).toBe(8);
    expect(taken.length).toBe(12);
  });

  it('raises nothing that is not about an abuse', () => {
    // Until 2026-12-01 two machine credentials alerted on their first day (the auto-refill batch's
    // first night, an insurer's first morning): a machine's first day now learns its volume.
    expect(replayed.alerts.filter((a) => !explained(a)).map(show)).toEqual([]);
  });

  it('raises nothing on patients refilling, checking and re-placing refills from home and carrier networks', () => {
    expect(falseAlerts(patients.map((p) => p.acct))).toEqual([]);
  });

  it('raises nothing on caregivers managing the same few family members every time', () => {
    expect(falseAlerts(caregivers.map((c) => c.acct))).toEqual([]);
  });

  it('raises nothing on pharmacists opening a hundred patients a shift and polling their queue', () => {
    expect(falseAlerts(stores.flatMap((s) => s.pharmacists))).toEqual([]);
  });

  it('raises nothing on the 03:00 auto-refill batch, its first night included, nor on the reminder service', () => {
    // ~600 refills in 20 minutes: on its first night against the learning floor (80 a window) it
    // alerted until 2026-12-01; a machine credential's first day is now learned (bola/enumeration README).
    expect(falseAlerts([autoRefill, reminder])).toEqual([]);
  });

  it('raises nothing on the insurers, their first mornings included', () => {
    // On later mornings a machine's allowance is its busiest window of the last day (the quiet
    // evening before was 2 a window): before that, Northstar alerted on its second morning too, and
    // in seed 7 Meridian on five mornings of six; on its first morning Meridian alerted until its
    // first day was learned (2026-12-01).
    expect(replayed.alerts.filter((a) => insurers.some((ins) => isInsurer(a, ins)) && !explained(a)).map(show)).toEqual([]);
  });

  it('raises nothing on the administrators', () => {
    expect(falseAlerts(admins)).toEqual([]);
  });

  it('raises nothing on any other principal: no shared carrier address or store network is taken for an attacker', () => {
    const known = new Set([...patients.map((p) => p.acct), ...caregivers.map((c) => c.acct), ...stores.flatMap((s) => s.pharmacists), autoRefill, reminder, ...admins].map(user));
    expect(replayed.alerts.filter((a) => !known.has(a.principal) && !insurers.some((ins) => isInsurer(a, ins)) && !explained(a)).map(show)).toEqual([]);
  });
});

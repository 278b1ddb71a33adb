import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { replayBeforeAll } from './test-support/vigil-replay.js';
import { A_START, BEDS, C_START, DAYS, D_START, M, REGISTERED, WARDS, bedBoard, bedBoardRetries, climber, coded, coders, edDocs, hospitalists, itAdmins, leaver, lines, nextPid, nightlyPages, nurses, quality, robbed, snoop, stays, type Principal } from './test-support/worlds/inpatient-ehr.js';
import { A_END, B_END, B_START, C_END, D_END, E_END, E_START, walkMisses } from './test-support/worlds/inpatient-ehr-last-day.js';

/**
 * A hospital's inpatient EHR with shared workstations, end to end through the real `vigil`
 * binary. The world (its populations, the last day's abuses, and what Vigil says about them) is
 * described and built in test-support/worlds/inpatient-ehr.ts and inpatient-ehr-last-day.ts; here
 * it is replayed and every alert is held to it.
 */
const replayed = replayBeforeAll('inpatient-ehr', { key: 'b3'.repeat(32), lines });

// ---- What an ideal product says ------------------------------------------------------------

/** Users are named by their `sub`; backend services on client credentials by their client id. */
const user = (p: Principal) => (p.fhirUser === undefined ? `app:${p.app}` : `user:${p.sub}`);
/**
 * Each abuse with the detectors whose README description is the abuse itself (required), and
 * those that may fairly fire on it as well (a rate or volume side effect): not required, not false.
 */
const abuses = [
  { name: 'A', principal: user(snoop), from: A_START, to: A_END, detectors: ['bola/foreign-object'], alsoFine: ['bola/enumeration', 'bola/subject-context'] },
  { name: 'B', principal: user(leaver), from: B_START, to: B_END, detectors: ['bola/enumeration'], alsoFine: ['rate', 'scraping'] },
  { name: 'C', principal: user(robbed), from: C_START, to: C_END, detectors: ['token-misuse'], alsoFine: ['bola/enumeration', 'data-exfiltration', 'rate', 'scraping'] },
  { name: 'D', principal: user(climber), from: D_START, to: D_END, detectors: ['bfla', 'scope-violation'], alsoFine: [] },
  { name: 'E', principal: user(quality), from: E_START, to: E_END, detectors: ['data-exfiltration', 'scraping'], alsoFine: ['rate'] },
];
// An alert may come a little after the abuse's last request (a window closing), not before its first.
const inWindow = (a: Alert, ab: (typeof abuses)[number]) => a.principal === ab.principal && Date.parse(a.firstSeen) >= ab.from && Date.parse(a.firstSeen) <= ab.to + 10 * M;
const duringAbuse = (a: Alert) => abuses.some((ab) => inWindow(a, ab));
const show = (a: Alert) => [a.detector, a.principal, a.route, a.severity, a.firstSeen, a.summary];
/** Alerts on a benign population, an abuser's included when it is not about its abuse. */
const falseAlerts = (who: readonly Principal[]) => {
  const ps = new Set(who.map(user));
  return replayed.alerts.filter((a) => ps.has(a.principal) && !duringAbuse(a)).map(show);
};

describe("a hospital's inpatient EHR FHIR API with shared workstations, end to end", () => {
  it('has the traffic it means to have: shared carts, daily admissions, ED nights, services, coders', () => {
    expect(lines.length).toBeGreaterThan(50_000);
    expect(lines.length).toBeLessThan(80_000);
    expect(nurses.length).toBe(120);
    expect(new Set(nurses.map((n) => n.wow)).size).toBe(25);
    expect(hospitalists.length).toBe(15);
    expect(nextPid - REGISTERED).toBeGreaterThan(200);
    expect(stays.length).toBeGreaterThan(BEDS * WARDS + 100);
    expect(nightlyPages).toBeGreaterThan(DAYS * 190);
    expect(coded).toBeGreaterThan(DAYS * 4 * 35);
    expect(bedBoardRetries).toBeGreaterThan(0);
    expect(walkMisses).toBeGreaterThan(20);
  });

  it('names B-E with the detectors meant for them, on their principals; nothing on A; one false alert on an ED physician', () => {
    const pair = (d: string, p: string) => `${d} ${p}`;
    const got = [...new Set(replayed.alerts.map((a) => pair(a.detector, a.principal)))].sort();
    const required = abuses.flatMap((ab) => ab.detectors.map((d) => pair(d, ab.principal))).sort();
    const allowed = new Set([...required, ...abuses.flatMap((ab) => ab.alsoFine.map((d) => pair(d, ab.principal)))]);
    const ed = edDocs.find((d) => user(d) === 'user:E104337');
    expect({ missing: required.filter((p) => !got.includes(p)), unexpected: got.filter((p) => !allowed.has(p)) }).toEqual({
      // Documented limit: the care relationship (ward, assignment) that tells a snoop from a nurse
      // reading her own patients is not in the logs, and each patient is read by many.
      missing: [pair('bola/foreign-object', user(snoop))],
      // Documented limit: ED physicians share the hospitalists' app and scopes (one cohort) and work
      // up several patients at once; two steps rare for hospitalists fell in one night's session.
      unexpected: [pair('flow-abuse', ed === undefined ? 'no such ED physician' : user(ed))],
    });
    expect(replayed.alerts.length).toBe(9);
  });

  it('does not see A, a nurse reading six patients of another ward from her own cart (documented limit)', () => {
    expect(replayed.alerts.filter((a) => a.principal === user(snoop)).map(show)).toEqual([]);
  });

  for (const ab of [
    { ...(abuses[1] as (typeof abuses)[number]), what: 'B: a resident walking 150 consecutive patient ids from the VPN' },
    { ...(abuses[2] as (typeof abuses)[number]), what: "C: a nurse's token replayed from outside while she works" },
    { ...(abuses[3] as (typeof abuses)[number]), what: 'D: a nurse editing Practitioners and granting roles' },
    { ...(abuses[4] as (typeof abuses)[number]), what: "E: the quality service's credentials pulling 400 pages of 1,000 Observations" },
  ]) {
    it(`catches ${ab.what}, on that principal, while it happens`, () => {
      const caught = new Set(replayed.alerts.filter((a) => inWindow(a, ab)).map((a) => a.detector));
      expect(ab.detectors.filter((d) => caught.has(d))).toEqual(ab.detectors);
    });
  }

  it('raises nothing on nurses sharing workstations on wheels across three shifts', () => {
    expect(falseAlerts(nurses)).toEqual([]);
  });

  it('raises nothing on hospitalists rounding across wards, admitting new patients and reading results from home', () => {
    expect(falseAlerts(hospitalists)).toEqual([]);
  });

  it('raises one medium flow-abuse alert on an ED physician opening dozens of patients (documented limit), and nothing else on them', () => {
    expect(falseAlerts(edDocs).map((a) => a.slice(0, 5))).toEqual([['flow-abuse', 'user:E104337', '/fhir/Condition', 'medium', '2026-11-26T02:52:19.000Z']]);
  });

  it('raises nothing on the bed board polling every minute or the nightly quality job', () => {
    expect(falseAlerts([bedBoard, quality])).toEqual([]);
  });

  it('raises nothing on coders reading ~40 discharged patients each a day', () => {
    expect(falseAlerts(coders)).toEqual([]);
  });

  it('raises nothing on the IT administrators doing their job', () => {
    expect(falseAlerts(itAdmins)).toEqual([]);
  });

  it('raises nothing on any other principal: no shared cart or VPN address is taken for an attacker', () => {
    const known = new Set([...nurses, ...hospitalists, ...edDocs, ...coders, ...itAdmins, bedBoard, quality].map(user));
    expect(replayed.alerts.filter((a) => !known.has(a.principal) && !duringAbuse(a)).map(show)).toEqual([]);
  });
});

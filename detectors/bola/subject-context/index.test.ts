import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent, Principal } from '../../../libs/contracts/index.js';
import { event, principal, ref } from '../../test-support/events.js';
import { createSubjectContextDetector, DEFAULTS } from './index.js';

const T0 = Date.UTC(2026, 2, 2, 18, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SCOPES = ['openid', 'launch/patient', 'patient/*.read'];
const member = (i: number, over: Partial<Principal> = {}): Principal => principal(`user:m${i}`, 'myhealth-ios', SCOPES, over);

/** GET /api/v2/members/{id}/eob/{id}: the member and one of its EOBs. */
function eob(p: Principal, ts: number, memberId: string, eobId: string, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return event({ ts, principal: p, service: 'member-api', route: '/api/v2/members/{id}/eob/{id}', objects: [ref('members', memberId), ref('eob', eobId)], ...over });
}

/** Members 0..n-1 each read their own record (tok_m<i>) and EOBs in an evening session on each of two days. */
function cohortHabits(n: number, start = T0): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (const day of [0, 1]) {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 2; k++) out.push(eob(member(i), start + day * DAY + i * 60_000 + k * 1000, `tok_m${i}`, `tok_e${i}_${day}_${k}`));
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

function run(events: readonly NormalizedEvent[], d = createSubjectContextDetector()): Finding[] {
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}

const ATTACK = T0 + 2 * DAY + 2 * HOUR;

describe('bola/subject-context', () => {
  it("flags a member that kept to its own record for days reading another member's, even one never seen before", () => {
    const findings = run([
      ...cohortHabits(25),
      eob(member(3), ATTACK, 'tok_m3', 'tok_own'),
      eob(member(3), ATTACK + 15_000, 'tok_m17', 'tok_x1'),
      eob(member(3), ATTACK + 60_000, 'tok_never_seen', 'tok_x2'),
    ]);
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatchObject({
      detector: 'bola/subject-context',
      owasp: 'API1:2023',
      severity: 'high',
      principal: 'user:m3',
      app: 'myhealth-ios',
      route: '/api/v2/members/{id}/eob/{id}',
      ts: ATTACK + 15_000,
      confidence: 0.73,
      summary:
        'user:m3 has used only members tok_m3 (5 requests over 2 days), as 24 of the 25 principals of its cohort keep to one members each, then read members tok_m17 and the API answered 200',
    });
    expect(findings[0]?.evidence).toEqual({
      pattern: 'other_subject_access',
      confidence: 0.73,
      observed: { type: 'members', id: 'tok_m17', via: 'path', method: 'GET', status: 200 },
      baseline: { ownId: 'tok_m3', ownUses: 5, ownSince: new Date(T0 + 3 * 60_000).toISOString(), cohortPrincipalsWithOne: 24, cohortPrincipalsWithSeveral: 1 },
    });
    expect(findings[1]?.evidence.observed).toEqual({ type: 'members', id: 'tok_never_seen', via: 'path', method: 'GET', status: 200 });
  });

  it('says critical for a write to the other record', () => {
    const [f] = run([...cohortHabits(25), eob(member(3), ATTACK, 'tok_m9', 'tok_x', { method: 'PUT' })]);
    expect(f).toMatchObject({ severity: 'critical', summary: expect.stringContaining('sent PUT for members tok_m9') as unknown });
  });

  it('needs a cohort of 20 judged principals, and 3 uses of the principal’s own id (one session will do)', () => {
    expect(run([...cohortHabits(19), eob(member(3), ATTACK, 'tok_m9', 'tok_x')])).toEqual([]);
    // Member 30 started today: one session of two requests, then another record. Not its own yet.
    const newcomer = [0, 1, 2].map((k) => eob(member(30), ATTACK + k * 60_000, 'tok_m30', `tok_n${k}`));
    expect(run([...cohortHabits(25), ...newcomer.slice(0, 2), eob(member(30), ATTACK + 300_000, 'tok_m9', 'tok_x')])).toEqual([]);
    const [f] = run([...cohortHabits(25), ...newcomer, eob(member(30), ATTACK + 300_000, 'tok_m9', 'tok_x')]);
    expect(f?.summary).toBe(
      'user:m30 has used only members tok_m30 (3 requests over 2 minutes), as 25 of the 26 principals of its cohort keep to one members each, then read members tok_m9 and the API answered 200',
    );
    expect(f?.evidence.baseline).toEqual({ ownId: 'tok_m30', ownUses: 3, ownSince: new Date(ATTACK).toISOString(), cohortPrincipalsWithOne: 25, cohortPrincipalsWithSeveral: 1 });
  });

  it('learns nothing singular about a type the cohort uses several ids of (a member with several EOBs, carts that rotate)', () => {
    // Every EOB id differs: eob is never anyone's one record.
    const findings = run([...cohortHabits(25), eob(member(3), ATTACK, 'tok_m3', 'tok_e5_0_0')]);
    expect(findings).toEqual([]);
    // 3 of 25 members also use a second record on the first day (a household account): 12 % > 5 %, not singular.
    const moved = [0, 1, 2].map((i) => eob(member(i), T0 + 12 * HOUR, `tok_new${i}`, `tok_z${i}`));
    expect(run([...cohortHabits(25), ...moved].sort((a, b) => a.ts - b.ts).concat(eob(member(3), ATTACK, 'tok_m9', 'tok_x')))).toEqual([]);
    // The same with 1 of 25 (4 %): singular.
    expect(run([...cohortHabits(25), moved[0] as NormalizedEvent].sort((a, b) => a.ts - b.ts).concat(eob(member(3), ATTACK, 'tok_m9', 'tok_x'))).map((f) => f.principal)).toEqual(['user:m3']);
  });

  it('stops calling a type singular once a few of its principals switch ids (a type that turns out to rotate)', () => {
    const switches = [3, 4, 5, 6].map((i) => eob(member(i), ATTACK + i * 1000, `tok_next${i}`, `tok_y${i}`));
    expect(run([...cohortHabits(25), ...switches]).map((f) => f.principal)).toEqual(['user:m3', 'user:m4']);
  });

  it('takes a record the API just created for the principal (201 Location) as its own, not as someone else’s', () => {
    const created = eob(member(3), ATTACK, 'tok_m3b', 'tok_x', { method: 'POST', status: 201, objects: [ref('members', 'tok_m3b', { via: 'location', created: true })] });
    expect(run([...cohortHabits(25), created, eob(member(3), ATTACK + 1000, 'tok_m3b', 'tok_x')])).toEqual([]);
  });

  it("keeps a parent's token for a child (another patient claim) apart from the parent's own", () => {
    const child = member(3, { patient: 'tok_pat_child' });
    expect(run([...cohortHabits(25), eob(child, ATTACK, 'tok_m_child', 'tok_x'), eob(child, ATTACK + 1000, 'tok_m_child', 'tok_x2')])).toEqual([]);
  });

  it('does not judge staff, backend services, carers, addresses, refused requests, Patient or reference types', () => {
    const base = cohortHabits(25);
    const m3 = member(3);
    const cases: NormalizedEvent[] = [
      eob({ ...m3, scopes: ['user/*.read'] }, ATTACK, 'tok_m9', 'tok_x'),
      eob({ ...m3, scopes: ['system/*.read'] }, ATTACK, 'tok_m9', 'tok_x'),
      eob({ ...m3, fhirUser: 'RelatedPerson/tok_rp' }, ATTACK, 'tok_m9', 'tok_x'),
      eob(m3, ATTACK, 'tok_m9', 'tok_x', { status: 403 }),
      eob(m3, ATTACK, 'tok_m9', 'tok_x', { status: 404 }),
    ];
    for (const c of cases) expect(run([...base, c])).toEqual([]);
    const ip = (i: number): Principal => ({ id: `ip:10.0.0.${i}`, kind: 'ip', scopes: [], authScheme: 'none' });
    const ipHabits = cohortHabits(25).map((e) => ({ ...e, principal: ip(Number(e.principal.id.slice(6))) }));
    expect(run([...ipHabits, eob(ip(3), ATTACK, 'tok_m9', 'tok_x')])).toEqual([]);
    const fhir = (p: Principal, ts: number, type: string, id: string): NormalizedEvent => event({ ts, principal: p, objects: [ref(type, id)] });
    const habits = (type: string): NormalizedEvent[] => cohortHabits(25).map((e) => fhir(e.principal, e.ts, type, e.objects[0]?.id ?? ''));
    expect(run([...habits('Patient'), fhir(m3, ATTACK, 'Patient', 'tok_m9')])).toEqual([]);
    expect(run([...habits('Organization'), fhir(m3, ATTACK, 'Organization', 'tok_m9')])).toEqual([]);
    expect(run([...habits('Account'), fhir(m3, ATTACK, 'Account', 'tok_m9')]).map((f) => f.principal)).toEqual(['user:m3']);
  });

  it('uses its defaults', () => {
    expect(DEFAULTS).toEqual({ minUses: 3, stableSeconds: 86_400, minCohortPrincipals: 20, maxMultiRate: 0.05, switchGapSeconds: 1800, principalCap: 200_000, tallyCap: 20_000 });
  });

  it('reports a switch to another record after a pause once, at medium, then takes it as the second own', () => {
    // Member 3 last used its own record on day 1 (18:03); on day 2 it comes back on another one, as a
    // locum starting a day at a second clinic would, and keeps to the two.
    const second = (k: number, id = 'tok_m9') => eob(member(3), ATTACK + k * 60_000, id, `tok_s${k}`);
    const findings = run([...cohortHabits(25), second(0), second(1), eob(member(3), ATTACK + 2 * 60_000, 'tok_m3', 'tok_own'), second(3), second(4, 'tok_m11')]);
    expect(findings.map((f) => [f.ts, f.severity, f.confidence, f.evidence.observed])).toEqual([
      [ATTACK, 'medium', 0.53, expect.objectContaining({ id: 'tok_m9' })],
      // A third record: no longer a switch (the principal was reported), every use counts.
      [ATTACK + 4 * 60_000, 'high', 0.73, expect.objectContaining({ id: 'tok_m11' })],
    ]);
    expect(findings[0]?.summary).toBe(
      'user:m3 has used only members tok_m3 (4 requests over 24 hours), as 24 of the 25 principals of its cohort keep to one members each, then 26 hours after its last request on it, read members tok_m9 and the API answered 200',
    );
    expect(findings[0]?.evidence).toMatchObject({ switchedAfterSeconds: (ATTACK - (T0 + DAY + 3 * 60_000 + 1000)) / 1000 });
  });

  it('measures the pause since the principal’s last request of any type it uses, not of the subject alone', () => {
    // Member 3 reads its own record, then only EOBs for 40 minutes, then another member's record: a
    // swap mid-session, not a switch.
    const eobOnly = (ts: number, id: string) => event({ ts, principal: member(3), service: 'member-api', route: '/api/v2/eob/{id}', objects: [ref('eob', id)] });
    const findings = run([
      ...cohortHabits(25),
      eob(member(3), ATTACK, 'tok_m3', 'tok_own'),
      eobOnly(ATTACK + 20 * 60_000, 'tok_e_a'),
      eobOnly(ATTACK + 35 * 60_000, 'tok_e_b'),
      eob(member(3), ATTACK + 40 * 60_000, 'tok_m9', 'tok_x'),
    ]);
    expect(findings.map((f) => [f.ts, f.severity])).toEqual([[ATTACK + 40 * 60_000, 'high']]);
  });

  it('gives no second record to a principal already reported, nor to a write after a pause', () => {
    // Reported mid-session on day 2, member 3 comes back the next day to the same other record: still reported.
    const caught = run([
      ...cohortHabits(25),
      eob(member(3), ATTACK, 'tok_m3', 'tok_own'),
      eob(member(3), ATTACK + 60_000, 'tok_m9', 'tok_x'),
      eob(member(3), ATTACK + DAY, 'tok_m9', 'tok_y'),
    ]);
    expect(caught.map((f) => [f.ts, f.severity])).toEqual([
      [ATTACK + 60_000, 'high'],
      [ATTACK + DAY, 'high'],
    ]);
    const writes = run([...cohortHabits(25), eob(member(3), ATTACK, 'tok_m9', 'tok_x', { method: 'PUT' }), eob(member(3), ATTACK + 60_000, 'tok_m9', 'tok_y')]);
    expect(writes.map((f) => [f.ts, f.severity])).toEqual([
      [ATTACK, 'critical'],
      [ATTACK + 60_000, 'high'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent, Principal } from '../../../libs/contracts/index.js';
import { event, principal, ref } from '../../test-support/events.js';
import { createForeignObjectDetector, DEFAULTS, type ForeignObjectConfig } from './index.js';

const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const HOUR = 3_600_000;
const cfg: ForeignObjectConfig = { ...DEFAULTS, minCohortPrincipals: 5, minCohortObjects: 20, objectCap: 10_000, cohortCap: 100 };
const SCOPES = ['openid', 'patient/*.read', 'patient/Appointment.write'];
const members = Array.from({ length: 8 }, (_, i) => principal(`user:u${i}`, 'mychart', SCOPES));
const eve = principal('user:eve', 'mychart', SCOPES);

function run(events: NormalizedEvent[], c: ForeignObjectConfig = cfg): Finding[] {
  const d = createForeignObjectDetector(c);
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}

function use(p: Principal, ts: number, type: string, id: string, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return event({ ts, eventId: `${p.id}-${type}-${id}-${ts}`, principal: p, route: `/fhir/${type}/{id}`, objects: [ref(type, id)], ...over });
}

/** Each member reads its own 4 DocumentReferences (32 objects) and the same Practitioner, hourly for 3 hours. */
function ownUse(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let h = 0; h < 3; h++) {
    members.forEach((m, i) => {
      for (let k = 0; k < 4; k++) out.push(use(m, T0 + h * HOUR + i * 1000 + k, 'DocumentReference', `tok_d${i}_${k}`));
      out.push(use(m, T0 + h * HOUR + i * 1000 + 5, 'Practitioner', 'tok_gp'));
    });
  }
  return out;
}

const LATER = T0 + 4 * HOUR;

describe('bola/foreign-object', () => {
  it("flags a peer reading another member's object in a cohort that never shares that type", () => {
    const findings = run([...ownUse(), use(eve, LATER, 'DocumentReference', 'tok_d3_1', { eventId: 'atk' })]);
    expect(findings).toEqual([
      {
        detector: 'bola/foreign-object',
        owasp: 'API1:2023',
        severity: 'high',
        principal: 'user:eve',
        app: 'mychart',
        route: '/fhir/DocumentReference/{id}',
        ts: LATER,
        eventId: 'atk',
        sourceIp: '203.0.113.7',
        summary: 'user:eve read DocumentReference tok_d3_1, which user:u3 alone used and came back to, and the API answered 200',
        confidence: 0.65,
        evidence: {
          pattern: 'foreign_object_access',
          confidence: 0.65,
          observed: { resourceType: 'DocumentReference', objectId: 'tok_d3_1', via: 'path', foreignObjects: 1, method: 'GET', status: 200 },
          baseline: {
            owner: 'user:u3',
            ownership: 'regular_reader',
            ownedSince: new Date(T0 + 3001).toISOString(),
            cohortShareRate: 0,
            maxShareRate: 0.05,
            cohortObjects: 32,
            cohortPrincipals: 9,
          },
          window: 'ownership learned over 3600s; cohort sharing over its last 32 objects of this type',
        },
      },
    ]);
  });

  it('flags writes to an object another member created as critical, without waiting for the ownership period', () => {
    const created = use(members[0] as Principal, LATER, 'Appointment', 'tok_a1', {
      method: 'POST',
      status: 201,
      route: '/fhir/Appointment',
      objects: [ref('Appointment', 'tok_a1', { via: 'location', created: true })],
    });
    const mine = Array.from({ length: 20 }, (_, i) => use(members[i % 8] as Principal, LATER + i, 'Appointment', `tok_own${i}`));
    const cancel = use(eve, LATER + 60_000, 'Appointment', 'tok_a1', { method: 'PUT', status: 200 });
    const findings = run([...ownUse(), ...mine, created, cancel]);
    expect(findings.map((f) => [f.severity, f.confidence, f.evidence.baseline])).toEqual([
      ['critical', 0.85, expect.objectContaining({ owner: 'user:u0', ownership: 'created' })],
    ]);
    expect(findings[0]?.summary).toBe('user:eve sent PUT to Appointment tok_a1, which user:u0 created, and the API answered 200');
  });

  it('compares API-key partners as peers: another partner’s claim is foreign, a member both check is not', () => {
    // Kong key-auth partners: each key's app is its own consumer, and they are still one cohort.
    const partner = (n: number): Principal => ({ id: `key:fp_p${n}`, kind: 'apikey', app: `partner-${n}`, scopes: [], authScheme: 'apikey' });
    const out: NormalizedEvent[] = [];
    for (let n = 0; n < 6; n++) {
      for (let k = 0; k < 5; k++) {
        const claim = `tok_c${n}_${k}`;
        out.push(use(partner(n), T0 + n * 1000 + k, 'claims', claim, { method: 'POST', status: 201, route: '/v1/claims', objects: [ref('claims', claim, { via: 'location', created: true })] }));
        out.push(use(partner(n), T0 + 2 * HOUR + n * 1000 + k, 'claims', claim));
        // Each partner checks its own members' eligibility, and comes back to them the next hour.
        out.push(use(partner(n), T0 + n * 1000 + k, 'members', `tok_m${n}_${k}`), use(partner(n), T0 + 2 * HOUR + n * 1000 + k, 'members', `tok_m${n}_${k}`));
      }
    }
    const findings = run([...out, use(partner(5), LATER, 'members', 'tok_m0_1'), use(partner(5), LATER + 1000, 'claims', 'tok_c0_1', { eventId: 'claim' })]);
    // A member seen by two providers' billing services is no theft (a machine credential owns only what it created).
    expect(findings.map((f) => [f.principal, f.eventId, f.evidence.baseline])).toEqual([['key:fp_p5', 'claim', expect.objectContaining({ owner: 'key:fp_p0', ownership: 'created' })]]);
  });

  it('does not flag reference data (seeded types) nor types the cohort is learned to share', () => {
    // Every member reads the same GP (seeded shared) and, in pairs, the same CarePlans (learned shared).
    const pairs: NormalizedEvent[] = [];
    for (let k = 0; k < 24; k++) {
      pairs.push(use(members[k % 8] as Principal, T0 + k * 1000, 'CarePlan', `tok_c${k}`));
      pairs.push(use(members[(k + 1) % 8] as Principal, T0 + 2 * HOUR + k * 1000, 'CarePlan', `tok_c${k}`));
    }
    pairs.push(use(members[0] as Principal, T0 + 3 * HOUR, 'CarePlan', 'tok_solo'));
    const later = [use(eve, LATER, 'Practitioner', 'tok_gp'), use(eve, LATER, 'CarePlan', 'tok_solo')];
    expect(run([...ownUse(), ...pairs, ...later])).toEqual([]);
  });

  it('does not flag a peer before the sole reader has owned the object for ownershipLearningSeconds', () => {
    const fresh = use(members[0] as Principal, LATER, 'DocumentReference', 'tok_new');
    expect(run([...ownUse(), fresh, use(eve, LATER + 10 * 60_000, 'DocumentReference', 'tok_new')])).toEqual([]);
  });

  it('a sole reader owns an object only once it comes back to it after ownershipLearningSeconds', () => {
    // A work item handled once (a caller's record, a ticket): the next peer to handle it is no thief,
    // however long after. Coming back within the period does not make an owner either.
    const once = use(members[0] as Principal, LATER, 'DocumentReference', 'tok_item');
    const soon = use(members[1] as Principal, LATER, 'DocumentReference', 'tok_item2');
    const back = use(members[1] as Principal, LATER + HOUR - 1, 'DocumentReference', 'tok_item2');
    const later = [use(eve, LATER + 5 * HOUR, 'DocumentReference', 'tok_item'), use(eve, LATER + 5 * HOUR + 1, 'DocumentReference', 'tok_item2')];
    expect(run([...ownUse(), once, soon, back, ...later])).toEqual([]);
    // Back after the period, nobody else in between: its own from then on.
    const returned = use(members[1] as Principal, LATER + HOUR, 'DocumentReference', 'tok_item2');
    const findings = run([...ownUse(), soon, returned, use(eve, LATER + 5 * HOUR, 'DocumentReference', 'tok_item2', { eventId: 'peer' })]);
    expect(findings.map((f) => [f.eventId, f.evidence.baseline])).toEqual([
      ['peer', expect.objectContaining({ owner: 'user:u1', ownership: 'regular_reader', ownedSince: new Date(LATER).toISOString() })],
    ]);
  });

  it('does not flag while the cohort is learning (too few principals or objects)', () => {
    const two = [members[0], members[1]] as Principal[];
    const small = [use(two[0] as Principal, T0, 'DocumentReference', 'tok_x'), use(two[1] as Principal, LATER, 'DocumentReference', 'tok_x')];
    expect(run(small)).toEqual([]);
  });

  describe('staff (SMART user/ scopes)', () => {
    const EHR = ['openid', 'user/*.read', 'user/Observation.write'];
    const doctors = Array.from({ length: 8 }, (_, i) => principal(`user:dr${i}`, 'ehr', EHR));
    const dr = (i: number) => doctors[i] as Principal;
    const write = (p: Principal, ts: number, id: string) =>
      use(p, ts, 'Observation', id, { method: 'POST', status: 201, route: '/fhir/Observation', objects: [ref('Observation', id, { via: 'location', created: true })] });

    /** Each doctor records 10 Observations and reads each back; nobody reads a colleague's. */
    function authored(): NormalizedEvent[] {
      return doctors.flatMap((d, i) =>
        Array.from({ length: 10 }, (_, k) => [write(d, T0 + i * 100 + k * 10, `tok_o${i}_${k}`), use(d, T0 + i * 100 + k * 10 + 5, 'Observation', `tok_o${i}_${k}`)]).flat(),
      );
    }

    it('flags a clinician reading an Observation a colleague authored, in a cohort that never does', () => {
      const findings = run([...authored(), use(dr(1), LATER, 'Observation', 'tok_o0_3', { eventId: 'snoop' })]);
      expect(findings.map((f) => [f.eventId, f.severity, f.confidence, f.summary])).toEqual([
        ['snoop', 'high', 0.85, 'user:dr1 read Observation tok_o0_3, which user:dr0 created, and the API answered 200'],
      ]);
      expect(findings[0]?.evidence.baseline).toEqual({
        owner: 'user:dr0',
        ownership: 'created',
        ownedSince: new Date(T0 + 30).toISOString(),
        cohortShareRate: 0,
        maxShareRate: 0.05,
        cohortObjects: 80,
        cohortPrincipals: 7, // the HyperLogLog estimate of the 8 doctors
      });
    });

    it('does not flag clinicians reading the same patients: being the first to open a chart makes no one its owner', () => {
      const charts: NormalizedEvent[] = [];
      doctors.forEach((d, i) => {
        for (let k = 0; k < 10; k++) charts.push(use(d, T0 + i * 100 + k, 'Patient', `tok_p${i}_${k}`));
      });
      charts.push(use(dr(1), LATER, 'Patient', 'tok_p0_0'), use(dr(2), LATER, 'Patient', 'tok_p3_4'));
      expect(run([...authored(), ...charts])).toEqual([]);
    });

    it('does not flag a clinician reading a colleague’s Observation in a cohort that learned to share them', () => {
      // Care teams: a colleague reads three of each doctor's Observations right after they are written.
      const team = doctors.flatMap((_, i) => [0, 1, 2].map((k) => use(dr((i + 1) % 8), T0 + i * 100 + k * 10 + 7, 'Observation', `tok_o${i}_${k}`)));
      const events = [...authored(), ...team].sort((a, b) => a.ts - b.ts);
      expect(run([...events, use(dr(1), LATER, 'Observation', 'tok_o0_7')])).toEqual([]);
    });

    it('never judges backend services (system/ scopes), which act for the organisation', () => {
      const services = Array.from({ length: 6 }, (_, i) => principal(`app:svc${i}`, 'etl', ['system/*.read', 'system/Observation.write']));
      const events = services.flatMap((s, i) => Array.from({ length: 10 }, (_, k) => write(s, T0 + i * 100 + k, `tok_s${i}_${k}`)));
      events.push(use(services[1] as Principal, LATER, 'Observation', 'tok_s0_0'));
      expect(run(events)).toEqual([]);
    });

    it('never flags a creation, even of an id a colleague created before, and the new author owns it', () => {
      const reused = [write(dr(1), LATER, 'tok_o0_3'), use(dr(1), LATER + 5, 'Observation', 'tok_o0_3'), use(dr(0), LATER + 9, 'Observation', 'tok_o0_3', { eventId: 'old-author' })];
      expect(run([...authored(), ...reused]).map((f) => [f.eventId, f.evidence.baseline])).toEqual([
        ['old-author', expect.objectContaining({ owner: 'user:dr1', ownership: 'created', ownedSince: new Date(LATER).toISOString() })],
      ]);
    });
  });

  it('learns that a cohort without SMART scopes shares objects (a custom staff API) and stays quiet', () => {
    const staff = Array.from({ length: 6 }, (_, i) => principal(`user:s${i}`, 'billing', []));
    const events: NormalizedEvent[] = [];
    for (let k = 0; k < 30; k++) {
      events.push(use(staff[k % 6] as Principal, T0 + k, 'claims', `tok_c${k}`, { route: '/api/claims/{id}' }));
      events.push(use(staff[(k + 2) % 6] as Principal, T0 + 2 * HOUR + k, 'claims', `tok_c${k}`, { route: '/api/claims/{id}' }));
    }
    events.push(use(staff[0] as Principal, T0 + 2 * HOUR, 'claims', 'tok_late', { route: '/api/claims/{id}' }));
    events.push(use(staff[3] as Principal, LATER, 'claims', 'tok_late', { route: '/api/claims/{id}' }));
    expect(run(events)).toEqual([]);
  });

  it('ignores refused requests and objects the accessor already used', () => {
    const refused = use(eve, LATER, 'DocumentReference', 'tok_d3_1', { status: 403 });
    const own = use(members[3] as Principal, LATER, 'DocumentReference', 'tok_d3_1');
    expect(run([...ownUse(), refused, own])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { encodeHll } from '../../libs/baseline/index.js';
import type { Finding, NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { jwtIdentity } from '../../libs/identity/claims.js';
import { createTokenizer } from '../../libs/privacy/index.js';
import { event, principal } from '../test-support/events.js';
import { createBflaDetector, DEFAULTS, type BflaConfig } from './index.js';
import { privilegeOf } from './privilege.js';

const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const cfg: BflaConfig = { learningSeconds: 600, learningEvents: 20, adoptionShare: 0.05, minAdopters: 3, maxAdopters: 10, cohortCap: 100, ownCreationSeconds: 3600 };
const PORTAL = ['patient/*.read', 'openid'];
const users = Array.from({ length: 6 }, (_, i) => principal(`user:u${i}`, 'mychart', PORTAL));
const attacker = principal('user:eve', 'mychart', PORTAL);

function run(events: NormalizedEvent[], c: BflaConfig = cfg): Finding[] {
  const d = createBflaDetector(c);
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}

/** 30 minutes of ordinary reads by the cohort, one request a minute, rotating through `who`. */
function learning(who: Principal[], extra: (i: number) => Partial<NormalizedEvent> = () => ({})): NormalizedEvent[] {
  return Array.from({ length: 30 }, (_, i) =>
    event({ ts: T0 + i * 60_000, principal: who[i % who.length], route: '/fhir/Observation', ...extra(i) }),
  );
}

const AFTER = T0 + 40 * 60_000;

describe('bfla', () => {
  it('judges static API keys by their consumer: another integration using the admin API excuses no partner', () => {
    const key = (id: string, consumer: string): Principal => ({ id, kind: 'apikey', app: consumer, scopes: [], authScheme: 'apikey' });
    const admin = key('key:fp_admin', 'identity-sync');
    const partners = [key('key:fp_p1', 'partner-1'), key('key:fp_p1b', 'partner-1')];
    const adminWork = Array.from({ length: 30 }, (_, i) => event({ ts: T0 + i * 60_000, principal: admin, method: 'POST', route: '/api/admin/users' }));
    const partnerWork = Array.from({ length: 30 }, (_, i) => event({ ts: T0 + i * 60_000 + 500, principal: partners[i % 2], route: '/v1/claims' }));
    const findings = run([...adminWork, ...partnerWork].sort((a, b) => a.ts - b.ts).concat(event({ ts: AFTER, eventId: 'p', principal: partners[0], method: 'POST', route: '/api/admin/users' })));
    expect(findings.map((f) => [f.eventId, f.evidence.pattern, (f.evidence.baseline as { cohort: string }).cohort])).toEqual([['p', 'privileged_use', 'partner-1|']]);
  });

  it('flags a cohort member calling an admin path its cohort never used, as use or probe by status', () => {
    const findings = run([
      ...learning(users),
      event({ ts: AFTER, eventId: 'x1', principal: attacker, method: 'GET', route: '/api/admin/users', status: 403 }),
      event({ ts: AFTER + 1000, eventId: 'x2', principal: attacker, method: 'POST', route: '/api/admin/users', status: 200 }),
    ]);
    expect(findings.map((f) => [f.eventId, f.evidence.pattern, f.severity, f.confidence, f.owasp])).toEqual([
      ['x1', 'privileged_probe', 'medium', 0.65, 'API5:2023'],
      ['x2', 'privileged_use', 'high', 0.85, 'API5:2023'],
    ]);
    expect(findings[0]?.summary).toBe(
      'user:eve probed the privileged function GET /api/admin/users (admin_path, answered 403), which its cohort of ~7 principals never used while learning',
    );
    expect(findings[1]?.evidence).toEqual({
      pattern: 'privileged_use',
      confidence: 0.85,
      reason: 'admin_path',
      observed: { method: 'POST', route: '/api/admin/users', status: 200, otherCohortUsers: 0 },
      baseline: { cohort: 'mychart|openid patient/*.read', cohortPrincipals: 7, cohortEvents: 32, usedWhileLearning: false, adoptionThreshold: 3 },
      window: `cohort observed since ${new Date(T0).toISOString()}`,
    });
  });

  it('reports a successful destructive operation ($purge, DELETE) as critical', () => {
    const findings = run([
      ...learning(users),
      event({ ts: AFTER, principal: attacker, method: 'POST', route: '/fhir/Patient/{id}/$purge', status: 200 }),
      event({ ts: AFTER + 1, principal: attacker, method: 'DELETE', route: '/fhir/Observation/{id}', status: 204 }),
    ]);
    expect(findings.map((f) => [f.severity, f.evidence.reason])).toEqual([
      ['critical', 'destructive_operation'],
      ['critical', 'delete'],
    ]);
  });

  it('does not call cancelling an appointment the principal booked itself privileged, but still flags deleting one it did not create', () => {
    const appt = (n: number) => ({ type: 'appointments', id: `tok_a${n}`, via: 'path' as const, created: false });
    const booked = event({ ts: AFTER, principal: attacker, method: 'POST', route: '/api/v1/appointments', status: 201, objects: [{ ...appt(1), via: 'location', created: true }] });
    const cancelOwn = event({ ts: AFTER + 60_000, principal: attacker, method: 'DELETE', route: '/api/v1/appointments/{id}', status: 204, objects: [appt(1)] });
    expect(run([...learning(users), booked, cancelOwn])).toEqual([]);
    // Someone else's booking, and one's own booking past the memory horizon (an hour in this config).
    const cancelOther = { ...cancelOwn, objects: [appt(2)] };
    const cancelLate = { ...cancelOwn, ts: AFTER + 3_601_000 };
    expect(run([...learning(users), booked, cancelOther]).map((f) => [f.principal, f.evidence.pattern, f.evidence.reason])).toEqual([['user:eve', 'privileged_use', 'delete']]);
    expect(run([...learning(users), booked, cancelLate]).map((f) => [f.principal, f.evidence.pattern, f.evidence.reason])).toEqual([['user:eve', 'privileged_use', 'delete']]);
  });

  it('by default remembers a booking as its own for 30 days: a cancellation days later is not privileged', () => {
    const appt = { type: 'appointments', id: 'tok_a1', via: 'path' as const, created: false };
    const booked = event({ ts: AFTER, principal: attacker, method: 'POST', route: '/api/v1/appointments', status: 201, objects: [{ ...appt, via: 'location', created: true }] });
    const cancel = (days: number) => event({ ts: AFTER + days * 86_400_000, principal: attacker, method: 'DELETE', route: '/api/v1/appointments/{id}', status: 204, objects: [appt] });
    const defaults = { ...cfg, ownCreationSeconds: DEFAULTS.ownCreationSeconds };
    expect(run([...learning(users), booked, cancel(1.4)], defaults)).toEqual([]);
    expect(run([...learning(users), booked, cancel(29)], defaults)).toEqual([]);
    expect(run([...learning(users), booked, cancel(31)], defaults).map((f) => f.evidence.reason)).toEqual(['delete']);
  });

  it('stays silent while the cohort is still learning (too young or too few events)', () => {
    const young = learning(users).slice(0, 5);
    expect(run([...young, event({ ts: T0 + 6 * 60_000, principal: attacker, method: 'DELETE', route: '/fhir/Observation/{id}' })])).toEqual([]);
    const slow = [0, 1, 2].map((i) => event({ ts: T0 + i * 600_000, principal: users[0] }));
    expect(run([...slow, event({ ts: T0 + 30 * 60_000, principal: attacker, method: 'DELETE', route: '/fhir/Observation/{id}' })])).toEqual([]);
  });

  it('stays silent for privileged functions the cohort used while learning (an admin app on /admin, clinicians updating records)', () => {
    const admins = [principal('user:a1', 'console', ['admin']), principal('user:a2', 'console', ['admin'])];
    const adminDay = learning(admins, (i) => (i % 3 === 0 ? { route: '/api/admin/users', method: 'GET' } : {}));
    const later = event({ ts: AFTER, principal: principal('user:a3', 'console', ['admin']), route: '/api/admin/users', method: 'GET' });
    expect(run([...adminDay, later])).toEqual([]);
    const clinicians = [principal('user:d1', 'ehr', ['user/*.*'])];
    const charting = learning(clinicians, (i) => (i % 5 === 0 ? { method: 'PUT', route: '/fhir/Observation/{id}' } : {}));
    expect(run([...charting, event({ ts: AFTER, principal: clinicians[0], method: 'PUT', route: '/fhir/Observation/{id}' })])).toEqual([]);
  });

  it('judges each cohort by its own habits: what clinicians do is still privileged for the patient app', () => {
    const clinician = principal('user:d1', 'ehr', ['user/*.*']);
    const mixed = [
      ...learning(users),
      ...learning([clinician], () => ({ method: 'DELETE', route: '/fhir/Appointment/{id}', status: 204 })),
      event({ ts: AFTER, principal: attacker, method: 'DELETE', route: '/fhir/Appointment/{id}', status: 204 }),
    ];
    expect(run(mixed).map((f) => f.principal)).toEqual(['user:eve']);
  });

  it('stops reporting a privileged function once enough of the cohort adopted it (a new feature)', () => {
    const rollout = users.map((u, i) => event({ ts: AFTER + i * 1000, eventId: `r${i}`, principal: u, method: 'DELETE', route: '/fhir/Appointment/{id}', status: 204 }));
    // Threshold max(3, 5% of 6) = 3 users: the first two are reported, the third adopts it.
    expect(run([...learning(users), ...rollout]).map((f) => f.eventId)).toEqual(['r0', 'r1']);
  });

  it('counts a function taken up by ten principals as adopted however large the cohort (no share of 20,000 users to wait for)', () => {
    const many = Array.from({ length: 400 }, (_, i) => principal(`user:m${i}`, 'mychart', PORTAL));
    // 400 principals: 5 % would be 20 adopters; the cap is 10.
    const rollout = many.slice(0, 15).map((u, i) => event({ ts: AFTER + i * 1000, eventId: `r${i}`, principal: u, method: 'DELETE', route: '/fhir/Appointment/{id}', status: 204 }));
    const seen = Array.from({ length: 400 }, (_, i) => event({ ts: T0 + i * 4500, principal: many[i], route: '/fhir/Observation' }));
    const found = run([...seen, ...rollout]);
    expect(found.map((f) => f.eventId)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']);
    expect(found[0]?.evidence).toMatchObject({ baseline: { adoptionThreshold: 10 } });
    // Without the cap the same rollout is still reported at its 15th user.
    expect(run([...seen, ...rollout], { ...cfg, maxAdopters: 1000 })).toHaveLength(15);
  });

  it('keeps what a cohort learned across a snapshot and restore', () => {
    const d = createBflaDetector(cfg);
    const before = d.createState();
    const admins = [principal('user:a1', 'console', ['admin'])];
    for (const e of learning(admins, (i) => (i % 3 === 0 ? { route: '/api/admin/users' } : {}))) d.detect(e, before);
    const rows = d.snapshot(before, 7);
    expect(rows.map((r) => [r.detector, r.scope, r.key, r.version, r.events])).toEqual([['bfla', 'cohort', 'console|admin', 7, 30]]);
    const after = d.createState();
    expect(d.restore(after, rows)).toBe(1);
    const a2 = principal('user:a2', 'console', ['admin']);
    expect(d.detect(event({ ts: AFTER, principal: a2, route: '/api/admin/users' }), after)).toEqual([]);
    expect(d.detect(event({ ts: AFTER, principal: a2, route: '/api/admin/keys' }), after).map((f) => f.evidence.reason)).toEqual(['admin_path']);
  });

  it('clearCapped empties each cohort’s privileged pairs and the remembered creations, and keeps the cohort’s principal count', () => {
    const d = createBflaDetector(cfg);
    const state = d.createState();
    const admins = [principal('user:a1', 'console', ['admin']), principal('user:a2', 'console', ['admin'])];
    for (const e of learning(admins, (i) => (i % 3 === 0 ? { route: '/api/admin/users' } : {}))) d.detect(e, state);
    d.detect(event({ ts: AFTER, method: 'POST', status: 201, principal: admins[0], route: '/fhir/Appointment', objects: [{ type: 'Appointment', id: 'tok_a1', via: 'location', created: true }] }), state);
    const cohort = state.cohorts.get('console|admin')?.profile;
    expect([...(cohort?.pairs.keys() ?? [])]).toEqual(['GET /api/admin/users']);
    expect(state.created.get('user:a1 Appointment/tok_a1')).toBe(AFTER);
    const principals = cohort && encodeHll(cohort.principals);
    d.clearCapped(state);
    expect(cohort?.pairs.size).toBe(0);
    expect(cohort?.routes.size).toBe(0);
    expect(state.created.get('user:a1 Appointment/tok_a1')).toBeUndefined();
    expect(cohort && encodeHll(cohort.principals)).toBe(principals);
    expect(state.cohorts.get('console|admin')?.events).toBe(31);
  });

  it("learns a role's functions: what only the app's principals with more scopes use is privileged for the rest", () => {
    // A practice-management SaaS: staff (`openid api`) and each clinic's administrators (`openid api
    // admin:clinic`) on one app. Only administrators list a clinic's users; everyone reads patients.
    const STAFF = ['openid', 'api'];
    const staff = Array.from({ length: 5 }, (_, i) => principal(`user:s${i}`, 'pc-web', STAFF));
    const admins = [principal('user:adm1', 'pc-web', [...STAFF, 'admin:clinic']), principal('user:adm2', 'pc-web', [...STAFF, 'admin:clinic'])];
    const work = [
      ...learning(staff, () => ({ route: '/api/v1/clinics/{id}/patients/{id}' })),
      ...learning(admins, (i) => ({ ts: T0 + i * 60_000 + 500, route: i % 2 === 0 ? '/api/v1/clinics/{id}/users' : '/api/v1/clinics/{id}/patients/{id}' })),
    ].sort((a, b) => a.ts - b.ts);
    const mallory = principal('user:mallory', 'pc-web', STAFF);
    const findings = run([
      ...work,
      event({ ts: AFTER, eventId: 'm1', principal: mallory, route: '/api/v1/clinics/{id}/users' }),
      // A route nobody with more scopes uses is ordinary: the cohort's own from now on.
      event({ ts: AFTER + 1000, eventId: 'm2', principal: mallory, route: '/api/v1/clinics/{id}/reports' }),
      // An administrator using a function staff never use is no escalation.
      event({ ts: AFTER + 2000, eventId: 'a1', principal: admins[0], route: '/api/v1/clinics/{id}/users' }),
      // Changing a role is privileged by its name.
      event({ ts: AFTER + 3000, eventId: 'm3', principal: mallory, method: 'PUT', route: '/api/v1/clinics/{id}/users/{id}/role' }),
    ]);
    expect(findings.map((f) => [f.eventId, f.evidence.reason, f.severity, f.evidence.usedBy])).toEqual([
      ['m1', 'role_path', 'high', { cohort: 'pc-web|admin:clinic api openid', extraScopes: ['admin:clinic'] }],
      ['m3', 'admin_path', 'high', undefined],
    ]);
    expect(findings[0]?.summary).toBe(
      'user:mallory used the privileged function GET /api/v1/clinics/{id}/users (role_path, answered 200), which its cohort of ~6 principals never used while learning and only principals with more scopes (admin:clinic) use',
    );
  });

  it('learns a role given in a role claim, not a scope: Keycloak administrators and staff with the same scopes', () => {
    // The IdP tells administrators apart by a realm role; every token carries `openid profile`.
    const tokenizer = createTokenizer(Buffer.alloc(32, 3));
    const keycloak = (sub: string, roles: string[]) =>
      principal(`user:${sub}`, 'pc-web', jwtIdentity({ sub, azp: 'pc-web', scope: 'openid profile', realm_access: { roles } }, tokenizer).scopes);
    const staff = Array.from({ length: 5 }, (_, i) => keycloak(`s${i}`, ['staff']));
    const admins = [keycloak('adm1', ['staff', 'clinic-admin']), keycloak('adm2', ['staff', 'clinic-admin'])];
    const work = [
      ...learning(staff, () => ({ route: '/api/v1/clinics/{id}/patients/{id}' })),
      ...learning(admins, (i) => ({ ts: T0 + i * 60_000 + 500, route: i % 2 === 0 ? '/api/v1/clinics/{id}/users' : '/api/v1/clinics/{id}/patients/{id}' })),
    ].sort((a, b) => a.ts - b.ts);
    const findings = run([...work, event({ ts: AFTER, eventId: 'm1', principal: keycloak('mallory', ['staff']), route: '/api/v1/clinics/{id}/users' })]);
    expect(findings.map((f) => [f.eventId, f.evidence.reason, f.evidence.usedBy])).toEqual([
      ['m1', 'role_path', { cohort: 'pc-web|openid profile role:clinic-admin role:staff', extraScopes: ['role:clinic-admin'] }],
    ]);
  });

  it('does not call a function privileged when principals with no more scopes use it too, or before the richer role has learned', () => {
    const STAFF = ['openid', 'api'];
    const staff = Array.from({ length: 5 }, (_, i) => principal(`user:s${i}`, 'pc-web', STAFF));
    const admins = [principal('user:adm1', 'pc-web', [...STAFF, 'admin:clinic'])];
    // Read-only viewers (fewer scopes than staff) export invoices too: it is no administrator's function.
    const viewers = [principal('user:v1', 'pc-web', ['openid'])];
    const route = '/api/v1/clinics/{id}/invoices/export';
    const work = [
      ...learning(staff, () => ({ route: '/api/v1/clinics/{id}/patients/{id}' })),
      ...learning(admins, (i) => ({ ts: T0 + i * 60_000 + 500, route })),
      ...learning(viewers, (i) => ({ ts: T0 + i * 60_000 + 700, route })),
    ].sort((a, b) => a.ts - b.ts);
    expect(run([...work, event({ ts: AFTER, principal: staff[0], route })])).toEqual([]);
    // Administrators seen for ten minutes only (still learning): nothing is known of their role yet.
    const young = learning(admins, () => ({ route: '/api/v1/clinics/{id}/users' })).slice(0, 10);
    expect(run([...learning(staff, () => ({ route: '/api/v1/clinics/{id}/patients/{id}' })), ...young].sort((a, b) => a.ts - b.ts).concat(event({ ts: AFTER, principal: staff[0], route: '/api/v1/clinics/{id}/users' })))).toEqual([]);
  });

  it('does not take consent choices for roles: scopes a patient declined, or SMART resource scopes, name no role', () => {
    const FULL = ['openid', 'fhirUser', 'launch/patient', 'offline_access', 'patient/*.read', 'patient/Immunization.read'];
    const full = Array.from({ length: 3 }, (_, i) => principal(`user:f${i}`, 'mychart', FULL));
    // Declined offline access and immunizations: a subset of the scopes, not a lesser role.
    const declined = Array.from({ length: 3 }, (_, i) => principal(`user:d${i}`, 'mychart', ['openid', 'fhirUser', 'launch/patient', 'patient/*.read']));
    const work = [
      ...learning(full, (i) => ({ route: i % 2 === 0 ? '/fhir/Immunization' : '/fhir/Observation' })),
      ...learning(declined, (i) => ({ ts: T0 + i * 60_000 + 500, route: '/fhir/Observation' })),
    ].sort((a, b) => a.ts - b.ts);
    expect(run([...work, event({ ts: AFTER, principal: declined[0], route: '/fhir/Immunization' })])).toEqual([]);
  });

  it('does not call ordinary reads, creates or custom-API profile updates privileged', () => {
    expect(privilegeOf('GET', '/fhir/Patient/{id}')).toBeUndefined();
    expect(privilegeOf('POST', '/fhir/Observation')).toBeUndefined();
    expect(privilegeOf('PUT', '/api/users/me')).toBeUndefined();
    expect(privilegeOf('GET', '/fhir/Patient/{id}/$everything')).toBeUndefined();
    expect(privilegeOf('PUT', '/fhir/Patient/{id}')).toBe('clinical_update');
    expect(privilegeOf('POST', '/fhir/Patient/$merge')).toBe('destructive_operation');
    expect(privilegeOf('GET', '/internal/metrics')).toBe('admin_path');
    expect(privilegeOf('DELETE', '/api/orders/{id}')).toBe('delete');
    expect(privilegeOf('PUT', '/api/v1/clinics/{id}/users/{id}/role')).toBe('admin_path');
    expect(privilegeOf('POST', '/api/accounts/{id}/permissions')).toBe('admin_path');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, Finding, Suppression } from '../../libs/contracts/index.js';
import { BASE_MS } from '../../libs/store/test-support/fixtures.js';
import { startHarness, type Harness } from './test-support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('suppressions');
});
afterAll(async () => {
  await h.close();
});

const finding = (principal: string, n: number): Finding => ({
  detector: 'bola/enumeration',
  owasp: 'API1:2023',
  severity: 'high',
  principal,
  route: '/fhir/Patient/{id}',
  ts: BASE_MS + n * 1000,
  eventId: `ev-${principal}-${n}`,
  sourceIp: '10.0.0.9',
  summary: `${principal} read many patients`,
  evidence: { pattern: 'distinct_ids' },
  confidence: 0.7,
});

async function alertsOf(principal: string): Promise<Alert[]> {
  await h.alerts.flush();
  return (await h.store.listAlerts({ principal, limit: 100 })).alerts;
}

describe('suppressions API', () => {
  it('lets analysts create a rule, not viewers, and rejects a rule that matches everything', async () => {
    expect((await h.call('/v1/suppressions', { as: 'viewer', method: 'POST', json: { principal: 'user:pentest', reason: 'x' } })).status).toBe(403);
    const empty = await h.call('/v1/suppressions', { as: 'analyst', method: 'POST', json: { reason: 'everything' } });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toContain('give at least one of principal, route, detector');
  });

  it('silences findings of a suppressed principal until the rule is deleted', async () => {
    const res = await h.call('/v1/suppressions', { as: 'analyst', method: 'POST', json: { principal: 'user:pentest', reason: 'scheduled pen test' } });
    expect(res.status).toBe(201);
    const rule = (await res.json()) as Suppression;
    expect(rule).toMatchObject({ principal: 'user:pentest', reason: 'scheduled pen test', source: 'rule' });
    expect(rule.id).toMatch(/^sup_[0-9a-f]{16}$/);
    const listed = (await (await h.call('/v1/suppressions', { as: 'analyst' })).json()) as { suppressions: Suppression[] };
    expect(listed.suppressions.map((s) => s.id)).toEqual([rule.id]);

    h.alerts.onFindings([finding('user:pentest', 1), finding('user:pentest', 2)]);
    expect(await alertsOf('user:pentest')).toEqual([]);

    expect((await h.call(`/v1/suppressions/${rule.id}`, { as: 'analyst', method: 'DELETE' })).status).toBe(204);
    expect((await h.call(`/v1/suppressions/${rule.id}`, { as: 'analyst', method: 'DELETE' })).status).toBe(404);
    h.alerts.onFindings([finding('user:pentest', 3)]);
    const after = await alertsOf('user:pentest');
    expect(after.map((a) => [a.count, a.confidence])).toEqual([[1, 0.7]]);
  });

  it('turns a false_positive verdict into a rule that keeps near-duplicates quiet', async () => {
    h.alerts.onFindings([finding('user:nurse', 1), finding('user:nurse', 2)]);
    const [alert] = await alertsOf('user:nurse');
    expect(alert?.count).toBe(2);
    const patched = await h.call(`/v1/alerts/${alert?.id ?? ''}`, { as: 'analyst', method: 'PATCH', json: { status: 'false_positive', note: 'ward round' } });
    expect(patched.status).toBe(200);
    const rules = ((await (await h.call('/v1/suppressions', { as: 'analyst' })).json()) as { suppressions: Suppression[] }).suppressions;
    const fp = rules.find((r) => r.source === 'false_positive');
    expect(fp).toMatchObject({
      principal: 'user:nurse',
      detector: 'bola/enumeration',
      route: '/fhir/Patient/{id}',
      reason: 'ward round',
      expiresAt: new Date(BASE_MS + 2000 + 30 * 86_400_000).toISOString(),
    });
    h.alerts.onFindings([finding('user:nurse', 10)]);
    const still = await alertsOf('user:nurse');
    expect(still.map((a) => [a.id, a.status, a.count])).toEqual([[alert?.id, 'false_positive', 2]]);
  });
});

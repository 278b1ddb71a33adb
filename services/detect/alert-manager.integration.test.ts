import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../libs/contracts/index.js';
import { createStore } from '../../libs/store/index.js';
import type { Store } from '../../libs/store/types.js';
import { BASE_MS, removeDataDir, silentLogger, storeConfig, tempDataDir } from '../../libs/store/test-support/fixtures.js';
import { createAlertManager } from './alert-manager.js';

let dir = '';
let store: Store;
beforeAll(async () => {
  dir = await tempDataDir('alert-manager');
  store = await createStore(storeConfig(dir, 'alert_manager'), { logger: silentLogger });
  await store.migrate();
});
afterAll(async () => {
  await store.close();
  await removeDataDir(dir);
});

const at = (s: number) => BASE_MS + s * 1000;
function finding(principal: string, s: number, over: Partial<Finding> = {}): Finding {
  return {
    detector: 'bola/enumeration',
    owasp: 'API1:2023',
    severity: 'medium',
    principal,
    route: '/fhir/Patient/{id}',
    ts: at(s),
    eventId: `${principal}-${s}`,
    sourceIp: '10.0.0.1',
    summary: `finding ${s}`,
    evidence: { pattern: 'distinct_ids', distinctIds: s },
    ...over,
  };
}
const manager = () => createAlertManager({ store, logger: silentLogger, now: () => new Date('2026-11-29T12:00:00.000Z') });

describe('alert manager', () => {
  it('aggregates repeats of one principal + detector + route into one alert', async () => {
    const m = manager();
    await m.load();
    m.onFindings([
      finding('user:a', 1),
      finding('user:a', 2, { sourceIp: '10.0.0.2', severity: 'high', confidence: 0.9 }),
      finding('user:a', 3, { evidence: { pattern: 'sequential_walk' } }),
      finding('user:a', 4, { route: '/fhir/Observation' }),
    ]);
    await m.flush();
    const { alerts } = await store.listAlerts({ principal: 'user:a', limit: 10 });
    expect(alerts.map((a) => [a.route, a.count])).toEqual([
      ['/fhir/Observation', 1],
      ['/fhir/Patient/{id}', 3],
    ]);
    const a = alerts[1];
    expect(a).toMatchObject({
      severity: 'high',
      confidence: 0.9,
      sourceIps: ['10.0.0.1', '10.0.0.2'],
      firstSeen: new Date(at(1)).toISOString(),
      lastSeen: new Date(at(3)).toISOString(),
      summary: 'finding 3',
      evidence: { pattern: 'sequential_walk', patterns: { distinct_ids: 2, sequential_walk: 1 } },
      sampleEventIds: ['user:a-1', 'user:a-2', 'user:a-3'],
      version: 3,
      status: 'open',
    });
  });

  it('keeps the first five and the latest five sample events', async () => {
    const m = manager();
    await m.load();
    m.onFindings(Array.from({ length: 14 }, (_, i) => finding('user:s', i + 1)));
    await m.flush();
    const [a] = (await store.listAlerts({ principal: 'user:s', limit: 10 })).alerts;
    expect(a?.sampleEventIds).toEqual([1, 2, 3, 4, 5, 10, 11, 12, 13, 14].map((n) => `user:s-${n}`));
    expect(a?.count).toBe(14);
  });

  it('does not count findings again when the same input is replayed after a restart', async () => {
    const first = manager();
    await first.load();
    first.onFindings([finding('user:r', 1), finding('user:r', 2)]);
    await first.flush();
    const second = manager();
    await second.load();
    second.onFindings([finding('user:r', 1), finding('user:r', 2), finding('user:r', 3)]);
    await second.flush();
    const [a] = (await store.listAlerts({ principal: 'user:r', limit: 10 })).alerts;
    expect([a?.count, a?.lastSeen, a?.version]).toEqual([3, new Date(at(3)).toISOString(), 3]);
    expect(second.stats()).toMatchObject({ created: 0, updated: 1 });
  });

  it('opens a new alert after the previous one was resolved', async () => {
    const m = manager();
    await m.load();
    m.onFindings([finding('user:z', 1)]);
    await m.flush();
    const [old] = (await store.listAlerts({ principal: 'user:z', limit: 10 })).alerts;
    const resolved = await m.patch(old?.id ?? '', { status: 'resolved', note: 'talked to them' });
    expect(resolved).toMatchObject({ status: 'resolved', note: 'talked to them', version: 2 });
    m.onFindings([finding('user:z', 50)]);
    await m.flush();
    const now = (await store.listAlerts({ principal: 'user:z', limit: 10 })).alerts;
    expect(now.map((a) => [a.status, a.count, a.firstSeen])).toEqual([
      ['open', 1, new Date(at(50)).toISOString()],
      ['resolved', 1, new Date(at(1)).toISOString()],
    ]);
    expect(await m.patch('alr_does_not_exist', { status: 'resolved' })).toBeUndefined();
  });
});

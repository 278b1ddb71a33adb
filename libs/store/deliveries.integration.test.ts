import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationWithSecrets } from '../contracts/index.js';
import { deliveryId } from './deliveries.js';
import { createStore } from './index.js';
import { makeAlert, removeDataDir, silentLogger, storeConfig, tempDataDir } from './test-support/fixtures.js';
import type { Store } from './types.js';

let store: Store;
let dataDir: string;

const T0 = '2026-11-29T08:00:00.000Z';
const at = (s: number): string => new Date(Date.parse(T0) + s * 1000).toISOString();

const dest = (id: string, over: Partial<DestinationWithSecrets> = {}): DestinationWithSecrets => ({
  id,
  name: `siem ${id}`,
  type: 'webhook',
  url: 'https://siem.example.org/hook',
  secret: 'a-secret-of-sixteen-plus',
  allowPrivateNetwork: false,
  hasSecret: true,
  hasToken: false,
  source: 'api',
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

beforeAll(async () => {
  dataDir = await tempDataDir('deliveries');
  store = await createStore(storeConfig(dataDir, 'deliveries_test'), { logger: silentLogger });
});

afterAll(async () => {
  await store.close();
  await removeDataDir(dataDir);
});

describe('destinations table', () => {
  it('round-trips a destination with its secrets, filters and absent fields', async () => {
    await store.putDestination(dest('d1', { minSeverity: 'high', detectors: ['bfla'] }));
    await store.putDestination(dest('d2', { type: 'splunk-hec', secret: undefined, token: 'hec-token', hasSecret: false, hasToken: true, createdAt: at(1), updatedAt: at(1) }));
    expect(await store.getDestination('d1')).toEqual(dest('d1', { minSeverity: 'high', detectors: ['bfla'] }));
    const d2 = await store.getDestination('d2');
    expect(d2).toEqual({ ...dest('d2', { type: 'splunk-hec', token: 'hec-token', hasSecret: false, hasToken: true, createdAt: at(1), updatedAt: at(1) }), secret: undefined });
    expect(d2 && 'secret' in d2).toBe(false);
    expect((await store.listDestinations()).map((d) => d.id)).toEqual(['d1', 'd2']);
  });

  it('keeps the newest version, deletes, and lets a deleted id be created again', async () => {
    await store.putDestination(dest('d3', { name: 'old' }));
    await store.putDestination(dest('d3', { name: 'new', updatedAt: at(5) }));
    expect((await store.getDestination('d3'))?.name).toBe('new');
    expect(await store.deleteDestination('d3')).toBe(true);
    expect(await store.deleteDestination('d3')).toBe(false);
    expect(await store.getDestination('d3')).toBeUndefined();
    await store.putDestination(dest('d3', { name: 'again' }));
    expect((await store.getDestination('d3'))?.name).toBe('again');
  });
});

describe('deliveries outbox', () => {
  const a = makeAlert('alr_a', { version: 1, updatedAt: at(10) });
  const a2 = makeAlert('alr_a', { version: 2, count: 10, updatedAt: at(20) });
  const b = makeAlert('alr_b', { version: 3, severity: 'critical', updatedAt: at(30) });

  it('writes one pending row per alert version and destination, and enqueueing again changes nothing', async () => {
    expect(await store.enqueueDeliveries([{ destinationId: 'd1', alert: a }, { destinationId: 'd1', alert: a2 }, { destinationId: 'd2', alert: b }], at(40))).toBe(3);
    expect(await store.enqueueDeliveries([{ destinationId: 'd1', alert: a }, { destinationId: 'd1', alert: a2 }], at(50))).toBe(0);
    const row = await store.getDelivery(deliveryId('d1', 'alr_a', 1));
    expect(row).toEqual({
      id: deliveryId('d1', 'alr_a', 1),
      rev: 1,
      destinationId: 'd1',
      alertId: 'alr_a',
      alertVersion: 1,
      idempotencyKey: 'alr_a:1',
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at(40),
      createdAt: at(40),
      updatedAt: at(40),
      alert: a,
    });
  });

  it('offers only the lowest pending version of an alert per destination, and holds later ones behind one in flight', async () => {
    const due = await store.dueDeliveries({ now: at(40), limit: 10, exclude: [] });
    expect(due.map((d) => d.idempotencyKey).sort()).toEqual(['alr_a:1', 'alr_b:3']);
    expect((await store.dueDeliveries({ now: at(39), limit: 10, exclude: [] })).length).toBe(0);
    const held = await store.dueDeliveries({ now: at(40), limit: 10, exclude: [deliveryId('d1', 'alr_a', 1)] });
    expect(held.map((d) => d.idempotencyKey)).toEqual(['alr_b:3']);
  });

  it('moves to the next version once the first is delivered, and lists by status, destination and alert', async () => {
    const first = await store.getDelivery(deliveryId('d1', 'alr_a', 1));
    if (!first) throw new Error('missing');
    await store.saveDelivery({ ...first, rev: 2, status: 'delivered', attempts: 1, lastStatus: 200, updatedAt: at(41), nextAttemptAt: undefined });
    const due = await store.dueDeliveries({ now: at(41), limit: 10, exclude: [] });
    expect(due.map((d) => d.idempotencyKey).sort()).toEqual(['alr_a:2', 'alr_b:3']);
    expect((await store.listDeliveries({ status: 'delivered', limit: 10 })).map((d) => [d.idempotencyKey, d.attempts, d.lastStatus, d.nextAttemptAt])).toEqual([['alr_a:1', 1, 200, undefined]]);
    expect((await store.listDeliveries({ status: 'pending', destinationId: 'd2', limit: 10 })).map((d) => d.idempotencyKey)).toEqual(['alr_b:3']);
    expect((await store.listDeliveries({ alertId: 'alr_a', limit: 10 })).map((d) => d.idempotencyKey)).toEqual(['alr_a:1', 'alr_a:2']);
    const listed = await store.listDeliveries({ limit: 1 });
    expect(Object.keys(listed[0] ?? {}).sort()).toEqual(['alertId', 'alertVersion', 'attempts', 'createdAt', 'destinationId', 'id', 'idempotencyKey', 'lastStatus', 'status', 'updatedAt']);
  });

  it('answers what was last enqueued per destination and alert, the watermarks and pending stats', async () => {
    const last = await store.lastEnqueued(['alr_a', 'alr_b', 'alr_none']);
    expect([...last.entries()].sort()).toEqual([
      ['d1\u0000alr_a', { version: 2, severity: 'high', status: 'open', count: 10 }],
      ['d2\u0000alr_b', { version: 3, severity: 'critical', status: 'open', count: 1 }],
    ]);
    expect([...(await store.deliveryWatermarks()).entries()].sort()).toEqual([
      ['d1', at(20)],
      ['d2', at(30)],
    ]);
    expect(await store.pendingStats()).toEqual([
      { destinationId: 'd1', pending: 1, oldestCreatedAt: at(40) },
      { destinationId: 'd2', pending: 1, oldestCreatedAt: at(40) },
    ]);
  });

  it('reads the latest alert versions changed since a time', async () => {
    await store.upsertAlerts([makeAlert('alr_x', { updatedAt: at(100) }), makeAlert('alr_y', { updatedAt: at(200) }), makeAlert('alr_y', { version: 2, updatedAt: at(300) })]);
    expect((await store.alertsUpdatedSince(at(150))).map((x) => [x.id, x.version])).toEqual([['alr_y', 2]]);
  });
});

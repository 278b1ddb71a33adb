import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryEntry } from '../contracts/inventory.js';
import { VigilError } from '../errors/index.js';
import { createStore } from './index.js';
import type { InventoryRouteRow } from './inventory.js';
import { removeDataDir, silentLogger, storeConfig, tempDataDir } from './test-support/fixtures.js';
import type { Store } from './types.js';

const DAY = 86_400_000;
const T = Date.UTC(2026, 2, 1);
let dir: string;
let store: Store;

function row(id: string, over: Partial<InventoryRouteRow> & { lastSeen: number }): InventoryRouteRow {
  const entry: InventoryEntry = {
    id, service: 'svc', template: `/${id}`, methods: ['GET'], shadow: over.shadow ?? false, zombie: over.zombie ?? false, unauthenticated: false, returnsPhi: false,
    zombieReasons: over.zombie ? ['deprecated'] : [], specKnown: true, declared: null, undeclaredMethods: [], undocumentedParams: [], queryParams: [],
    observedTemplates: [`/${id}`], requests: over.requests ?? 1, principals: { count: 1, exact: true }, apps: { count: 0, exact: true }, authSchemes: {},
    statusMix: {}, statuses: {}, cohorts: [], firstSeen: new Date(T).toISOString(), lastSeen: new Date(over.lastSeen).toISOString(),
  };
  return { id, service: 'svc', template: `/${id}`, version: 1, requests: 1, firstSeen: T, shadow: false, zombie: false, unauthenticated: false, returnsPhi: false, entry, state: '{}', ...over };
}

beforeAll(async () => {
  dir = await tempDataDir('inventory');
  store = await createStore(storeConfig(dir, 'inventory_store'), { logger: silentLogger });
});

afterAll(async () => {
  await store.close();
  await removeDataDir(dir);
});

describe('inventory store', () => {
  it('keeps the newest version of each route and judges staleness against the newest traffic', async () => {
    await store.upsertInventoryRoutes([
      row('a', { lastSeen: T, requests: 5 }),
      row('b', { lastSeen: T + 40 * DAY, requests: 9 }),
      row('c', { lastSeen: T + 40 * DAY, requests: 2, zombie: true }),
    ]);
    await store.upsertInventoryRoutes([row('b', { lastSeen: T + 40 * DAY, requests: 10, version: 2, shadow: true })]);
    const all = await store.listInventory({ limit: 10 }, { staleDays: 30 });
    expect(all.routes.map((r) => [r.id, r.requests, r.zombie, r.zombieReasons])).toEqual([
      ['b', 10, false, []],
      ['a', 5, true, ['stale']],
      ['c', 2, true, ['deprecated']],
    ]);
    const zombies = await store.listInventory({ limit: 10, zombie: true }, { staleDays: 30 });
    expect(zombies.routes.map((r) => r.id)).toEqual(['a', 'c']);
    expect((await store.listInventory({ limit: 10, zombie: false }, { staleDays: 30 })).routes.map((r) => r.id)).toEqual(['b']);
    expect((await store.listInventory({ limit: 10, shadow: true }, { staleDays: 30 })).routes.map((r) => r.id)).toEqual(['b']);
    expect((await store.listInventory({ limit: 10, service: 'other' }, { staleDays: 30 })).routes).toEqual([]);
    expect((await store.loadInventoryStates()).map((s) => s.version)).toEqual([1, 2, 1]);
  });

  it('pages busiest first with a cursor and refuses a cursor it did not issue', async () => {
    const first = await store.listInventory({ limit: 2 }, { staleDays: 30 });
    expect(first.routes.map((r) => r.id)).toEqual(['b', 'a']);
    const second = await store.listInventory({ limit: 2, ...(first.nextCursor ? { cursor: first.nextCursor } : {}) }, { staleDays: 30 });
    expect([second.routes.map((r) => r.id), second.nextCursor]).toEqual([['c'], undefined]);
    await expect(store.listInventory({ limit: 2, cursor: 'garbage' }, { staleDays: 30 })).rejects.toThrow(VigilError);
  });

  it('stores, lists and retires specs per service', async () => {
    const summary = { service: 'svc', kind: 'openapi' as const, title: 'T', version: '1', operations: 3, deprecatedOperations: 1, origin: 'api' as const, updatedAt: new Date(T).toISOString() };
    await store.putSpec({ summary, body: 'openapi: 3.1.0' });
    await store.putSpec({ summary: { ...summary, title: 'T2' }, body: 'openapi: 3.1.1' });
    expect((await store.listSpecs()).map((s) => [s.summary.title, s.body])).toEqual([['T2', 'openapi: 3.1.1']]);
    expect(await store.deleteSpec('svc', new Date(T + 1).toISOString())).toBe(true);
    expect(await store.deleteSpec('svc', new Date(T + 2).toISOString())).toBe(false);
    expect(await store.listSpecs()).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, AlertFilter } from '../contracts/index.js';
import { createStore } from './index.js';
import { makeAlert, removeDataDir, silentLogger, storeConfig, tempDataDir } from './test-support/fixtures.js';
import type { Store } from './types.js';

let store: Store;
let dataDir: string;

const at = (minute: number): string => `2026-03-01T10:0${minute}:00.000Z`;

// a4 and a5 share last_seen, so the page boundary between them exercises the (last_seen, id) tie.
const alerts: Alert[] = [
  makeAlert('a1', { lastSeen: at(1), severity: 'low' }),
  makeAlert('a2', { lastSeen: at(2), severity: 'critical', detector: 'bfla.admin_route', principal: 'user:bob' }),
  makeAlert('a3', { lastSeen: at(3) }),
  makeAlert('a4', { lastSeen: at(4), status: 'acknowledged' }),
  makeAlert('a5', { lastSeen: at(4) }),
  makeAlert('a6', { lastSeen: at(6), status: 'false_positive' }),
  makeAlert('a7', { lastSeen: at(7), app: 'app:portal', note: 'checking with the clinic', count: 12 }),
];
const a3v2 = makeAlert('a3', { lastSeen: at(3), status: 'acknowledged', note: 'looking', version: 2 });
const a3v3 = makeAlert('a3', { lastSeen: at(3), status: 'resolved', note: 'fixed', version: 3, count: 4 });

beforeAll(async () => {
  dataDir = await tempDataDir('alerts');
  store = await createStore(storeConfig(dataDir, 'alerts_test'), { logger: silentLogger });
  await store.upsertAlerts(alerts);
  // Versions arrive out of order, in separate inserts: the highest must win regardless.
  await store.upsertAlerts([a3v3]);
  await store.upsertAlerts([a3v2]);
});

afterAll(async () => {
  await store.close();
  await removeDataDir(dataDir);
});

const ids = async (filter: Partial<AlertFilter>): Promise<string[]> =>
  (await store.listAlerts({ limit: 100, ...filter })).alerts.map((a) => a.id);

describe('alerts', () => {
  it('keep the highest version of an alert', async () => {
    expect(await store.getAlert('a3')).toEqual(a3v3);
  });

  it('round-trip every field, and leave absent optional fields absent', async () => {
    expect(await store.getAlert('a7')).toEqual(alerts[6]);
    const a1 = await store.getAlert('a1');
    expect(a1).toEqual(alerts[0]);
    expect(a1 && 'app' in a1).toBe(false);
    expect(a1 && 'note' in a1).toBe(false);
    expect(await store.getAlert('nope')).toBeUndefined();
  });

  it('page through all alerts newest first with an opaque cursor: 3, 3, 1', async () => {
    const p1 = await store.listAlerts({ limit: 3 });
    expect(p1.alerts.map((a) => a.id)).toEqual(['a7', 'a6', 'a5']);
    expect(p1.nextCursor).toBeDefined();
    const p2 = await store.listAlerts({ limit: 3, cursor: p1.nextCursor });
    expect(p2.alerts.map((a) => a.id)).toEqual(['a4', 'a3', 'a2']);
    const p3 = await store.listAlerts({ limit: 3, cursor: p2.nextCursor });
    expect(p3.alerts.map((a) => a.id)).toEqual(['a1']);
    expect(p3.nextCursor).toBeUndefined();
  });

  it('give no cursor when the page is exactly the last rows', async () => {
    const page = await store.listAlerts({ limit: 7 });
    expect(page.alerts).toHaveLength(7);
    expect(page.nextCursor).toBeUndefined();
  });

  it('filter on the newest version only: an alert once open but now resolved is not open', async () => {
    expect(await ids({ status: 'open' })).toEqual(['a7', 'a5', 'a2', 'a1']);
    expect(await ids({ status: 'resolved' })).toEqual(['a3']);
    expect(await ids({ status: 'acknowledged' })).toEqual(['a4']);
  });

  it('filter by severity, detector and principal', async () => {
    expect(await ids({ severity: 'critical' })).toEqual(['a2']);
    expect(await ids({ detector: 'bfla.admin_route' })).toEqual(['a2']);
    expect(await ids({ principal: 'user:bob' })).toEqual(['a2']);
    expect(await ids({ principal: 'user:alice', severity: 'low' })).toEqual(['a1']);
  });

  it('filter last_seen on a half-open window, since inclusive and until exclusive, any offset', async () => {
    expect(await ids({ since: at(4) })).toEqual(['a7', 'a6', 'a5', 'a4']);
    expect(await ids({ until: at(4) })).toEqual(['a3', 'a2', 'a1']);
    expect(await ids({ since: '2026-03-01T11:03:00+01:00', until: at(6) })).toEqual(['a5', 'a4', 'a3']);
  });

  it('paginate within a filter', async () => {
    const p1 = await store.listAlerts({ status: 'open', limit: 2 });
    expect(p1.alerts.map((a) => a.id)).toEqual(['a7', 'a5']);
    const p2 = await store.listAlerts({ status: 'open', limit: 2, cursor: p1.nextCursor });
    expect(p2.alerts.map((a) => a.id)).toEqual(['a2', 'a1']);
    expect(p2.nextCursor).toBeUndefined();
  });

  it('reject a tampered cursor as a bad request', async () => {
    await expect(store.listAlerts({ limit: 3, cursor: 'bm90IGEgY3Vyc29y' })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('load open and acknowledged alerts for the alert manager, oldest first', async () => {
    expect((await store.loadActiveAlerts()).map((a) => a.id)).toEqual(['a1', 'a2', 'a4', 'a5', 'a7']);
  });
});

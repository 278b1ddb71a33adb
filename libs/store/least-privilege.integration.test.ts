import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyRecord, AuditRecord, Suppression } from '../contracts/index.js';
import { openDbReader, type DbReaderHandle } from './db-reader.js';
import { openDb, type Db } from './db.js';
import { assembleStore, createStore, type StoreOperations } from './index.js';
import { applyMigrations, loadMigrations, migrationsDir } from './migrate.js';
import { BASE_MS, failureOf, makeAlert, makeEvent, removeDataDir, silentLogger, storeConfig, tempDataDir } from './test-support/fixtures.js';
import { testEngine } from './test-support/engine.js';

let dataDir: string;
let writer: Db;
let reader: DbReaderHandle;
/** The real wiring of createStore, with the real writer. */
let full: StoreOperations;
/** The same wiring with a writer that throws on any use: what works here never touched the writer. */
let readOnly: StoreOperations;
const writerUses: string[] = [];

const key: ApiKeyRecord = { id: 'key_lp', prefix: 'vgl_lp01', hash: 'c'.repeat(64), role: 'viewer', createdAt: '2026-03-01T09:00:00.000Z' };
const unusedKey: ApiKeyRecord = { id: 'key_lq', prefix: 'vgl_lq01', hash: 'd'.repeat(64), role: 'analyst', createdAt: '2026-03-01T09:10:00.000Z' };
const audit: AuditRecord = {
  time: '2026-03-01T10:00:00.000Z',
  requestId: 'req-1',
  action: 'request',
  actor: 'key_lp',
  role: 'viewer',
  authMethod: 'api_key',
  method: 'GET',
  route: '/v1/alerts',
  params: {},
  query: {},
  status: 200,
  outcome: 'success',
  sourceIp: '10.0.0.9',
  target: '',
  detail: '',
};
const rule: Suppression = { id: 'sup_lp', principal: 'user:bob', reason: 'load test', source: 'rule', createdAt: '2026-03-01T09:00:00.000Z' };

/** ClickHouse's error code and name, wherever the client put them in the cause chain. */
function clickhouseError(err: unknown): { code: string; type: string } | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const { code, type } = e as Error & { code?: unknown; type?: unknown };
    if (typeof code === 'string' && typeof type === 'string') return { code, type };
  }
  return undefined;
}

beforeAll(async () => {
  dataDir = await tempDataDir('least-privilege');
  const cfg = storeConfig(dataDir, 'lp_test');
  writer = await openDb(cfg, silentLogger);
  await applyMigrations(writer, await loadMigrations(migrationsDir(), { retentionDays: 30 }), silentLogger);
  reader = await openDbReader(cfg, silentLogger);
  full = assembleStore(writer, reader);
  const poisoned = new Proxy({} as Db, {
    get(_target, prop) {
      writerUses.push(String(prop));
      throw new Error(`writer used: ${String(prop)}`);
    },
  });
  readOnly = assembleStore(poisoned, reader);

  await full.insertEvents([makeEvent(1), makeEvent(2, { status: 404 }), makeEvent(3, { principal: { ...makeEvent(3).principal, id: 'user:bob' } })]);
  await full.upsertAlerts([makeAlert('al_1'), makeAlert('al_2', { status: 'resolved', lastSeen: '2026-03-01T11:00:00.000Z' })]);
  await full.insertDeadLetters([{ source: 'file:x.log', position: '1', format: 'auto', reason: 'not json', raw: '{', receivedAt: BASE_MS }]);
  await full.createApiKey(key);
  await full.createApiKey(unusedKey);
  await full.recordApiKeyUse([{ id: 'key_lp', at: '2026-03-02T08:00:00.000Z' }]);
  await full.insertAuditRecords([audit]);
  await full.upsertSuppression(rule);
});

afterAll(async () => {
  await reader?.close();
  await writer?.close();
  await removeDataDir(dataDir);
});

describe('the read-only connection', () => {
  it('runs with readonly = 1 and offers no insert or command', async () => {
    expect(await reader.query("SELECT getSetting('readonly') AS ro")).toEqual([{ ro: 1 }]);
    expect(Object.keys(reader).sort()).toEqual(['close', 'database', 'mode', 'ping', 'query', 'user']);
    // Embedded chDB has no users; on a server the reader logs in as CLICKHOUSE_USER (no read user set).
    expect(reader.user).toBe(testEngine() === 'server' ? 'default' : 'embedded');
  });

  it.each([
    ['INSERT', "INSERT INTO {db}.alerts (id, version, detector, owasp, severity, principal, route, status, summary, evidence, confidence, updated_at) VALUES ('x', 9, 'd', 'API1:2023', 'low', 'p', '/r', 'open', 's', '{}', 0.1, now64(3))"],
    ['ALTER', "ALTER TABLE {db}.alerts DELETE WHERE id = 'al_1'"],
    ['DROP', 'DROP TABLE {db}.alerts'],
    ['TRUNCATE', 'TRUNCATE TABLE {db}.audit_log'],
    ['CREATE', 'CREATE TABLE {db}.intruder (a UInt8) ENGINE = Memory'],
    ['a SETTINGS clause lifting readonly', "INSERT INTO {db}.suppressions SETTINGS readonly = 0 SELECT * FROM {db}.suppressions"],
    ['a SELECT that tries to lift readonly', 'SELECT count() FROM {db}.alerts SETTINGS readonly = 0'],
  ])('refuses %s with ClickHouse error 164 READONLY', async (_what, sql) => {
    const err = await failureOf(reader.query(sql));
    expect(clickhouseError(err)).toEqual({ code: '164', type: 'READONLY' });
    expect((err as { code?: unknown }).code).toBe('store_failed');
  });

  it('left the data and the writer untouched after the refused writes', async () => {
    expect(await reader.query("SELECT getSetting('readonly') AS ro")).toEqual([{ ro: 1 }]);
    expect((await full.listAlerts({ limit: 10 })).alerts.map((a) => a.id)).toEqual(['al_2', 'al_1']);
    expect((await full.listAuditRecords({ limit: 10 })).records).toEqual([audit]);
    // The writer's own session never became read-only: chDB keeps settings per connection.
    await full.upsertAlerts([makeAlert('al_3', { lastSeen: '2026-03-01T12:00:00.000Z' })]);
    expect((await full.getAlert('al_3'))?.id).toBe('al_3');
  });
});

describe('read methods of the store', () => {
  it('serve alerts, events, principals, objects and dead letters without touching the writer', async () => {
    expect((await readOnly.getAlert('al_1'))?.status).toBe('open');
    expect((await readOnly.listAlerts({ status: 'resolved', limit: 10 })).alerts.map((a) => a.id)).toEqual(['al_2']);
    expect((await readOnly.loadActiveAlerts()).map((a) => a.id)).toEqual(['al_1', 'al_3']);
    expect(await readOnly.countEvents()).toBe(3);
    expect((await readOnly.getEvents(['ev-0002'])).map((e) => [e.eventId, e.status])).toEqual([['ev-0002', 404]]);
    const alice = await readOnly.principalSummary('user:alice', { recent: 5 });
    expect([alice?.events, alice?.statusMix]).toEqual([2, { '2xx': 1, '4xx': 1 }]);
    const access = await readOnly.objectAccess('Patient', ['tok_2'], { limit: 10 });
    expect(access.principals.map((p) => [p.principal, p.events, p.failures])).toEqual([['user:alice', 1, 1]]);
    expect(await readOnly.deadLetterCount()).toBe(1);
    expect(writerUses).toEqual([]);
  });

  it('serve keys (with last use), the audit log and suppressions without touching the writer', async () => {
    expect(await readOnly.findApiKeyByHash('c'.repeat(64))).toEqual(key);
    expect(await readOnly.listApiKeys()).toEqual([{ ...key, lastUsedAt: '2026-03-02T08:00:00.000Z' }, unusedKey]);
    expect(await readOnly.listAuditRecords({ actor: 'key_lp', limit: 10 })).toEqual({ records: [audit] });
    expect(await readOnly.listSuppressions()).toEqual([rule]);
    expect(writerUses).toEqual([]);
  });

  it('serve inventory, specs, destinations, deliveries and baselines without touching the writer', async () => {
    expect(await readOnly.listInventory({ limit: 10 }, { staleDays: 30 })).toEqual({ routes: [], clock: null });
    expect(await readOnly.getInventoryRoute('nope', { staleDays: 30 })).toBeUndefined();
    expect(await readOnly.inventoryRouteStats('fhir-api', ['/fhir/Patient/{id}'])).toEqual({
      latencyMs: { p50: 12.5, p95: 12.5, p99: 12.5 },
      responseBytes: { p50: 2048, p95: 2048, p99: 2048 },
      requestBytes: { p50: 120, p95: 120, p99: 120 },
    });
    expect(await readOnly.loadInventoryStates()).toEqual([]);
    expect(await readOnly.listSpecs()).toEqual([]);
    expect(await readOnly.listDestinations()).toEqual([]);
    expect(await readOnly.getDestination('nope')).toBeUndefined();
    expect(await readOnly.listDeliveries({ limit: 10 })).toEqual([]);
    expect(await readOnly.getDelivery('nope')).toBeUndefined();
    expect(await readOnly.pendingStats()).toEqual([]);
    expect(await readOnly.dueDeliveries({ now: '2026-03-02T00:00:00.000Z', limit: 10, exclude: [] })).toEqual([]);
    expect((await readOnly.lastEnqueued(['al_1'])).size).toBe(0);
    expect((await readOnly.deliveryWatermarks()).size).toBe(0);
    expect(await readOnly.loadBaselines()).toEqual([]);
    expect(await readOnly.loadPartitionBaselines([0])).toEqual([]);
    expect((await readOnly.loadBaselinePositions([0])).size).toBe(0);
    expect(writerUses).toEqual([]);
  });

  it('leave every write to the writer: a write through the poisoned wiring reaches it', async () => {
    await expect(readOnly.upsertAlerts([makeAlert('al_9')])).rejects.toThrow('writer used: insert');
    expect(writerUses).toEqual(['insert']);
    writerUses.length = 0;
  });
});

describe('createStore', () => {
  it('reports ready only while both connections answer, and closes both', async () => {
    // NOTE: chDB binds one data directory per process, so this store shares the suite's directory.
    const store = await createStore(storeConfig(dataDir, 'lp_store'), { logger: silentLogger });
    expect(await store.ping()).toBe(true);
    await store.close();
    expect(await store.ping()).toBe(false);
    await expect(store.countEvents()).rejects.toThrow('store is closed (read query)');
    const again = await createStore(storeConfig(dataDir, 'lp_store'), { logger: silentLogger });
    expect(await again.countEvents()).toBe(0);
    await again.close();
  });

  it('refuses a read password without a read user, naming the variable', async () => {
    const cfg = storeConfig(dataDir, 'lp_cfg');
    await expect(createStore({ ...cfg, clickhouse: { ...cfg.clickhouse, readPassword: 'secret' } }, { logger: silentLogger })).rejects.toThrow(
      'CLICKHOUSE_READ_PASSWORD is set but CLICKHOUSE_READ_USER is not',
    );
  });
});

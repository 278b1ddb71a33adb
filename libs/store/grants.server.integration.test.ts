import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../contracts/index.js';
import { docUserPassword } from '../../services/test-support/clickhouse-server.js';
import { clickhouseErrorType } from './errors.js';
import { createStore, type StoreConfig } from './index.js';
import { BASE_MS, failureOf, makeAlert, makeEvent, removeDataDir, silentLogger, storeConfig, tempDataDir } from './test-support/fixtures.js';
import { testClickHouseUrl } from './test-support/engine.js';

/**
 * The least-privilege recipe of docs/security-access.md ("Grants (server)"), on a ClickHouse
 * server whose users are made from that very text (services/test-support/clickhouse-users.ts):
 * the owner creates the schema, the writer and the reader run Vigil without DDL rights, and
 * each user is refused what the doc says it cannot do.
 * NOTE: the recipe grants on the database `vigil`, so this file owns that database on the test
 * server (it drops it first: point VIGIL_TEST_CLICKHOUSE_URL only at a scratch server).
 */
let dataDir: string;
const clients: ClickHouseClient[] = [];

const configAs = (user: string, readUser?: string): StoreConfig => ({
  clickhouse: {
    url: testClickHouseUrl(),
    user,
    password: docUserPassword(user),
    database: 'vigil',
    ...(readUser === undefined ? {} : { readUser, readPassword: docUserPassword(readUser) }),
  },
  dataDir,
  retentionDays: 30,
});

/** A bare client logged in as one of the recipe's users (or `default`, the server's admin). */
function sqlAs(user: string): ClickHouseClient {
  const client = createClient({
    url: testClickHouseUrl(),
    username: user,
    password: user === 'default' ? '' : docUserPassword(user),
    // The refusals are the point here; the client would log each one as an error.
    log: { level: ClickHouseLogLevel.OFF },
  });
  clients.push(client);
  return client;
}

/** ClickHouse's error type of a statement that must fail. */
const refusal = async (p: Promise<unknown>): Promise<string | undefined> => clickhouseErrorType(await failureOf(p));

async function count(client: ClickHouseClient, table: string): Promise<number> {
  const rs = await client.query({ query: `SELECT count() AS n FROM vigil.${table}`, format: 'JSONEachRow' });
  const [row] = await rs.json<{ n: string }>();
  return Number(row?.n);
}

const audit: AuditRecord = {
  time: '2026-03-01T10:00:00.000Z',
  requestId: 'req-grants',
  action: 'request',
  actor: 'key_g',
  role: 'admin',
  authMethod: 'api_key',
  method: 'POST',
  route: '/v1/keys',
  params: {},
  query: {},
  status: 201,
  outcome: 'success',
  sourceIp: '10.0.0.9',
  target: 'key_g',
  detail: '',
};

beforeAll(async () => {
  dataDir = await tempDataDir('grants');
  await sqlAs('default').command({ query: 'DROP DATABASE IF EXISTS vigil SYNC' });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await removeDataDir(dataDir);
});

describe('the clickhouse-server test project', () => {
  it('points every storeConfig() of its suites at the server, in a database of the file', () => {
    // Guards the wiring of vitest.config.ts: without it the suites would silently rerun on chDB.
    const cfg = storeConfig(dataDir, 'events_test');
    expect(cfg.clickhouse.url).toBe(testClickHouseUrl());
    expect(cfg.clickhouse.database).toMatch(/^events_test_[0-9a-f]{8}$/);
  });
});

describe("the docs' least-privilege users on a ClickHouse server", () => {
  it('refuse to let the writer create the schema, naming the missing grant', async () => {
    await expect(createStore(configAs('vigil_write', 'vigil_read'), { logger: silentLogger })).rejects.toMatchObject({
      code: 'store_failed',
      message: expect.stringContaining("vigil_write: Not enough privileges. To execute this query, it's necessary to have the grant CREATE DATABASE ON vigil.*") as unknown,
    });
  });

  it('let the owner create every table', async () => {
    const owner = await createStore(configAs('vigil_owner'), { logger: silentLogger });
    await owner.close();
    const rs = await sqlAs('vigil_owner').query({ query: "SELECT name FROM system.tables WHERE database = 'vigil' ORDER BY name", format: 'JSONEachRow' });
    expect((await rs.json<{ name: string }>()).map((t) => t.name)).toEqual([
      'alerts', 'api_key_usage', 'api_keys', 'api_specs', 'audit_log', 'baseline_positions', 'baselines', 'dead_letters',
      'deliveries', 'destinations', 'events', 'inventory_routes', 'schema_migrations', 'suppressions',
    ]);
  });

  it('run the writes of ingest, detection, keys, triage and audit as writer + reader, with no DDL right', async () => {
    const store = await createStore(configAs('vigil_write', 'vigil_read'), { logger: silentLogger });
    try {
      await store.insertEvents([makeEvent(1), makeEvent(2), makeEvent(3)]);
      await store.insertDeadLetters([{ source: 'file:/var/log/kong.json', position: '7', format: 'kong', reason: 'not JSON', raw: '{', receivedAt: BASE_MS }]);
      await store.upsertAlerts([makeAlert('al_g1')]);
      await store.createApiKey({ id: 'key_g', prefix: 'vgl_g001', hash: 'e'.repeat(64), role: 'admin', createdAt: '2026-03-01T09:00:00.000Z' });
      await store.recordApiKeyUse([{ id: 'key_g', at: '2026-03-01T10:00:00.000Z' }]);
      await store.insertAuditRecords([audit]);
      await store.upsertSuppression({ id: 'sup_g', principal: 'user:bob', reason: 'load test', source: 'rule', createdAt: '2026-03-01T09:00:00.000Z' });
      await store.saveBaselines([{ detector: 'rate', scope: 'principal', key: 'user:alice', version: 1, firstTs: BASE_MS, lastTs: BASE_MS + 1000, events: 3, state: '{}', partition: 0 }]);
      await store.saveBaselinePositions([{ partition: 0, nextOffset: 42n, version: 1 }]);
      expect(await store.revokeApiKey('key_g', '2026-03-01T11:00:00.000Z')).toBe(true);
      expect(await store.deleteSuppression('sup_g')).toBe(true);

      // Read back through the store's reader (vigil_read).
      expect(await store.countEvents()).toBe(3);
      expect(await store.deadLetterCount()).toBe(1);
      expect((await store.getAlert('al_g1'))?.summary).toBe('user:alice read 40 distinct Patient ids in 5 minutes');
      expect((await store.listApiKeys()).map((k) => [k.id, k.revokedAt])).toEqual([['key_g', '2026-03-01T11:00:00.000Z']]);
      expect(await store.listSuppressions()).toEqual([]);
      expect((await store.loadBaselines('rate')).map((b) => [b.key, b.events])).toEqual([['user:alice', 3]]);
      expect(await store.loadBaselinePositions([0])).toEqual(new Map([[0, 42n]]));
    } finally {
      await store.close();
    }
  });

  it('refuse the writer every way of destroying what is stored', async () => {
    const writer = sqlAs('vigil_write');
    const before = [await count(writer, 'events'), await count(writer, 'audit_log')];
    expect(before).toEqual([3, 1]);
    for (const sql of [
      'DROP TABLE vigil.events',
      'TRUNCATE TABLE vigil.audit_log',
      'ALTER TABLE vigil.audit_log DELETE WHERE 1',
      "ALTER TABLE vigil.alerts UPDATE summary = '' WHERE 1",
      'ALTER TABLE vigil.events MODIFY TTL toDateTime(ts) + toIntervalDay(1)',
      'CREATE TABLE vigil.shadow (a UInt8) ENGINE = MergeTree ORDER BY a',
      'DROP DATABASE vigil',
    ]) {
      expect([sql, await refusal(writer.command({ query: sql }))]).toEqual([sql, 'ACCESS_DENIED']);
    }
    expect([await count(writer, 'events'), await count(writer, 'audit_log')]).toEqual(before);
  });

  it('keep the reader read-only even without the setting Vigil sends, and the dashboards user off keys and secrets', async () => {
    const reader = sqlAs('vigil_read');
    // Two versions of key_g (created, then revoked) until a merge keeps the newest.
    expect(await count(reader, 'api_keys')).toBe(2);
    // readonly = 1 comes from the user's profile here, not from the client.
    const rs = await reader.query({ query: "SELECT getSetting('readonly') AS ro", format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ ro: 1 }]);
    expect(await refusal(reader.query({ query: 'SELECT 1', clickhouse_settings: { readonly: '0' } }))).toBe('READONLY');
    // The grant (SELECT only) is checked before readonly, so writes are refused as ACCESS_DENIED.
    expect(await refusal(reader.insert({ table: 'vigil.suppressions', values: [{ id: 'sup_x' }], format: 'JSONEachRow' }))).toBe('ACCESS_DENIED');
    expect(await refusal(reader.command({ query: 'TRUNCATE TABLE vigil.events' }))).toBe('ACCESS_DENIED');

    const dashboards = sqlAs('vigil_dashboards');
    expect([await count(dashboards, 'alerts'), await count(dashboards, 'events')]).toEqual([1, 3]);
    expect(await refusal(count(dashboards, 'api_keys'))).toBe('ACCESS_DENIED');
    expect(await refusal(count(dashboards, 'destinations'))).toBe('ACCESS_DENIED');
  });

  it('after an upgrade, refuse the writer its pending migration and say that the owner must run it', async () => {
    // An upgrade brings a migration the database has not seen: forget that 0015 ran.
    await sqlAs('default').command({ query: 'ALTER TABLE vigil.schema_migrations DELETE WHERE version = 15 SETTINGS mutations_sync = 1' });
    await expect(createStore(configAs('vigil_write', 'vigil_read'), { logger: silentLogger })).rejects.toMatchObject({
      code: 'store_failed',
      message: expect.stringMatching(
        /^migration 0015_baseline_partition failed: .*vigil_write: Not enough privileges.*; this user may not change the schema: run one start as the schema owner \(docs\/security-access\.md, "Grants \(server\)"\)$/s,
      ) as unknown,
    });
    const owner = await createStore(configAs('vigil_owner'), { logger: silentLogger });
    await owner.close();
    const writer = await createStore(configAs('vigil_write', 'vigil_read'), { logger: silentLogger });
    expect(await writer.countEvents()).toBe(3);
    await writer.close();
  });
});

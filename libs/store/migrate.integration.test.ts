import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from './db.js';
import { createStore } from './index.js';
import { applyMigrations, loadMigrations, migrationsDir } from './migrate.js';
import { toEventRow } from './event-rows.js';
import { makeEvent, removeDataDir, silentLogger, storeConfig, tempDataDir } from './test-support/fixtures.js';
import { testDatabase } from './test-support/engine.js';

// One data dir for this file: chDB binds one directory per process (vitest gives each file a fork).
let dataDir: string;
let raw: Db;

beforeAll(async () => {
  dataDir = await tempDataDir('migrate');
  raw = await openDb(storeConfig(dataDir, 'migrate_probe'), silentLogger);
});

afterAll(async () => {
  await raw.close();
  await removeDataDir(dataDir);
});

interface MigrationRow {
  version: number;
  name: string;
}

const readApplied = (db: string): Promise<MigrationRow[]> =>
  raw.query<MigrationRow>(`SELECT version, name FROM ${db}.schema_migrations ORDER BY version`);

describe('migrations', () => {
  it('finds the .sql files beside the module when running from source', () => {
    expect(existsSync(join(migrationsDir(), '0001_events.sql'))).toBe(true);
  });

  it('apply each numbered file once and record it, and a re-open applies nothing again', async () => {
    const cfg = storeConfig(dataDir, 'mig_once');
    const first = await createStore(cfg, { logger: silentLogger });
    await first.close();
    const expected = [
      { version: 1, name: 'events' },
      { version: 2, name: 'alerts' },
      { version: 3, name: 'dead_letters' },
      { version: 4, name: 'api_keys' },
      { version: 5, name: 'baselines' },
      { version: 6, name: 'alert_confidence' },
      { version: 7, name: 'suppressions' },
      { version: 8, name: 'destinations' },
      { version: 9, name: 'deliveries' },
      { version: 10, name: 'audit' },
      { version: 11, name: 'api_key_rotation' },
      { version: 12, name: 'inventory' },
      { version: 13, name: 'specs' },
      { version: 14, name: 'event_phi' },
      { version: 15, name: 'baseline_partition' },
      { version: 16, name: 'event_plain_arrays' },
    ];
    expect(await readApplied(testDatabase('mig_once'))).toEqual(expected);

    const second = await createStore(cfg, { logger: silentLogger });
    await second.migrate();
    await second.close();
    // Plain SELECT (no FINAL): a re-applied migration would show up as a second row.
    expect(await readApplied(testDatabase('mig_once'))).toEqual(expected);
  });

  it('create exactly the tables the store uses, with the configured retention in the TTL', async () => {
    const store = await createStore({ ...storeConfig(dataDir, 'mig_tables'), retentionDays: 7 }, { logger: silentLogger });
    await store.close();
    const database = testDatabase('mig_tables');
    const tables = await raw.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {database:String} ORDER BY name', {
      database,
    });
    expect(tables.map((t) => t.name)).toEqual([
      'alerts', 'api_key_usage', 'api_keys', 'api_specs', 'audit_log', 'baseline_positions', 'baselines', 'dead_letters',
      'deliveries', 'destinations', 'events', 'inventory_routes', 'schema_migrations', 'suppressions',
    ]);
    const [events] = await raw.query<{ engine_full: string }>(
      "SELECT engine_full FROM system.tables WHERE database = {database:String} AND name = 'events'",
      { database },
    );
    expect(events?.engine_full).toContain('ReplacingMergeTree');
    expect(events?.engine_full).toContain('TTL toDateTime(ts) + toIntervalDay(7)');
  });

  it('turn the array columns of events into plain Array(String) and keep the rows stored before (0016)', async () => {
    // A database as the previous release left it: migrations up to 0015, with events in it.
    const database = testDatabase('mig_arrays');
    const old = await openDb(storeConfig(dataDir, 'mig_arrays'), silentLogger);
    const all = await loadMigrations(migrationsDir(), { retentionDays: 30 });
    await applyMigrations(old, all.filter((m) => m.version <= 15), silentLogger);
    const stored = [
      makeEvent(1, {
        queryKeys: ['_count', 'subject'],
        principal: { id: 'user:u1', kind: 'user', scopes: ['patient/*.read', 'openid'], authScheme: 'bearer' },
        objects: [
          { type: 'Patient', id: 'tok_a', via: 'path', created: false },
          { type: 'Observation', id: 'tok_b', via: 'query', created: true },
        ],
        phi: { categories: ['fhir-resource', 'name'], resourceTypes: ['Patient'], in: ['response'] },
      }),
      makeEvent(2),
    ];
    await old.insert('events', stored.map(toEventRow));
    await old.close();

    const store = await createStore(storeConfig(dataDir, 'mig_arrays'), { logger: silentLogger });
    const types = await raw.query<{ name: string; type: string }>(
      "SELECT name, type FROM system.columns WHERE database = {database:String} AND table = 'events' AND type LIKE 'Array%' ORDER BY name",
      { database },
    );
    expect(types).toEqual(
      ['object_created', 'object_ids', 'object_types', 'object_via', 'phi_categories', 'phi_in', 'phi_resource_types', 'query_keys', 'scopes'].map(
        (name) => ({ name, type: name === 'object_created' ? 'Array(UInt8)' : 'Array(String)' }),
      ),
    );
    // The stored rows are rewritten by a background mutation: wait for it, so the rows read below are the rewritten ones.
    const pending = async () =>
      Number((await raw.query<{ n: string }>("SELECT count() AS n FROM system.mutations WHERE database = {database:String} AND table = 'events' AND NOT is_done", { database }))[0]?.n);
    await expect.poll(pending, { timeout: 60_000, interval: 100 }).toBe(0);
    const [done] = await raw.query<{ n: string }>("SELECT count() AS n FROM system.mutations WHERE database = {database:String} AND table = 'events' AND is_done", { database });
    expect(Number(done?.n)).toBe(7);
    const keys = ['event_id', 'query_keys', 'scopes', 'object_types', 'object_ids', 'object_via', 'object_created', 'phi_categories', 'phi_resource_types', 'phi_in'];
    const rows = await raw.query<Record<string, unknown>>(`SELECT ${keys.join(', ')} FROM ${database}.events ORDER BY event_id`);
    expect(rows).toEqual(
      stored.map((e) => {
        const r = toEventRow(e);
        return Object.fromEntries(keys.map((k) => [k, r[k]]));
      }),
    );
    expect(await store.getEvents(['ev-0001'])).toMatchObject([
      { eventId: 'ev-0001', objects: [{ type: 'Patient' }, { type: 'Observation', created: true }], phi: { categories: ['fhir-resource', 'name'], in: ['response'] } },
    ]);
    await store.close();
  });

  it('reject a database name that is not a plain identifier', async () => {
    await expect(createStore(storeConfig(dataDir, 'bad-name; DROP'), { logger: silentLogger })).rejects.toMatchObject({
      code: 'config_invalid',
    });
  });
});

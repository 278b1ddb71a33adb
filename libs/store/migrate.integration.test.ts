import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from './db.js';
import { createStore } from './index.js';
import { migrationsDir } from './migrate.js';
import { removeDataDir, silentLogger, storeConfig, tempDataDir } from './test-support/fixtures.js';
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

  it('reject a database name that is not a plain identifier', async () => {
    await expect(createStore(storeConfig(dataDir, 'bad-name; DROP'), { logger: silentLogger })).rejects.toMatchObject({
      code: 'config_invalid',
    });
  });
});

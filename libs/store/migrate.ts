import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log/index.js';
import { VigilError } from '../errors/index.js';
import type { Db } from './db.js';
import { clickhouseErrorType } from './errors.js';
import { splitSql, toChTime } from './sql.js';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** audit_log TTL when the caller does not say (auth.audit.retentionDays has the same default). */
const AUDIT_RETENTION_DAYS_DEFAULT = 400;

/**
 * Where the .sql files are. tsc does not copy them into dist, so from the compiled
 * dist/libs/store/ we fall back to the source folder three levels up (the package ships both).
 * Tests and `node --import` runs from source find them beside this file.
 */
export function migrationsDir(): string {
  const beside = new URL('./migrations/', import.meta.url);
  if (existsSync(beside)) return fileURLToPath(beside);
  return fileURLToPath(new URL('../../../libs/store/migrations/', import.meta.url));
}

/** Reads the numbered migrations in version order; a duplicate version is a bug, so it throws. */
export async function loadMigrations(dir: string, vars: { retentionDays: number; auditRetentionDays?: number }): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => FILE_NAME.test(f)).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const [, num, name] = FILE_NAME.exec(file) ?? [];
    const version = Number(num);
    if (out.some((m) => m.version === version)) throw new Error(`duplicate migration version ${version}: ${file}`);
    // {db} is left for Db to fill; {retention_days} is an integer from validated config.
    const text = (await readFile(`${dir}/${file}`, 'utf8')).replaceAll(
      '{retention_days}',
      String(Math.trunc(vars.retentionDays)),
    ).replaceAll('{audit_retention_days}', String(Math.trunc(vars.auditRetentionDays ?? AUDIT_RETENTION_DAYS_DEFAULT)));
    out.push({ version, name: name ?? file, statements: splitSql(text) });
  }
  return out;
}

/**
 * The bookkeeping table is the one DDL that lives in code: it has to exist before any numbered
 * migration can be recorded. ReplacingMergeTree on version, so two processes starting at once
 * against a server (both applying the idempotent IF NOT EXISTS statements) leave one row each.
 */
const BOOKKEEPING_SQL = `CREATE TABLE IF NOT EXISTS {db}.schema_migrations (
  version UInt32,
  name String,
  applied_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree ORDER BY version`;

/**
 * Applies, in order, every migration whose version is not recorded, and records it after all of
 * its statements succeeded. Statements use IF NOT EXISTS, so a crash mid-file re-runs safely.
 */
export async function applyMigrations(db: Db, migrations: Migration[], logger: Logger): Promise<number[]> {
  // NOTE: ClickHouse checks CREATE grants even when IF NOT EXISTS would do nothing, so DDL runs
  // only when something is missing: a writer without DDL rights starts on a migrated database.
  const bookkept = await db.query<{ n: number | string }>(
    "SELECT count() AS n FROM system.tables WHERE database = {database:String} AND name = 'schema_migrations'",
    { database: db.database },
  );
  if (Number(bookkept[0]?.n) === 0) await db.command(BOOKKEEPING_SQL);
  const rows = await db.query<{ version: number | string }>('SELECT version FROM {db}.schema_migrations FINAL');
  const done = new Set(rows.map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    try {
      for (const sql of m.statements) await db.command(sql);
    } catch (err) {
      throw migrationFailed(m, err);
    }
    await db.insert('schema_migrations', [{ version: m.version, name: m.name, applied_at: toChTime(Date.now()) }]);
    logger.info({ event: 'store_migration_applied', version: m.version, name: m.name }, 'store_migration_applied');
    applied.push(m.version);
  }
  return applied;
}

/**
 * Names the migration, and for a missing grant says who may run it: with least-privilege users
 * the writer has no DDL rights, so an upgrade's first start must run as the owner.
 */
function migrationFailed(m: Migration, err: unknown): VigilError {
  const message = err instanceof Error ? err.message : String(err);
  const hint =
    clickhouseErrorType(err) === 'ACCESS_DENIED'
      ? '; this user may not change the schema: run one start as the schema owner (docs/security-access.md, "Grants (server)")'
      : '';
  const retriable = err instanceof VigilError && err.retriable;
  return new VigilError(retriable ? 'store_unavailable' : 'store_failed', `migration ${String(m.version).padStart(4, '0')}_${m.name} failed: ${message}${hint}`, {
    cause: err,
    publicMessage: retriable ? 'store unavailable' : 'store error',
  });
}

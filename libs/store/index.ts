import type { Config } from '../contracts/index.js';
import type { Logger } from '../log/index.js';
import { createActivityStore } from './activity.js';
import { createAlertStore } from './alerts.js';
import { createApiKeyStore } from './api-keys.js';
import { createAuditStore } from './audit.js';
import { createBaselineStore } from './baselines.js';
import { openDb, type Db } from './db.js';
import { openDbReader, type DbReader, type DbReaderHandle } from './db-reader.js';
import { createDeadLetterStore } from './dead-letters.js';
import { createEventStore } from './events.js';
import { createObjectAccessStore } from './object-access.js';
import { createSuppressionStore } from './suppressions.js';
import { createDeliveryStore } from './deliveries.js';
import { createInventoryStore } from './inventory.js';
import { createSpecStore } from './specs.js';
import { createDestinationStore } from './destinations.js';
import { applyMigrations, loadMigrations, migrationsDir } from './migrate.js';
import type { Store } from './types.js';
import { createActivitySeriesStore } from './activity-series.js';
import { createOverviewStore } from './overview.js';

export type * from './types.js';

export interface StoreConfig {
  clickhouse: Config['clickhouse'];
  dataDir: string;
  retentionDays: number;
  /** audit_log TTL in days (auth.audit.retentionDays); default 400. */
  auditRetentionDays?: number;
}

/** Every method of the Store but its lifecycle (migrate, ping, close). */
export type StoreOperations = Omit<Store, 'migrate' | 'ping' | 'close'>;

/**
 * Wires every store module to its connections: pure reads get only `reader` (the read-only
 * connection of openDbReader), writes and read-modify-write operations `db`. Exported so a test
 * can hand it a writer that fails on any use and prove which methods never touch it.
 */
export function assembleStore(db: Db, reader: DbReader): StoreOperations {
  return {
    ...createEventStore(db, reader),
    ...createObjectAccessStore(reader),
    ...createDeadLetterStore(db, reader),
    ...createAlertStore(db, reader),
    ...createActivityStore(reader),
    ...createApiKeyStore(db, reader),
    ...createAuditStore(db, reader),
    ...createBaselineStore(db, reader),
    ...createSuppressionStore(db, reader),
    ...createDestinationStore(db, reader),
    ...createDeliveryStore(db, reader),
    ...createInventoryStore(db, reader),
    ...createSpecStore(db, reader),
    ...createActivitySeriesStore(reader),
    ...createOverviewStore(reader),
  };
}

/**
 * Opens the store (embedded chDB in <dataDir>/clickhouse, or a ClickHouse server when
 * clickhouse.url is set) and applies pending migrations before returning, so every caller sees
 * the current schema.
 * Throws VigilError `data_dir_locked` when another process holds the embedded data directory,
 * `store_unavailable` (retriable) when a server cannot be reached, `store_failed` otherwise.
 */
export async function createStore(cfg: StoreConfig, deps: { logger: Logger }): Promise<Store> {
  const logger = deps.logger.child({ component: 'store' });
  const db = await openDb(cfg, logger);
  // Least privilege: every pure read below goes through `reader`, a second connection that runs
  // with readonly=1 (and, on a server, as clickhouse.readUser when set); `db` keeps the writes,
  // migrations, and the reads inside read-modify-write operations (docs/security-access.md).
  let reader: DbReaderHandle;
  try {
    reader = await openDbReader(cfg, logger);
  } catch (err) {
    await db.close();
    throw err;
  }

  const migrate = async (): Promise<void> => {
    const migrations = await loadMigrations(migrationsDir(), { retentionDays: cfg.retentionDays, ...(cfg.auditRetentionDays === undefined ? {} : { auditRetentionDays: cfg.auditRetentionDays }) });
    await applyMigrations(db, migrations, logger);
  };

  const store: Store = {
    migrate,
    ...assembleStore(db, reader),
    ping: async () => {
      try {
        // Ready only when both connections answer: the API's reads and its writes.
        const [w, r] = await Promise.all([db.ping(), reader.ping()]);
        return w && r;
      } catch {
        return false;
      }
    },
    close: async () => {
      // The reader first: the writer's close drains chDB, which must come last.
      await reader.close();
      await db.close();
      logger.info({ event: 'store_closed' }, 'store_closed');
    },
  };

  try {
    await migrate();
  } catch (err) {
    // Release the engine (and chDB's directory lock) so the caller can exit or retry cleanly.
    await reader.close();
    await db.close();
    throw err;
  }
  logger.info({ event: 'store_opened', mode: db.mode, database: db.database }, 'store_opened');
  return store;
}

import type { Config } from '../contracts/index.js';
import type { Logger } from '../log/index.js';
import { createActivityStore } from './activity.js';
import { createAlertStore } from './alerts.js';
import { createApiKeyStore } from './api-keys.js';
import { createAuditStore } from './audit.js';
import { createBaselineStore } from './baselines.js';
import { openDb } from './db.js';
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

export type * from './types.js';

export interface StoreConfig {
  clickhouse: Config['clickhouse'];
  dataDir: string;
  retentionDays: number;
  /** audit_log TTL in days (auth.audit.retentionDays); default 400. */
  auditRetentionDays?: number;
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

  const migrate = async (): Promise<void> => {
    const migrations = await loadMigrations(migrationsDir(), { retentionDays: cfg.retentionDays, ...(cfg.auditRetentionDays === undefined ? {} : { auditRetentionDays: cfg.auditRetentionDays }) });
    await applyMigrations(db, migrations, logger);
  };

  const store: Store = {
    migrate,
    ...createEventStore(db),
    ...createObjectAccessStore(db),
    ...createDeadLetterStore(db),
    ...createAlertStore(db),
    ...createActivityStore(db),
    ...createApiKeyStore(db),
    ...createAuditStore(db),
    ...createBaselineStore(db),
    ...createSuppressionStore(db),
    ...createDestinationStore(db),
    ...createDeliveryStore(db),
    ...createInventoryStore(db),
    ...createSpecStore(db),
    ping: async () => {
      try {
        return await db.ping();
      } catch {
        return false;
      }
    },
    close: async () => {
      await db.close();
      logger.info({ event: 'store_closed' }, 'store_closed');
    },
  };

  try {
    await migrate();
  } catch (err) {
    // Release the engine (and chDB's directory lock) so the caller can exit or retry cleanly.
    await db.close();
    throw err;
  }
  logger.info({ event: 'store_opened', mode: db.mode, database: db.database }, 'store_opened');
  return store;
}

import { mkdirSync } from 'node:fs';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Alert, Config } from '../libs/contracts/index.js';
import type { Logger } from '../libs/log/index.js';
import { createRecentIds, type RecentIds } from '../libs/cache/index.js';
import { createAuditLog, createKeyService, type AuditLog, type KeyService } from '../libs/auth/index.js';
import { createKeyring, loadOrCreateKey, parsePreviousKeys, type Keyring, type Tokenizer } from '../libs/privacy/index.js';
import { createRouteTemplater } from '../libs/routes/index.js';
import { createStore } from '../libs/store/index.js';
import type { Store } from '../libs/store/types.js';
import { createDetectorRuntime, type DetectorRuntime } from '../detectors/framework.js';
import { createTraitsMemo } from '../detectors/principal-traits.js';
import { createBaselineSnapshotter, type BaselineSnapshotter, type Schedule } from '../libs/baseline/index.js';
import { createAlertManager, type AlertManager } from './detect/alert-manager.js';
import { createSuppressor, type Suppressor } from './detect/suppressions.js';
import { createBatchWriter, type BatchWriter } from './ingest/batch-writer.js';
import { createPipelineMetrics, type PipelineMetrics } from './ingest/metrics.js';
import { createNormalizer } from './ingest/normalize.js';
import { createInlinePreparer, createWorkerPreparer } from './ingest/preparer.js';
import { createPipeline, type Pipeline } from './ingest/pipeline.js';
import { createInventory, type Inventory } from './inventory/index.js';
import { flushingInventory, withInventory } from './inventory/wiring.js';
import { createDetectors } from './registry.js';

/** The pipeline and everything it needs, shared by `vigil start` and `vigil replay`. */
export interface Core {
  store: Store;
  registry: Registry;
  alerts: AlertManager;
  suppressor: Suppressor;
  writer: BatchWriter;
  pipeline: Pipeline;
  keys: KeyService;
  /** Audit trail writer of the API (libs/auth/audit.ts); flushed by close(). */
  audit: AuditLog;
  /** The tokenizer events are built with; the API audit tokenizes identifiers in params with it. */
  tokenizer: Tokenizer;
  /** Every active tokenization key (current + privacy.previousTokenizationKeys), for lookups by a raw identifier. */
  keyring: Keyring;
  /** The parts the pipeline is built from, for transports that build their own (services/kafka). */
  detectors: DetectorRuntime;
  metrics: PipelineMetrics;
  /** The latest event ids (ingest.dedupEvents), shared by every path that detects or forwards events; undefined when off. */
  recent: RecentIds | undefined;
  /** Baseline rows restored from the store at start (0 on a first start). */
  baselinesRestored: number;
  /** API inventory (services/inventory): fed with every detected event, flushed with the writer. */
  inventory: Inventory;
  /** Periodic incremental baseline snapshots (detection.snapshotIntervalSeconds), started by createCore. */
  snapshots: BaselineSnapshotter;
  /** `saveBaselines: false` is a crash-test seam: close as a kill -9 would leave the store (no final snapshot). */
  close(opts?: { saveBaselines?: boolean }): Promise<void>;
}

/**
 * Opens the store and builds the pipeline, in dependency order. Start-up order matters:
 * the store must be migrated before active alerts are loaded, and alerts loaded before the first
 * finding arrives (or a restart would open duplicate alerts).
 */
export async function openStore(config: Config, logger: Logger): Promise<Store> {
  if (!config.clickhouse.url) mkdirSync(config.dataDir, { recursive: true });
  const store = await createStore(
    { clickhouse: config.clickhouse, dataDir: config.dataDir, retentionDays: config.retentionDays, auditRetentionDays: config.auth.audit.retentionDays },
    { logger },
  );
  await store.migrate();
  return store;
}

export async function createCore(config: Config, deps: { logger: Logger; store?: Store; registry?: Registry; onAlertsWritten?: (alerts: readonly Alert[]) => void; snapshotSchedule?: Schedule }): Promise<Core> {
  const log = deps.logger;
  mkdirSync(config.dataDir, { recursive: true });
  const key = loadOrCreateKey({ dataDir: config.dataDir, ...(config.privacy.tokenizationKey ? { configured: config.privacy.tokenizationKey } : {}) });
  for (const w of key.warnings) log.warn({ event: 'tokenization_key_warning' }, w);
  if (key.source === 'created') log.info({ event: 'tokenization_key_created', path: key.path }, 'generated a tokenization key');
  // Key rotation: events get the current key's tokens; lookups try every active key (libs/privacy/keyring.ts).
  const keyring = createKeyring(key.key, parsePreviousKeys(config.privacy.previousTokenizationKeys ?? []));
  const tokenizer = keyring.current;

  const store = deps.store ?? (await openStore(config, log));
  const registry = deps.registry ?? new Registry();
  if (!deps.registry) collectDefaultMetrics({ register: registry });

  // Rules before alerts: the first finding after start must already see them.
  const suppressor = createSuppressor({ store });
  await suppressor.load();
  const alerts = createAlertManager({ store, logger: log, suppressor, ...(deps.onAlertsWritten ? { onWritten: deps.onAlertsWritten } : {}) });
  await alerts.load();
  const metrics = createPipelineMetrics(registry);
  // Routes and specs before the first event; its flush rides the writer's, after the events it counts.
  // One principal memo (cohort key, scope facts) for the detectors and the inventory, which sees
  // each event right after them: the inventory's lookup then hits the memo's last entry.
  const traits = createTraitsMemo();
  const inventory = createInventory(config.inventory, { store, logger: log, cohortOf: (p) => traits(p).role });
  await inventory.load();
  inventory.start();
  const writer = createBatchWriter(config.ingest, { store, alerts: flushingInventory(alerts, inventory), logger: log, metrics });
  // One preparer (parse + normalize, on a worker thread by default) for every ingest path: the route
  // templates it learns are the process's. The worker tokenizes with the keyring's current key.
  const preparer = config.ingest.parseWorker
    ? createWorkerPreparer(config, { tokenizationKey: key.key })
    : createInlinePreparer(createNormalizer(config, { tokenizer, templater: createRouteTemplater() }));
  const detectors = withInventory(createDetectorRuntime(createDetectors(config, { tokenizer, traits })), inventory);
  // Learned baselines survive restarts: restore them before the first event is detected.
  const restored = detectors.restore(await store.loadBaselines());
  log.info({ event: 'baselines_restored', rows: restored });
  // One memory of event ids per process: a copy is a copy whichever transport delivers it.
  const recent = config.ingest.dedupEvents > 0 ? createRecentIds(config.ingest.dedupEvents) : undefined;
  const pipeline = createPipeline({ preparer, detectors, alerts, writer, metrics, maxFutureSeconds: config.ingest.maxFutureSeconds, recent });
  // After the restore: the first periodic snapshot must not be taken from empty state.
  const snapshots = createBaselineSnapshotter(
    { intervalSeconds: config.detection.snapshotIntervalSeconds },
    { source: detectors, sink: store, logger: log, registry, ...(deps.snapshotSchedule ? { schedule: deps.snapshotSchedule } : {}) },
  );
  snapshots.start();
  const keys = createKeyService({ store, logger: log });
  const audit = createAuditLog(config.auth.audit, { store, logger: log });

  return {
    store,
    registry,
    alerts,
    suppressor,
    writer,
    pipeline,
    keys,
    audit,
    tokenizer,
    keyring,
    detectors,
    metrics,
    recent,
    baselinesRestored: restored,
    inventory,
    snapshots,
    async close(opts) {
      // A periodic snapshot in flight finishes before the final one (and before the store closes).
      await snapshots.stop();
      // Flush buffered rows (events, then dead letters, then alerts) before the store goes away,
      // then save what the detectors learned so the next start does not relearn from zero.
      await writer.stop();
      await preparer.close();
      inventory.stop();
      if (opts?.saveBaselines !== false) await store.saveBaselines(detectors.snapshot(detectors.nextVersion(Date.now())));
      // Last-used times and audit rows are written asynchronously: both before the store goes away.
      await keys.flush();
      await audit.stop().catch(() => undefined); // logged by the audit log with the row count
      await store.close();
    },
  };
}

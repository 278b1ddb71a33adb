import { mkdirSync } from 'node:fs';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Alert, Config } from '../libs/contracts/index.js';
import type { Logger } from '../libs/log/index.js';
import { createKeyService, type KeyService } from '../libs/auth/index.js';
import { createTokenizer, loadOrCreateKey } from '../libs/privacy/index.js';
import { createRouteTemplater } from '../libs/routes/index.js';
import { createStore } from '../libs/store/index.js';
import type { Store } from '../libs/store/types.js';
import { createDetectorRuntime, type DetectorRuntime } from '../detectors/framework.js';
import { createAlertManager, type AlertManager } from './detect/alert-manager.js';
import { createSuppressor, type Suppressor } from './detect/suppressions.js';
import { createBatchWriter, type BatchWriter } from './ingest/batch-writer.js';
import { createPipelineMetrics, type PipelineMetrics } from './ingest/metrics.js';
import { createNormalizer, type Normalizer } from './ingest/normalize.js';
import { createPipeline, type Pipeline } from './ingest/pipeline.js';
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
  /** The parts the pipeline is built from, for transports that build their own (services/kafka). */
  normalize: Normalizer;
  detectors: DetectorRuntime;
  metrics: PipelineMetrics;
  /** Baseline rows restored from the store at start (0 on a first start). */
  baselinesRestored: number;
  close(): Promise<void>;
}

/**
 * Opens the store and builds the pipeline, in dependency order. Start-up order matters:
 * the store must be migrated before active alerts are loaded, and alerts loaded before the first
 * finding arrives (or a restart would open duplicate alerts).
 */
export async function openStore(config: Config, logger: Logger): Promise<Store> {
  if (!config.clickhouse.url) mkdirSync(config.dataDir, { recursive: true });
  const store = await createStore(
    { clickhouse: config.clickhouse, dataDir: config.dataDir, retentionDays: config.retentionDays },
    { logger },
  );
  await store.migrate();
  return store;
}

export async function createCore(config: Config, deps: { logger: Logger; store?: Store; registry?: Registry; onAlertsWritten?: (alerts: readonly Alert[]) => void }): Promise<Core> {
  const log = deps.logger;
  mkdirSync(config.dataDir, { recursive: true });
  const key = loadOrCreateKey({ dataDir: config.dataDir, ...(config.privacy.tokenizationKey ? { configured: config.privacy.tokenizationKey } : {}) });
  for (const w of key.warnings) log.warn({ event: 'tokenization_key_warning' }, w);
  if (key.source === 'created') log.info({ event: 'tokenization_key_created', path: key.path }, 'generated a tokenization key');
  const tokenizer = createTokenizer(key.key);

  const store = deps.store ?? (await openStore(config, log));
  const registry = deps.registry ?? new Registry();
  if (!deps.registry) collectDefaultMetrics({ register: registry });

  // Rules before alerts: the first finding after start must already see them.
  const suppressor = createSuppressor({ store });
  await suppressor.load();
  const alerts = createAlertManager({ store, logger: log, suppressor, ...(deps.onAlertsWritten ? { onWritten: deps.onAlertsWritten } : {}) });
  await alerts.load();
  const metrics = createPipelineMetrics(registry);
  const writer = createBatchWriter(config.ingest, { store, alerts, logger: log, metrics });
  const normalize = createNormalizer(config, { tokenizer, templater: createRouteTemplater() });
  const detectors = createDetectorRuntime(createDetectors(config));
  // Learned baselines survive restarts: restore them before the first event is detected.
  const restored = detectors.restore(await store.loadBaselines());
  log.info({ event: 'baselines_restored', rows: restored });
  const pipeline = createPipeline({ normalize, detectors, alerts, writer, metrics });
  const keys = createKeyService({ store });

  return {
    store,
    registry,
    alerts,
    suppressor,
    writer,
    pipeline,
    keys,
    normalize,
    detectors,
    metrics,
    baselinesRestored: restored,
    async close() {
      // Flush buffered rows (events, then dead letters, then alerts) before the store goes away,
      // then save what the detectors learned so the next start does not relearn from zero.
      await writer.stop();
      await store.saveBaselines(detectors.snapshot(Date.now()));
      await store.close();
    },
  };
}

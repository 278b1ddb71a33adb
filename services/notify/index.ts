import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { Alert, NotifyConfig } from '../../libs/contracts/index.js';
import { checkDestinationUrl } from '../../libs/outbound/index.js';
import type { Logger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';
import { syncConfigDestinations } from './config-sync.js';
import { createDestinationService, type CheckUrl, type DestinationService } from './destinations.js';
import { createNotifyMetrics } from './metrics.js';
import { createOutbox, type Outbox } from './outbox.js';
import { createSenderPool } from './sender-pool.js';
import { createSender as realCreateSender } from './senders/index.js';
import type { CreateSender, SenderDeps } from './types.js';
import { createDeliveryWorker, type DeliveryWorker } from './worker.js';

export { createAlertsHandler } from './kafka-alerts.js';
export type { DestinationService } from './destinations.js';

export interface Notifier {
  /** Destinations and deliveries for the API (admin routes). */
  destinations: DestinationService;
  outbox: Outbox;
  worker: DeliveryWorker;
  /** Give to createCore's onAlertsWritten when detect runs in this process: enqueues in the background. */
  onAlertsWritten(alerts: readonly Alert[]): void;
  /** Notify role: sync config destinations, reconcile the outbox, start the worker. */
  start(): Promise<void>;
  /** Stops the worker (in-flight attempts finish and are stored) and waits for background enqueues. Before the store closes. */
  stop(): Promise<void>;
}

export interface NotifierDeps {
  store: Store;
  logger: Logger;
  registry: Registry;
  /** Vigil's version (OCSF metadata, HEC source, User-Agent). */
  version: string;
  /** Environment for secretEnv / tokenEnv of declared destinations. */
  env: Record<string, string | undefined>;
  /** Test seams; the real senders, the real SSRF guard, the wall clock and Math.random otherwise. */
  createSender?: CreateSender;
  checkUrl?: CheckUrl;
  now?: () => number;
  random?: () => number;
  reconcileIntervalMs?: number;
  /** false: start() does not run the polling loop (tests drive worker.runOnce() on an injected clock). */
  startWorker?: boolean;
}

/**
 * SIEM delivery, wired: the outbox (alert versions -> pending deliveries), the worker (pending ->
 * sent, with retries) and the destination service the API uses. One per process; only the
 * process with the notify role calls start().
 */
export function createNotifier(cfg: NotifyConfig, deps: NotifierDeps): Notifier {
  const log = deps.logger.child({ component: 'notify' });
  const createSender = deps.createSender ?? realCreateSender;
  const checkUrl = deps.checkUrl ?? checkDestinationUrl;
  const senderDeps: SenderDeps = { version: deps.version, hostname: hostname(), timeoutMs: cfg.timeoutMs };
  const clock = deps.now === undefined ? {} : { now: deps.now };
  // NOTE: the outbox and the destination service wake the worker created below; they only call it after createNotifier returns.
  const nudge = (): void => worker.nudge();
  const outbox = createOutbox({}, { store: deps.store, logger: deps.logger, onEnqueued: nudge, ...clock });
  const metrics = createNotifyMetrics(deps.registry, { store: deps.store, ...clock });
  const worker = createDeliveryWorker(
    { ...cfg, ...(deps.reconcileIntervalMs === undefined ? {} : { reconcileIntervalMs: deps.reconcileIntervalMs }) },
    {
      store: deps.store,
      logger: deps.logger,
      senders: createSenderPool(createSender, senderDeps),
      metrics,
      reconcile: () => outbox.reconcile(),
      ...clock,
      ...(deps.random === undefined ? {} : { random: deps.random }),
    },
  );
  const destinations = createDestinationService({ store: deps.store, checkUrl, createSender, senderDeps, onRetry: nudge, ...clock });
  let started = false;

  return {
    destinations,
    outbox,
    worker,
    onAlertsWritten: (alerts) => outbox.submit(alerts),
    async start() {
      await syncConfigDestinations(cfg.destinations, { store: deps.store, checkUrl, env: deps.env, logger: deps.logger, ...clock });
      // Before the worker's first poll: versions stored but not enqueued when the last run ended.
      await outbox.reconcile();
      if (deps.startWorker !== false) worker.start();
      started = true;
      log.info({ event: 'notify_started', concurrency: cfg.concurrency, max_attempts: cfg.maxAttempts });
    },
    async stop() {
      // Background enqueues first (rows they add wait for the next start), then in-flight attempts.
      await outbox.close();
      if (started) await worker.stop();
      log.info({ event: 'notify_stopped' });
    },
  };
}

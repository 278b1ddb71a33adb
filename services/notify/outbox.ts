import type { Alert, DestinationWithSecrets } from '../../libs/contracts/index.js';
import { errorMessage } from '../../libs/errors/index.js';
import type { Logger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';
import { lastEnqueuedKey } from '../../libs/store/deliveries.js';
import { isSignificant, matchesFilters } from './significance.js';

export interface Outbox {
  /**
   * Writes a pending delivery for each significant version among `alerts` (significance.ts) to each
   * destination whose filters match. Resolves once the rows are stored; returns how many were new.
   */
  enqueue(alerts: readonly Alert[]): Promise<number>;
  /**
   * Enqueues alert versions that were stored but never enqueued: those updated since each
   * destination's watermark (the newest alert change it has a delivery for, or its creation).
   * Run at start, so a crash between the alert write and the enqueue loses nothing.
   */
  reconcile(): Promise<number>;
  /** For the alert manager's synchronous hook: enqueues in the background, batches in order. */
  submit(alerts: readonly Alert[]): void;
  /** Resolves once every submitted batch has been handled (written, or failed and left to reconcile). */
  idle(): Promise<void>;
  /** Waits for submitted batches; later submits are left to the next start's reconcile (the store may be closing). */
  close(): Promise<void>;
}

/** Alerts per lastEnqueued lookup: keeps the IN list and the answer small. */
const CHUNK = 1000;

/**
 * The outbox's write side. NOTE: the watermark margin covers clock skew between detect processes
 * (alert updatedAt is their wall clock); re-reading a few minutes of alerts is harmless because
 * versions already enqueued are not significant again.
 */
export function createOutbox(
  cfg: { reconcileMarginMs?: number },
  deps: {
    store: Store;
    logger: Logger;
    now?: () => number;
    /** Pending deliveries were written (the worker polls at once instead of after its idle wait). */
    onEnqueued?: () => void;
  },
): Outbox {
  const now = deps.now ?? Date.now;
  const margin = cfg.reconcileMarginMs ?? 5 * 60_000;
  const log = deps.logger.child({ component: 'outbox' });
  let tail: Promise<void> = Promise.resolve();
  /** Set when a background enqueue failed: the next one reconciles first. */
  let behind = false;
  /** Wall clock of the last reconcile's start: later ones re-read only from there (minus the margin). */
  let checkedThrough = -Infinity;
  let closed = false;

  /** Enqueues and reconciles run one at a time, in order, so two never race on the same rows. */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = tail.then(fn);
    tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async function enqueueFor(alerts: readonly Alert[], dests: DestinationWithSecrets[], since?: Map<string, number>): Promise<number> {
    if (dests.length === 0 || alerts.length === 0) return 0;
    const latest = new Map<string, Alert>();
    for (const a of alerts) if ((latest.get(a.id)?.version ?? 0) < a.version) latest.set(a.id, a);
    const all = [...latest.values()];
    let written = 0;
    for (let i = 0; i < all.length; i += CHUNK) {
      const chunk = all.slice(i, i + CHUNK);
      const last = await deps.store.lastEnqueued(chunk.map((a) => a.id));
      const rows: { destinationId: string; alert: Alert }[] = [];
      for (const d of dests) {
        const floor = since?.get(d.id);
        for (const a of chunk) {
          if (floor !== undefined && Date.parse(a.updatedAt) < floor) continue;
          if (!matchesFilters(d, a) || !isSignificant(a, last.get(lastEnqueuedKey(d.id, a.id)))) continue;
          rows.push({ destinationId: d.id, alert: a });
        }
      }
      written += await deps.store.enqueueDeliveries(rows, new Date(now()).toISOString());
    }
    if (written > 0) {
      log.info({ event: 'deliveries_enqueued', deliveries: written, alerts: all.length });
      deps.onEnqueued?.();
    }
    return written;
  }

  async function reconcile(): Promise<number> {
    const startedAt = now();
    const dests = await deps.store.listDestinations();
    if (dests.length === 0) return 0;
    const marks = await deps.store.deliveryWatermarks();
    const since = new Map<string, number>();
    for (const d of dests) {
      const mark = marks.get(d.id);
      since.set(d.id, Math.max(Date.parse(d.createdAt), mark === undefined ? -Infinity : Date.parse(mark) - margin));
    }
    const from = Math.max(Math.min(...since.values()), checkedThrough - margin);
    const alerts = await deps.store.alertsUpdatedSince(new Date(from).toISOString());
    const written = await enqueueFor(alerts, dests, since);
    checkedThrough = startedAt;
    if (written > 0 || alerts.length > 0) log.info({ event: 'outbox_reconciled', alerts_checked: alerts.length, deliveries: written });
    return written;
  }

  return {
    enqueue: (alerts) => serial(async () => enqueueFor(alerts, await deps.store.listDestinations())),
    reconcile: () => serial(reconcile),
    submit(alerts) {
      if (closed) {
        // NOTE: the final alert flush of a shutdown lands here; those versions are stored, and the
        // next start's reconcile enqueues them.
        log.info({ event: 'deliveries_enqueue_deferred', alerts: alerts.length });
        return;
      }
      const batch = [...alerts];
      void serial(async () => {
        try {
          if (behind) {
            await reconcile();
            behind = false;
          }
          await enqueueFor(batch, await deps.store.listDestinations());
        } catch (err) {
          // The alerts are stored; the next batch, the worker's periodic reconcile or the next start brings them in.
          behind = true;
          log.error({ event: 'deliveries_enqueue_failed', alerts: batch.length, err_message: errorMessage(err) }, 'deliveries_enqueue_failed');
        }
      });
    },
    idle: () => tail,
    async close() {
      closed = true;
      await tail;
    },
  };
}

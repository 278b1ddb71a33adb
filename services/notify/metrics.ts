import { Counter, Gauge, type Registry } from 'prom-client';
import type { Store } from '../../libs/store/types.js';

export type DeliveryOutcomeLabel = 'delivered' | 'retry' | 'failed';

export interface NotifyMetrics {
  /** One per attempt: delivered, retry (scheduled again) or failed (given up or refused). */
  deliveries: Counter<'destination' | 'outcome'>;
}

/**
 * Delivery metrics on the process registry (GET /metrics). Queue depth and oldest pending age are
 * read from the outbox table when scraped, so they are right whichever process enqueued.
 * The `destination` label is the destination id (stable across renames, bounded by configuration).
 */
export function createNotifyMetrics(registry: Registry, deps: { store: Store; now?: () => number }): NotifyMetrics {
  const now = deps.now ?? Date.now;
  // One outbox query serves both gauges of a scrape.
  let stats: ReturnType<Store['pendingStats']> | undefined;
  const pending = () => {
    stats ??= deps.store.pendingStats().finally(() => {
      stats = undefined;
    });
    return stats;
  };
  new Gauge({
    name: 'vigil_delivery_queue_depth',
    help: 'Deliveries pending (not yet delivered or failed), by destination',
    labelNames: ['destination'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await pending().catch(() => [])) this.set({ destination: s.destinationId }, s.pending);
    },
  });
  new Gauge({
    name: 'vigil_delivery_oldest_pending_seconds',
    help: 'Age of the oldest pending delivery, by destination',
    labelNames: ['destination'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await pending().catch(() => [])) {
        this.set({ destination: s.destinationId }, Math.max(0, (now() - Date.parse(s.oldestCreatedAt)) / 1000));
      }
    },
  });
  return {
    deliveries: new Counter({
      name: 'vigil_deliveries_total',
      help: 'Delivery attempts to SIEM destinations, by destination and outcome (delivered, retry, failed)',
      labelNames: ['destination', 'outcome'],
      registers: [registry],
    }),
  };
}

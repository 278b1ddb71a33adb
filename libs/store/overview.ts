import type { Severity } from '../contracts/index.js';
import type { DbReader } from './db-reader.js';
import { msToIso, toChTime, toNumber } from './sql.js';

/**
 * Aggregates for the console's overview page (GET /v1/overview): alerts over time by detector, the
 * principals with most alerts, ingest volume and delivery counts. Reads only, bound parameters only.
 */

export interface OverviewWindow {
  fromMs: number;
  toMs: number;
  bucketSeconds: number;
}

export interface DeliveryCounts {
  destinationId: string;
  /** Pending now, whenever created. */
  pending: number;
  /** Given up (needing a retry) now, whenever created. */
  failed: number;
  /** Delivered with the last change inside the window. */
  delivered: number;
  /** ISO: creation of the oldest pending delivery; null when none is pending. */
  oldestPendingAt: string | null;
}

export interface OverviewStore {
  /** Alerts by first_seen bucket and detector; zeros filled for each detector seen in the window. */
  alertsOverTime(w: OverviewWindow): Promise<{ t: string; detector: string; count: number }[]>;
  /** Principals with most alerts active in the window (first_seen < to, last_seen >= from), at most `limit`. */
  topPrincipals(w: OverviewWindow, limit: number): Promise<{ principal: string; alerts: number; maxSeverity: Severity }[]>;
  /** Stored events per minute (average over each bucket), by event time; every bucket present. */
  eventsPerMinute(w: OverviewWindow): Promise<{ t: string; events: number }[]>;
  /** Event time of the newest stored event, or null when there is none. */
  lastEventAt(): Promise<string | null>;
  deliveryCounts(w: OverviewWindow): Promise<DeliveryCounts[]>;
}

const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

function bucketStarts(w: OverviewWindow): number[] {
  const b = w.bucketSeconds * 1000;
  const out: number[] = [];
  for (let t = Math.floor(w.fromMs / b) * b; t < w.toMs; t += b) out.push(t);
  return out;
}

const bucketOf = (column: string): string =>
  `toUnixTimestamp64Milli(toDateTime64(toStartOfInterval(${column}, toIntervalSecond({bucket:UInt32})), 3, 'UTC'))`;

export function createOverviewStore(reader: DbReader): OverviewStore {
  const params = (w: OverviewWindow) => ({ from: toChTime(w.fromMs), to: toChTime(w.toMs), bucket: w.bucketSeconds });
  return {
    async alertsOverTime(w) {
      const rows = await reader.query<{ t_ms: number | string; detector: string; n: number | string }>(
        `SELECT ${bucketOf('first_seen')} AS t_ms, detector, count() AS n FROM {db}.alerts FINAL
         WHERE first_seen >= {from:DateTime64(3, 'UTC')} AND first_seen < {to:DateTime64(3, 'UTC')}
         GROUP BY t_ms, detector`,
        params(w),
      );
      const counts = new Map(rows.map((r) => [`${toNumber(r.t_ms)}\u0000${r.detector}`, toNumber(r.n)]));
      const detectors = [...new Set(rows.map((r) => r.detector))].sort();
      return bucketStarts(w).flatMap((t) =>
        detectors.map((detector) => ({ t: msToIso(t), detector, count: counts.get(`${t}\u0000${detector}`) ?? 0 })),
      );
    },

    async topPrincipals(w, limit) {
      const rows = await reader.query<{ principal: string; n: number | string; sev: number | string }>(
        `SELECT principal, count() AS n, max(indexOf(['low', 'medium', 'high', 'critical'], severity)) AS sev
         FROM {db}.alerts FINAL
         WHERE first_seen < {to:DateTime64(3, 'UTC')} AND last_seen >= {from:DateTime64(3, 'UTC')}
         GROUP BY principal ORDER BY n DESC, sev DESC, principal LIMIT {limit:UInt32}`,
        { ...params(w), limit },
      );
      return rows.map((r) => ({ principal: r.principal, alerts: toNumber(r.n), maxSeverity: SEVERITIES[Math.max(0, toNumber(r.sev) - 1)] ?? 'low' }));
    },

    async eventsPerMinute(w) {
      // No FINAL: a replay not yet merged may count twice here, which a volume chart tolerates
      // better than FINAL's cost over every event of the window.
      const rows = await reader.query<{ t_ms: number | string; n: number | string }>(
        `SELECT ${bucketOf('ts')} AS t_ms, count() AS n FROM {db}.events
         WHERE ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')} GROUP BY t_ms`,
        params(w),
      );
      const counts = new Map(rows.map((r) => [toNumber(r.t_ms), toNumber(r.n)]));
      const perMinute = w.bucketSeconds / 60;
      return bucketStarts(w).map((t) => ({ t: msToIso(t), events: (counts.get(t) ?? 0) / perMinute }));
    },

    async lastEventAt() {
      const [row] = await reader.query<{ n: number | string; last_ms: number | string }>(
        'SELECT count() AS n, toUnixTimestamp64Milli(max(ts)) AS last_ms FROM {db}.events',
      );
      return row === undefined || toNumber(row.n) === 0 ? null : msToIso(row.last_ms);
    },

    async deliveryCounts(w) {
      const rows = await reader.query<{ destination_id: string; pending: number | string; failed: number | string; delivered: number | string; oldest_ms: number | string }>(
        `SELECT destination_id, countIf(status = 'pending') AS pending, countIf(status = 'failed') AS failed,
           countIf(status = 'delivered' AND updated_at >= {from:DateTime64(3, 'UTC')} AND updated_at < {to:DateTime64(3, 'UTC')}) AS delivered,
           toUnixTimestamp64Milli(minIf(created_at, status = 'pending')) AS oldest_ms
         FROM {db}.deliveries FINAL GROUP BY destination_id ORDER BY destination_id`,
        params(w),
      );
      return rows.map((r) => ({
        destinationId: r.destination_id,
        pending: toNumber(r.pending),
        failed: toNumber(r.failed),
        delivered: toNumber(r.delivered),
        oldestPendingAt: toNumber(r.pending) === 0 ? null : msToIso(r.oldest_ms),
      }));
    },
  };
}

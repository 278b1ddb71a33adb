import { createHash } from 'node:crypto';
import { AlertSchema, DeliverySchema, type Alert, type Delivery, type DeliveryStatus } from '../contracts/index.js';
import { ALERT_COLUMNS, fromAlertRow, type AlertRow } from './alerts.js';
import type { DbReader } from './db-reader.js';
import type { Db, Params } from './db.js';
import { isoToChTime, msToIso, toNumber } from './sql.js';

/** An outbox row as the worker sees it: the public delivery plus its state revision and payload. */
export interface OutboxDelivery extends Delivery {
  /** ReplacingMergeTree version of this row; each state change writes rev + 1. */
  rev: number;
  /** The alert version as it was enqueued. */
  alert: Alert;
}

/** What was last enqueued for one alert and destination: the significance rule compares with it. */
export interface LastEnqueued {
  version: number;
  severity: string;
  status: string;
  count: number;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  destinationId?: string;
  alertId?: string;
  limit: number;
}

export interface PendingStats {
  destinationId: string;
  pending: number;
  /** ISO 8601: creation time of the oldest pending delivery. */
  oldestCreatedAt: string;
}

export interface DeliveryStore {
  /**
   * Writes a pending delivery per (destination, alert version) unless one already exists, so
   * enqueueing the same alert version again changes nothing. Returns how many rows were written.
   */
  enqueueDeliveries(rows: readonly { destinationId: string; alert: Alert }[], at: string): Promise<number>;
  /** Latest enqueued version per destination and alert, keyed `lastEnqueuedKey(destinationId, alertId)`. */
  lastEnqueued(alertIds: readonly string[]): Promise<Map<string, LastEnqueued>>;
  /** Per destination, the newest `updatedAt` of the alert versions enqueued for it (ISO). */
  deliveryWatermarks(): Promise<Map<string, string>>;
  /** Latest versions of alerts changed at or after `since` (ISO, wall clock), oldest change first. */
  alertsUpdatedSince(since: string): Promise<Alert[]>;
  /**
   * Pending deliveries due at `now`, at most `limit`: only the lowest pending version of each alert
   * per destination is a candidate (ordering), and `exclude` (in flight) blocks its alert's later versions.
   */
  dueDeliveries(opts: { now: string; limit: number; exclude: readonly string[] }): Promise<OutboxDelivery[]>;
  /** Writes a new state of a delivery; the caller sets `rev` one above the row it read. */
  saveDelivery(d: OutboxDelivery): Promise<void>;
  getDelivery(id: string): Promise<OutboxDelivery | undefined>;
  /** Newest change first. */
  listDeliveries(filter: DeliveryFilter): Promise<Delivery[]>;
  pendingStats(): Promise<PendingStats[]>;
}

/** Deterministic, so re-enqueueing one alert version for one destination is idempotent. */
export function deliveryId(destinationId: string, alertId: string, alertVersion: number): string {
  return `dlv_${createHash('sha256').update(`${destinationId}\u0000${alertId}\u0000${alertVersion}`).digest('hex').slice(0, 24)}`;
}

export const lastEnqueuedKey = (destinationId: string, alertId: string): string => `${destinationId}\u0000${alertId}`;

const COLUMNS = `id, rev, destination_id, alert_id, alert_version, payload, status, attempts, last_error, last_status,
  toUnixTimestamp64Milli(next_attempt_at) AS next_attempt_at_ms,
  toUnixTimestamp64Milli(created_at) AS created_at_ms, toUnixTimestamp64Milli(updated_at) AS updated_at_ms`;

interface Row {
  id: string;
  rev: number | string;
  destination_id: string;
  alert_id: string;
  alert_version: number | string;
  payload: string;
  status: string;
  attempts: number | string;
  last_error: string | null;
  last_status: number | string | null;
  next_attempt_at_ms: number | string;
  created_at_ms: number | string;
  updated_at_ms: number | string;
}

function fromRow(r: Row): OutboxDelivery {
  const alertId = r.alert_id;
  const version = toNumber(r.alert_version);
  const pub = DeliverySchema.parse({
    id: r.id,
    destinationId: r.destination_id,
    alertId,
    alertVersion: version,
    idempotencyKey: `${alertId}:${version}`,
    status: r.status,
    attempts: toNumber(r.attempts),
    ...(r.status === 'pending' ? { nextAttemptAt: msToIso(r.next_attempt_at_ms) } : {}),
    ...(r.last_error === null ? {} : { lastError: r.last_error }),
    ...(r.last_status === null ? {} : { lastStatus: toNumber(r.last_status) }),
    createdAt: msToIso(r.created_at_ms),
    updatedAt: msToIso(r.updated_at_ms),
  });
  return { ...pub, rev: toNumber(r.rev), alert: AlertSchema.parse(JSON.parse(r.payload)) };
}

/** Only the public fields: the payload stays inside the process. */
function toPublic(d: OutboxDelivery): Delivery {
  const { rev: _rev, alert: _alert, ...pub } = d;
  return pub;
}

function toRow(d: OutboxDelivery): Record<string, unknown> {
  return {
    id: d.id,
    rev: d.rev,
    destination_id: d.destinationId,
    alert_id: d.alertId,
    alert_version: d.alertVersion,
    alert_severity: d.alert.severity,
    alert_status: d.alert.status,
    alert_count: d.alert.count,
    alert_updated_at: isoToChTime(d.alert.updatedAt),
    payload: JSON.stringify(d.alert),
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: isoToChTime(d.nextAttemptAt ?? d.updatedAt),
    last_error: d.lastError ?? null,
    last_status: d.lastStatus ?? null,
    created_at: isoToChTime(d.createdAt),
    updated_at: isoToChTime(d.updatedAt),
  };
}

export function createDeliveryStore(db: Db, reader: DbReader): DeliveryStore {
  return {
    async enqueueDeliveries(rows, at) {
      if (rows.length === 0) return 0;
      const fresh = rows.map(({ destinationId, alert }) => ({ id: deliveryId(destinationId, alert.id, alert.version), destinationId, alert }));
      // The key columns narrow the scan to the granules of these destinations and alerts.
      const existing = await db.query<{ id: string }>(
        `SELECT DISTINCT id FROM {db}.deliveries
         WHERE destination_id IN {dests:Array(String)} AND alert_id IN {alerts:Array(String)} AND id IN {ids:Array(String)}`,
        { dests: [...new Set(fresh.map((r) => r.destinationId))], alerts: [...new Set(fresh.map((r) => r.alert.id))], ids: fresh.map((r) => r.id) },
      );
      const seen = new Set(existing.map((r) => r.id));
      const out: Record<string, unknown>[] = [];
      for (const r of fresh) {
        if (seen.has(r.id)) continue;
        seen.add(r.id);
        out.push(
          toRow({
            id: r.id,
            rev: 1,
            destinationId: r.destinationId,
            alertId: r.alert.id,
            alertVersion: r.alert.version,
            idempotencyKey: `${r.alert.id}:${r.alert.version}`,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: at,
            createdAt: at,
            updatedAt: at,
            alert: r.alert,
          }),
        );
      }
      await db.insert('deliveries', out);
      return out.length;
    },

    async lastEnqueued(alertIds) {
      const out = new Map<string, LastEnqueued>();
      if (alertIds.length === 0) return out;
      const rows = await reader.query<{ destination_id: string; alert_id: string; v: number | string; severity: string; status: string; count: number | string }>(
        `SELECT destination_id, alert_id, max(alert_version) AS v, argMax(alert_severity, alert_version) AS severity,
           argMax(alert_status, alert_version) AS status, argMax(alert_count, alert_version) AS count
         FROM {db}.deliveries WHERE alert_id IN {ids:Array(String)} GROUP BY destination_id, alert_id`,
        { ids: [...new Set(alertIds)] },
      );
      for (const r of rows) {
        out.set(lastEnqueuedKey(r.destination_id, r.alert_id), { version: toNumber(r.v), severity: r.severity, status: r.status, count: toNumber(r.count) });
      }
      return out;
    },

    async deliveryWatermarks() {
      const rows = await reader.query<{ destination_id: string; ms: number | string }>(
        'SELECT destination_id, toUnixTimestamp64Milli(max(alert_updated_at)) AS ms FROM {db}.deliveries GROUP BY destination_id',
      );
      return new Map(rows.map((r) => [r.destination_id, msToIso(r.ms)]));
    },

    async alertsUpdatedSince(since) {
      const rows = await reader.query<AlertRow>(
        `SELECT ${ALERT_COLUMNS} FROM {db}.alerts FINAL WHERE updated_at >= {since:DateTime64(3, 'UTC')} ORDER BY updated_at, id`,
        { since: isoToChTime(since) },
      );
      return rows.map(fromAlertRow);
    },

    async dueDeliveries({ now, limit, exclude }) {
      // NOTE: LIMIT 1 BY runs before the due/exclude filter on purpose: an alert's lowest pending
      // version that is not due yet (or in flight) must hold back its later versions.
      const rows = await reader.query<Row>(
        `SELECT ${COLUMNS} FROM (
           SELECT * FROM {db}.deliveries FINAL WHERE status = 'pending'
           ORDER BY destination_id, alert_id, alert_version
           LIMIT 1 BY destination_id, alert_id
         )
         WHERE next_attempt_at <= {now:DateTime64(3, 'UTC')} AND id NOT IN {exclude:Array(String)}
         ORDER BY next_attempt_at, created_at, id LIMIT {limit:UInt32}`,
        { now: isoToChTime(now), exclude: [...exclude], limit },
      );
      return rows.map(fromRow);
    },

    async saveDelivery(d) {
      await db.insert('deliveries', [toRow(d)]);
    },

    async getDelivery(id) {
      const rows = await reader.query<Row>(`SELECT ${COLUMNS} FROM {db}.deliveries FINAL WHERE id = {id:String}`, { id });
      return rows[0] === undefined ? undefined : fromRow(rows[0]);
    },

    async listDeliveries(filter) {
      const conds: string[] = [];
      const params: Params = { limit: Math.min(Math.max(Math.trunc(filter.limit), 1), 1000) };
      if (filter.status !== undefined) {
        conds.push('status = {status:String}');
        params.status = filter.status;
      }
      if (filter.destinationId !== undefined) {
        conds.push('destination_id = {destination:String}');
        params.destination = filter.destinationId;
      }
      if (filter.alertId !== undefined) {
        conds.push('alert_id = {alert:String}');
        params.alert = filter.alertId;
      }
      const where = conds.length === 0 ? '' : `WHERE ${conds.join(' AND ')}`;
      const rows = await reader.query<Row>(`SELECT ${COLUMNS} FROM {db}.deliveries FINAL ${where} ORDER BY updated_at DESC, id LIMIT {limit:UInt32}`, params);
      return rows.map((r) => toPublic(fromRow(r)));
    },

    async pendingStats() {
      const rows = await reader.query<{ destination_id: string; n: number | string; oldest_ms: number | string }>(
        `SELECT destination_id, count() AS n, toUnixTimestamp64Milli(min(created_at)) AS oldest_ms
         FROM {db}.deliveries FINAL WHERE status = 'pending' GROUP BY destination_id ORDER BY destination_id`,
      );
      return rows.map((r) => ({ destinationId: r.destination_id, pending: toNumber(r.n), oldestCreatedAt: msToIso(r.oldest_ms) }));
    },
  };
}

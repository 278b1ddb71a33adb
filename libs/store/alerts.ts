import { AlertSchema, type Alert, type AlertFilter, type AlertSort } from '../contracts/index.js';
import { VigilError } from '../errors/index.js';
import type { DbReader } from './db-reader.js';
import type { Db, Params } from './db.js';
import { isoToChTime, msToIso, toChTime, toNumber } from './sql.js';
import type { AlertPage, Store } from './types.js';

/** Columns and row mapping of `alerts`, shared with the outbox's reconcile query (deliveries.ts). */
export const ALERT_COLUMNS = `id, version, detector, owasp, severity, principal, app, route, source_ips,
  toUnixTimestamp64Milli(first_seen) AS first_seen_ms, toUnixTimestamp64Milli(last_seen) AS last_seen_ms,
  count, status, summary, evidence, confidence, sample_event_ids, note, toUnixTimestamp64Milli(updated_at) AS updated_at_ms`;

export interface AlertRow {
  id: string;
  version: number | string;
  detector: string;
  owasp: string;
  severity: string;
  principal: string;
  app: string | null;
  route: string;
  source_ips: string[];
  first_seen_ms: number | string;
  last_seen_ms: number | string;
  count: number | string;
  status: string;
  summary: string;
  evidence: string;
  confidence: number | string;
  sample_event_ids: string[];
  note: string | null;
  updated_at_ms: number | string;
}

function toAlertRow(a: Alert): Record<string, unknown> {
  return {
    id: a.id,
    version: a.version,
    detector: a.detector,
    owasp: a.owasp,
    severity: a.severity,
    principal: a.principal,
    app: a.app ?? null,
    route: a.route,
    source_ips: a.sourceIps,
    first_seen: isoToChTime(a.firstSeen),
    last_seen: isoToChTime(a.lastSeen),
    count: a.count,
    status: a.status,
    summary: a.summary,
    evidence: JSON.stringify(a.evidence),
    confidence: a.confidence,
    sample_event_ids: a.sampleEventIds,
    note: a.note ?? null,
    updated_at: isoToChTime(a.updatedAt),
  };
}

/** Parsed through the contract schema, so a row that drifted from it fails loudly here. */
export function fromAlertRow(r: AlertRow): Alert {
  return AlertSchema.parse({
    id: r.id,
    detector: r.detector,
    owasp: r.owasp,
    severity: r.severity,
    principal: r.principal,
    ...(r.app === null ? {} : { app: r.app }),
    route: r.route,
    sourceIps: r.source_ips,
    firstSeen: msToIso(r.first_seen_ms),
    lastSeen: msToIso(r.last_seen_ms),
    count: toNumber(r.count),
    status: r.status,
    summary: r.summary,
    evidence: JSON.parse(r.evidence) as unknown,
    confidence: toNumber(r.confidence),
    sampleEventIds: r.sample_event_ids,
    ...(r.note === null ? {} : { note: r.note }),
    version: toNumber(r.version),
    updatedAt: msToIso(r.updated_at_ms),
  });
}

/**
 * Keyset cursor: the sort key of the last row shown. Opaque to clients (base64url JSON). `v` is the
 * value of a non-default sort key (severity rank or count), `s`/`o` the sort it belongs to, so a
 * cursor cannot be replayed against another order.
 */
interface Cursor {
  lastSeen: number;
  id: string;
  v?: number;
  s?: AlertSort;
  o?: 'asc' | 'desc';
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

export function decodeCursor(s: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (typeof v === 'object' && v !== null && 'lastSeen' in v && 'id' in v) {
      const { lastSeen, id } = v;
      const extra = v as { v?: unknown; s?: unknown; o?: unknown };
      const okExtra =
        (extra.v === undefined || (typeof extra.v === 'number' && Number.isInteger(extra.v))) &&
        (extra.s === undefined || extra.s === 'lastSeen' || extra.s === 'severity' || extra.s === 'count') &&
        (extra.o === undefined || extra.o === 'asc' || extra.o === 'desc');
      if (typeof lastSeen === 'number' && Number.isInteger(lastSeen) && typeof id === 'string' && okExtra) {
        return { lastSeen, id, ...(extra as Pick<Cursor, 'v' | 's' | 'o'>) };
      }
    }
  } catch {
    // falls through to the error below
  }
  throw new VigilError('bad_request', 'invalid cursor', { publicMessage: 'invalid cursor' });
}

/** The SQL of a non-default sort key; constants of this file, never input. */
const SORT_SQL: Record<Exclude<AlertSort, 'lastSeen'>, string> = {
  severity: "indexOf(['low', 'medium', 'high', 'critical'], severity)",
  count: 'count',
};

/** ORDER BY and the keyset tuple for a filter's sort and order (default: lastSeen desc). */
function orderFor(filter: AlertFilter): { sort: AlertSort; order: 'asc' | 'desc'; keys: string[] } {
  const sort = filter.sort ?? 'lastSeen';
  const order = filter.order ?? 'desc';
  const keys = sort === 'lastSeen' ? ['last_seen', 'id'] : [SORT_SQL[sort], 'last_seen', 'id'];
  return { sort, order, keys };
}

function parseTime(iso: string, field: string): string {
  try {
    return isoToChTime(iso);
  } catch (err) {
    throw new VigilError('bad_request', `invalid ${field}: ${iso}`, { cause: err, publicMessage: `invalid ${field}` });
  }
}

/**
 * Builds the WHERE clause from fixed fragments; each value is a bound parameter.
 * Time window is half-open on last_seen: since <= last_seen < until.
 */
function whereFor(filter: AlertFilter): { where: string; params: Params } {
  const conds: string[] = [];
  const params: Params = {};
  // Column names here are constants of this file, never input.
  const equals = (column: 'status' | 'severity' | 'detector' | 'principal'): void => {
    const value = filter[column];
    if (value === undefined) return;
    conds.push(`${column} = {${column}:String}`);
    params[column] = value;
  };
  equals('status');
  equals('severity');
  equals('detector');
  equals('principal');
  if (filter.since !== undefined) {
    conds.push("last_seen >= {since:DateTime64(3, 'UTC')}");
    params.since = parseTime(filter.since, 'since');
  }
  if (filter.until !== undefined) {
    conds.push("last_seen < {until:DateTime64(3, 'UTC')}");
    params.until = parseTime(filter.until, 'until');
  }
  if (filter.owasp !== undefined) {
    conds.push('owasp = {owasp:String}');
    params.owasp = filter.owasp;
  }
  if (filter.cursor !== undefined) {
    const c = decodeCursor(filter.cursor);
    const { sort, order, keys } = orderFor(filter);
    if ((c.s ?? 'lastSeen') !== sort || (c.o ?? 'desc') !== order || (sort !== 'lastSeen') !== (c.v !== undefined)) {
      throw new VigilError('bad_request', 'cursor of another sort', { publicMessage: 'invalid cursor: it belongs to another sort or order' });
    }
    const bound = ["{cursor_last_seen:DateTime64(3, 'UTC')}", '{cursor_id:String}'];
    if (sort !== 'lastSeen') {
      bound.unshift('{cursor_value:Int64}');
      params.cursor_value = c.v ?? 0;
    }
    conds.push(`(${keys.join(', ')}) ${order === 'desc' ? '<' : '>'} (${bound.join(', ')})`);
    params.cursor_last_seen = toChTime(c.lastSeen);
    params.cursor_id = c.id;
  }
  return { where: conds.length === 0 ? '' : `WHERE ${conds.join(' AND ')}`, params };
}

export function createAlertStore(
  db: Db,
  reader: DbReader,
): Pick<Store, 'upsertAlerts' | 'getAlert' | 'listAlerts' | 'loadActiveAlerts'> {
  // NOTE: WHERE on non-key columns after FINAL is correct here: ClickHouse does not move such
  // filters to PREWHERE under FINAL (optimize_move_to_prewhere_if_final = 0), so an old version
  // cannot match a filter the newest version fails. The integration tests pin this down.
  return {
    async upsertAlerts(alerts) {
      await db.insert('alerts', alerts.map(toAlertRow));
    },

    async getAlert(id) {
      const rows = await reader.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM {db}.alerts FINAL WHERE id = {id:String}`, { id });
      return rows[0] === undefined ? undefined : fromAlertRow(rows[0]);
    },

    async listAlerts(filter): Promise<AlertPage> {
      const limit = Math.min(Math.max(Math.trunc(filter.limit), 1), 1000);
      const { where, params } = whereFor(filter);
      const { sort, order, keys } = orderFor(filter);
      const dir = order === 'desc' ? 'DESC' : 'ASC';
      // One row more than asked tells whether another page exists without a count query.
      const rows = await reader.query<AlertRow & { sort_value?: number | string }>(
        `SELECT ${ALERT_COLUMNS}${sort === 'lastSeen' ? '' : `, toInt64(${keys[0] ?? ''}) AS sort_value`} FROM {db}.alerts FINAL ${where}
         ORDER BY ${keys.map((k) => `${k} ${dir}`).join(', ')} LIMIT {limit:UInt32}`,
        { ...params, limit: limit + 1 },
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      // The default sort keeps the original cursor shape, so cursors handed out before stay valid.
      const extra = sort === 'lastSeen' && order === 'desc' ? {} : { s: sort, o: order, ...(last?.sort_value === undefined ? {} : { v: toNumber(last.sort_value) }) };
      return {
        alerts: page.map(fromAlertRow),
        ...(rows.length > limit && last !== undefined
          ? { nextCursor: encodeCursor({ lastSeen: toNumber(last.last_seen_ms), id: last.id, ...extra }) }
          : {}),
      };
    },

    async loadActiveAlerts() {
      const rows = await reader.query<AlertRow>(
        `SELECT ${ALERT_COLUMNS} FROM {db}.alerts FINAL
         WHERE status IN ('open', 'acknowledged') ORDER BY last_seen, id`,
      );
      return rows.map(fromAlertRow);
    },
  };
}

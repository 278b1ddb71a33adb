import { AuditRecordSchema, type AuditRecord } from '../contracts/audit.js';
import { VigilError } from '../errors/index.js';
import type { DbReader } from './db-reader.js';
import type { Db, Params } from './db.js';
import { isoToChTime, msToIso, toNumber } from './sql.js';
import type { Store } from './types.js';

interface AuditRow {
  time_ms: number | string;
  request_id: string;
  action: string;
  actor: string;
  role: string;
  auth_method: string;
  method: string;
  route: string;
  params: string;
  query: string;
  status: number | string;
  outcome: string;
  source_ip: string;
  target: string;
  detail: string;
}

const COLUMNS = `toUnixTimestamp64Milli(time) AS time_ms, request_id, action, actor, role, auth_method, method, route,
  params, query, status, outcome, source_ip, target, detail`;

function fromRow(r: AuditRow): AuditRecord {
  return AuditRecordSchema.parse({
    time: msToIso(r.time_ms),
    requestId: r.request_id,
    action: r.action,
    actor: r.actor,
    role: r.role,
    authMethod: r.auth_method,
    method: r.method,
    route: r.route,
    params: JSON.parse(r.params) as unknown,
    query: JSON.parse(r.query) as unknown,
    status: toNumber(r.status),
    outcome: r.outcome,
    sourceIp: r.source_ip,
    target: r.target,
    detail: r.detail,
  });
}

function toRow(r: AuditRecord): Record<string, unknown> {
  return {
    time: isoToChTime(r.time),
    request_id: r.requestId,
    action: r.action,
    actor: r.actor,
    role: r.role,
    auth_method: r.authMethod,
    method: r.method,
    route: r.route,
    params: JSON.stringify(r.params),
    query: JSON.stringify(r.query),
    status: r.status,
    outcome: r.outcome,
    source_ip: r.sourceIp,
    target: r.target,
    detail: r.detail,
  };
}

/** Position after the last row of a page: rows sort by (time, request_id, action), newest first. */
type Cursor = [number, string, string];

function encodeCursor(r: AuditRecord): string {
  return Buffer.from(JSON.stringify([Date.parse(r.time), r.requestId, r.action] satisfies Cursor)).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'number' && typeof v[1] === 'string' && typeof v[2] === 'string') {
      return [v[0], v[1], v[2]];
    }
  } catch {
    // Falls through to the error below.
  }
  throw new VigilError('bad_request', 'bad audit cursor', { publicMessage: 'cursor: not a cursor from a previous page' });
}

export function createAuditStore(db: Db, reader: DbReader): Pick<Store, 'insertAuditRecords' | 'listAuditRecords'> {
  return {
    async insertAuditRecords(rows) {
      await db.insert('audit_log', rows.map(toRow));
    },

    async listAuditRecords(filter) {
      const where: string[] = [];
      const params: Params = { limit: filter.limit + 1 };
      if (filter.since !== undefined) {
        where.push("time >= {since:DateTime64(3, 'UTC')}");
        params.since = isoToChTime(filter.since);
      }
      if (filter.until !== undefined) {
        where.push("time < {until:DateTime64(3, 'UTC')}");
        params.until = isoToChTime(filter.until);
      }
      for (const [field, column] of [['actor', 'actor'], ['route', 'route'], ['action', 'action'], ['outcome', 'outcome']] as const) {
        const value = filter[field];
        if (value === undefined) continue;
        where.push(`${column} = {${field}:String}`);
        params[field] = value;
      }
      if (filter.cursor !== undefined) {
        const [ms, requestId, action] = decodeCursor(filter.cursor);
        where.push("(time, request_id, action) < ({c_time:DateTime64(3, 'UTC')}, {c_req:String}, {c_action:String})");
        Object.assign(params, { c_time: isoToChTime(new Date(ms).toISOString()), c_req: requestId, c_action: action });
      }
      const rows = await reader.query<AuditRow>(
        `SELECT ${COLUMNS} FROM {db}.audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY time DESC, request_id DESC, action DESC LIMIT {limit:UInt32}`,
        params,
      );
      const records = rows.slice(0, filter.limit).map(fromRow);
      const last = records[records.length - 1];
      return rows.length > filter.limit && last !== undefined ? { records, nextCursor: encodeCursor(last) } : { records };
    },
  };
}

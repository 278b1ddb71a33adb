import { SuppressionSchema, type Suppression } from '../contracts/index.js';
import type { DbReader } from './db-reader.js';
import type { Db } from './db.js';
import { isoToChTime, msToIso, toNumber } from './sql.js';
import type { Store } from './types.js';

const COLUMNS = `id, version, principal, route, detector, reason, source, deleted,
  toUnixTimestamp64Milli(created_at) AS created_at_ms,
  if(isNull(expires_at), NULL, toUnixTimestamp64Milli(assumeNotNull(expires_at))) AS expires_at_ms`;

interface Row {
  id: string;
  version: number | string;
  principal: string | null;
  route: string | null;
  detector: string | null;
  reason: string;
  source: string;
  deleted: number | string;
  created_at_ms: number | string;
  expires_at_ms: number | string | null;
}

function fromRow(r: Row): Suppression {
  return SuppressionSchema.parse({
    id: r.id,
    ...(r.principal === null ? {} : { principal: r.principal }),
    ...(r.route === null ? {} : { route: r.route }),
    ...(r.detector === null ? {} : { detector: r.detector }),
    reason: r.reason,
    source: r.source,
    createdAt: msToIso(r.created_at_ms),
    ...(r.expires_at_ms === null ? {} : { expiresAt: msToIso(r.expires_at_ms) }),
  });
}

function toRow(s: Suppression, version: number, deleted: boolean): Record<string, unknown> {
  return {
    id: s.id,
    version,
    principal: s.principal ?? null,
    route: s.route ?? null,
    detector: s.detector ?? null,
    reason: s.reason,
    source: s.source,
    created_at: isoToChTime(s.createdAt),
    expires_at: s.expiresAt === undefined ? null : isoToChTime(s.expiresAt),
    deleted: deleted ? 1 : 0,
  };
}

export function createSuppressionStore(db: Db, reader: DbReader): Pick<Store, 'listSuppressions' | 'upsertSuppression' | 'deleteSuppression'> {
  return {
    async listSuppressions() {
      const rows = await reader.query<Row>(`SELECT ${COLUMNS} FROM {db}.suppressions FINAL WHERE deleted = 0 ORDER BY created_at, id`);
      return rows.map(fromRow);
    },

    async upsertSuppression(s) {
      const rows = await db.query<{ version: number | string }>(`SELECT max(version) AS version FROM {db}.suppressions WHERE id = {id:String}`, {
        id: s.id,
      });
      await db.insert('suppressions', [toRow(s, toNumber(rows[0]?.version ?? 0) + 1, false)]);
    },

    /** False when there is no live rule with this id. */
    async deleteSuppression(id) {
      const rows = await db.query<Row>(`SELECT ${COLUMNS} FROM {db}.suppressions FINAL WHERE id = {id:String} AND deleted = 0`, { id });
      const row = rows[0];
      if (row === undefined) return false;
      await db.insert('suppressions', [toRow(fromRow(row), toNumber(row.version) + 1, true)]);
      return true;
    },
  };
}

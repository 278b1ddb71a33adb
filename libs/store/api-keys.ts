import { ApiKeyRecordSchema, type ApiKeyRecord } from '../contracts/index.js';
import type { Db } from './db.js';
import { isoToChTime, msToIso, toNumber } from './sql.js';
import type { Store } from './types.js';

const KEY_COLUMNS = `id, version, prefix, hash, role, label, toUnixTimestamp64Milli(created_at) AS created_at_ms,
  if(isNull(revoked_at), NULL, toUnixTimestamp64Milli(assumeNotNull(revoked_at))) AS revoked_at_ms`;

interface KeyRow {
  id: string;
  version: number | string;
  prefix: string;
  hash: string;
  role: string;
  label: string | null;
  created_at_ms: number | string;
  revoked_at_ms: number | string | null;
}

function fromRow(r: KeyRow): ApiKeyRecord {
  return ApiKeyRecordSchema.parse({
    id: r.id,
    prefix: r.prefix,
    hash: r.hash,
    role: r.role,
    createdAt: msToIso(r.created_at_ms),
    ...(r.revoked_at_ms === null ? {} : { revokedAt: msToIso(r.revoked_at_ms) }),
    ...(r.label === null ? {} : { label: r.label }),
  });
}

function toRow(rec: ApiKeyRecord, version: number): Record<string, unknown> {
  return {
    id: rec.id,
    version,
    prefix: rec.prefix,
    hash: rec.hash,
    role: rec.role,
    label: rec.label ?? null,
    created_at: isoToChTime(rec.createdAt),
    revoked_at: rec.revokedAt === undefined ? null : isoToChTime(rec.revokedAt),
  };
}

export function createApiKeyStore(
  db: Db,
): Pick<Store, 'createApiKey' | 'listApiKeys' | 'findApiKeyByHash' | 'revokeApiKey'> {
  async function current(id: string): Promise<{ rec: ApiKeyRecord; version: number } | undefined> {
    const rows = await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM {db}.api_keys FINAL WHERE id = {id:String}`, { id });
    const row = rows[0];
    return row === undefined ? undefined : { rec: fromRow(row), version: toNumber(row.version) };
  }

  return {
    async createApiKey(rec) {
      await db.insert('api_keys', [toRow(rec, 1)]);
    },

    async listApiKeys() {
      const rows = await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM {db}.api_keys FINAL ORDER BY created_at, id`);
      return rows.map(fromRow);
    },

    /** Revoked keys are not found: authentication needs no second check. */
    async findApiKeyByHash(hash) {
      const rows = await db.query<KeyRow>(
        `SELECT ${KEY_COLUMNS} FROM {db}.api_keys FINAL WHERE hash = {hash:String} AND isNull(revoked_at) LIMIT 1`,
        { hash },
      );
      return rows[0] === undefined ? undefined : fromRow(rows[0]);
    },

    /** False when there is no such key or it was already revoked (the first revocation time stays). */
    async revokeApiKey(id, at) {
      const cur = await current(id);
      if (cur === undefined || cur.rec.revokedAt !== undefined) return false;
      await db.insert('api_keys', [toRow({ ...cur.rec, revokedAt: at }, cur.version + 1)]);
      return true;
    },
  };
}

import { ApiKeyRecordSchema, type ApiKeyRecord } from '../contracts/index.js';
import type { DbReader } from './db-reader.js';
import type { Db } from './db.js';
import { isoToChTime, msToIso, toNumber } from './sql.js';
import type { Store } from './types.js';

const nullableMs = (col: string): string =>
  `if(isNull(${col}), NULL, toUnixTimestamp64Milli(assumeNotNull(${col}))) AS ${col}_ms`;

const KEY_COLUMNS = `id, version, prefix, hash, role, label, toUnixTimestamp64Milli(created_at) AS created_at_ms,
  ${nullableMs('revoked_at')}, ${nullableMs('expires_at')}, replaced_by, rotated_from`;

/**
 * Keys with their last use; the usage table holds one (merging) row per key that was ever used.
 * NOTE: no `SETTINGS join_use_nulls = 1` here: this runs on the read-only connection, where
 * readonly = 1 refuses any setting change (error 164). An unmatched row has u.id = '' (the
 * default) instead, and key ids are never empty.
 */
const LIST_SQL = `SELECT k.*, if(u.id = '', NULL, u.last_used_ms) AS last_used_ms
  FROM (SELECT ${KEY_COLUMNS} FROM {db}.api_keys FINAL) AS k
  LEFT JOIN (SELECT id, toUnixTimestamp64Milli(max(last_used_at)) AS last_used_ms FROM {db}.api_key_usage GROUP BY id) AS u
  ON k.id = u.id
  ORDER BY k.created_at_ms, k.id`;

interface KeyRow {
  id: string;
  version: number | string;
  prefix: string;
  hash: string;
  role: string;
  label: string | null;
  created_at_ms: number | string;
  revoked_at_ms: number | string | null;
  expires_at_ms: number | string | null;
  replaced_by: string | null;
  rotated_from: string | null;
  last_used_ms?: number | string | null;
}

const opt = <K extends string, V>(key: K, v: V | null | undefined): Partial<Record<K, V>> =>
  (v === null || v === undefined ? {} : { [key]: v }) as Partial<Record<K, V>>;

function fromRow(r: KeyRow): ApiKeyRecord {
  return ApiKeyRecordSchema.parse({
    id: r.id,
    prefix: r.prefix,
    hash: r.hash,
    role: r.role,
    createdAt: msToIso(r.created_at_ms),
    ...(r.revoked_at_ms === null ? {} : { revokedAt: msToIso(r.revoked_at_ms) }),
    ...opt('label', r.label),
    ...(r.expires_at_ms === null ? {} : { expiresAt: msToIso(r.expires_at_ms) }),
    ...opt('replacedBy', r.replaced_by),
    ...opt('rotatedFrom', r.rotated_from),
    ...(r.last_used_ms === null || r.last_used_ms === undefined ? {} : { lastUsedAt: msToIso(r.last_used_ms) }),
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
    expires_at: rec.expiresAt === undefined ? null : isoToChTime(rec.expiresAt),
    replaced_by: rec.replacedBy ?? null,
    rotated_from: rec.rotatedFrom ?? null,
  };
}

export function createApiKeyStore(
  db: Db,
  reader: DbReader,
): Pick<Store, 'createApiKey' | 'listApiKeys' | 'findApiKeyByHash' | 'revokeApiKey' | 'rotateApiKey' | 'recordApiKeyUse'> {
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
      const rows = await reader.query<KeyRow>(LIST_SQL);
      return rows.map(fromRow);
    },

    /**
     * Revoked keys are not found; expired ones are, so authentication can say "expired" (it checks
     * expiresAt itself).
     */
    async findApiKeyByHash(hash) {
      const rows = await reader.query<KeyRow>(
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

    async rotateApiKey(id, next, oldExpiresAt) {
      const cur = await current(id);
      if (cur === undefined || cur.rec.revokedAt !== undefined) return undefined;
      // An earlier expiry of the old key stays: a rotation never extends a key's life.
      const expiresAt =
        cur.rec.expiresAt !== undefined && Date.parse(cur.rec.expiresAt) < Date.parse(oldExpiresAt) ? cur.rec.expiresAt : oldExpiresAt;
      const old: ApiKeyRecord = { ...cur.rec, expiresAt, replacedBy: next.id };
      // NOTE: the new key first: if the second write fails the old key still works unchanged and
      // the caller sees an error, rather than an old key cut short with no replacement stored.
      await db.insert('api_keys', [toRow(next, 1)]);
      await db.insert('api_keys', [toRow(old, cur.version + 1)]);
      return old;
    },

    async recordApiKeyUse(uses) {
      await db.insert(
        'api_key_usage',
        uses.map((u) => ({ id: u.id, last_used_at: isoToChTime(u.at) })),
      );
    },
  };
}

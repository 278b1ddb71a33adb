import { DestinationSchema, type DestinationWithSecrets } from '../contracts/index.js';
import type { DbReader } from './db-reader.js';
import type { Db } from './db.js';
import { isoToChTime, msToIso, toNumber } from './sql.js';

/**
 * SIEM destinations (migration 0008). Rows carry the secret and token because the senders sign
 * with them; the API layer strips them (only `hasSecret` / `hasToken` leave the process).
 */
export interface DestinationStore {
  /** Live destinations, oldest first, with their secrets (in-process use only). */
  listDestinations(): Promise<DestinationWithSecrets[]>;
  getDestination(id: string): Promise<DestinationWithSecrets | undefined>;
  /** Creates or replaces the destination with this id (a new version). */
  putDestination(d: DestinationWithSecrets): Promise<void>;
  /** False when there is no live destination with this id. */
  deleteDestination(id: string): Promise<boolean>;
}

const COLUMNS = `id, version, name, type, url, secret, token, min_severity, detectors, has_detectors,
  allow_private_network, ca_pem, source, deleted,
  toUnixTimestamp64Milli(created_at) AS created_at_ms, toUnixTimestamp64Milli(updated_at) AS updated_at_ms`;

interface Row {
  id: string;
  version: number | string;
  name: string;
  type: string;
  url: string;
  secret: string | null;
  token: string | null;
  min_severity: string | null;
  detectors: string[];
  has_detectors: number | string;
  allow_private_network: number | string;
  ca_pem: string | null;
  source: string;
  deleted: number | string;
  created_at_ms: number | string;
  updated_at_ms: number | string;
}

/** The public part goes through the contract schema, so a drifted row fails loudly here. */
function fromRow(r: Row): DestinationWithSecrets {
  const pub = DestinationSchema.parse({
    id: r.id,
    name: r.name,
    type: r.type,
    url: r.url,
    ...(r.min_severity === null ? {} : { minSeverity: r.min_severity }),
    ...(toNumber(r.has_detectors) === 1 ? { detectors: r.detectors } : {}),
    allowPrivateNetwork: toNumber(r.allow_private_network) === 1,
    ...(r.ca_pem === null ? {} : { caPem: r.ca_pem }),
    hasSecret: r.secret !== null,
    hasToken: r.token !== null,
    source: r.source,
    createdAt: msToIso(r.created_at_ms),
    updatedAt: msToIso(r.updated_at_ms),
  });
  return { ...pub, ...(r.secret === null ? {} : { secret: r.secret }), ...(r.token === null ? {} : { token: r.token }) };
}

function toRow(d: DestinationWithSecrets, version: number, deleted: boolean): Record<string, unknown> {
  return {
    id: d.id,
    version,
    name: d.name,
    type: d.type,
    url: d.url,
    secret: d.secret ?? null,
    token: d.token ?? null,
    min_severity: d.minSeverity ?? null,
    detectors: d.detectors ?? [],
    has_detectors: d.detectors === undefined ? 0 : 1,
    allow_private_network: d.allowPrivateNetwork === true ? 1 : 0,
    ca_pem: d.caPem ?? null,
    source: d.source,
    created_at: isoToChTime(d.createdAt),
    updated_at: isoToChTime(d.updatedAt),
    deleted: deleted ? 1 : 0,
  };
}

export function createDestinationStore(db: Db, reader: DbReader): DestinationStore {
  // `via`: the reader for getDestination, the writer inside deleteDestination's read-modify-write.
  async function current(id: string, via: DbReader): Promise<{ d: DestinationWithSecrets; version: number } | undefined> {
    const rows = await via.query<Row>(`SELECT ${COLUMNS} FROM {db}.destinations FINAL WHERE id = {id:String} AND deleted = 0`, { id });
    const row = rows[0];
    return row === undefined ? undefined : { d: fromRow(row), version: toNumber(row.version) };
  }

  return {
    async listDestinations() {
      const rows = await reader.query<Row>(`SELECT ${COLUMNS} FROM {db}.destinations FINAL WHERE deleted = 0 ORDER BY created_at, id`);
      return rows.map(fromRow);
    },

    async getDestination(id) {
      return (await current(id, reader))?.d;
    },

    async putDestination(d) {
      // max over every row (deleted ones too), so re-creating a deleted id still wins.
      const rows = await db.query<{ version: number | string }>(`SELECT max(version) AS version FROM {db}.destinations WHERE id = {id:String}`, {
        id: d.id,
      });
      await db.insert('destinations', [toRow(d, toNumber(rows[0]?.version ?? 0) + 1, false)]);
    },

    async deleteDestination(id) {
      const cur = await current(id, db);
      if (cur === undefined) return false;
      await db.insert('destinations', [toRow(cur.d, cur.version + 1, true)]);
      return true;
    },
  };
}

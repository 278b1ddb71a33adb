import type { SpecKind, SpecSummary } from '../contracts/inventory.js';
import type { DbReader } from './db-reader.js';
import type { Db } from './db.js';
import { msToIso, toChTime, toNumber } from './sql.js';

/** A stored declared surface: its text and what parsing it said. */
export interface StoredSpec {
  summary: SpecSummary;
  body: string;
}

interface Row {
  service: string;
  version: number | string;
  kind: string;
  origin: string;
  title: string;
  spec_version: string;
  operations: number | string;
  deprecated_operations: number | string;
  body: string;
  updated_ms: number | string;
}

const COLUMNS = `service, version, kind, origin, title, spec_version, operations, deprecated_operations, body,
  toUnixTimestamp64Milli(updated_at) AS updated_ms`;

function fromRow(r: Row): StoredSpec {
  return {
    summary: {
      service: r.service,
      kind: r.kind as SpecKind,
      title: r.title,
      version: r.spec_version,
      operations: toNumber(r.operations),
      deprecatedOperations: toNumber(r.deprecated_operations),
      origin: r.origin === 'config' ? 'config' : 'api',
      updatedAt: msToIso(r.updated_ms),
    },
    body: r.body,
  };
}

export interface SpecStore {
  /** Stores (replaces) the spec of `summary.service`. */
  putSpec(s: StoredSpec): Promise<void>;
  /** Live specs, by service. */
  listSpecs(): Promise<StoredSpec[]>;
  /** Retires the spec of a service; false when it has none. `at`: ISO time of the deletion. */
  deleteSpec(service: string, at: string): Promise<boolean>;
}

export function createSpecStore(db: Db, reader: DbReader): SpecStore {
  async function nextVersion(service: string): Promise<number> {
    const rows = await db.query<{ v: number | string }>('SELECT max(version) AS v FROM {db}.api_specs WHERE service = {service:String}', { service });
    return toNumber(rows[0]?.v ?? 0) + 1;
  }
  const toRow = (s: StoredSpec, version: number, deleted: boolean) => ({
    service: s.summary.service, version, kind: s.summary.kind, origin: s.summary.origin, title: s.summary.title,
    spec_version: s.summary.version, operations: s.summary.operations, deprecated_operations: s.summary.deprecatedOperations,
    body: deleted ? '' : s.body, updated_at: toChTime(Date.parse(s.summary.updatedAt)), deleted: deleted ? 1 : 0,
  });

  return {
    async putSpec(s) {
      await db.insert('api_specs', [toRow(s, await nextVersion(s.summary.service), false)]);
    },

    async listSpecs() {
      const rows = await reader.query<Row>(`SELECT ${COLUMNS} FROM (SELECT * FROM {db}.api_specs FINAL) WHERE deleted = 0 ORDER BY service`);
      return rows.map(fromRow);
    },

    /** False when no live spec exists for the service. */
    async deleteSpec(service, at) {
      const rows = await db.query<Row>(`SELECT ${COLUMNS} FROM (SELECT * FROM {db}.api_specs FINAL) WHERE deleted = 0 AND service = {service:String}`, { service });
      const row = rows[0];
      if (!row) return false;
      const s = fromRow(row);
      await db.insert('api_specs', [toRow({ ...s, summary: { ...s.summary, updatedAt: at } }, toNumber(row.version) + 1, true)]);
      return true;
    },
  };
}

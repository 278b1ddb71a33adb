import { BaselineSnapshotSchema, type BaselineSnapshot } from '../baseline/index.js';
import type { DbReader } from './db-reader.js';
import type { Db } from './db.js';
import { toChTime, toNumber } from './sql.js';
import type { Store } from './types.js';

/** Rows per INSERT: chDB materialises the whole body as one SQL string. */
const INSERT_CHUNK = 10_000;

interface BaselineRow {
  detector: string;
  scope: string;
  key: string;
  version: number | string;
  first_ts_ms: number | string;
  last_ts_ms: number | string;
  events: number | string;
  state: string;
  kafka_partition: number | string;
}

const COLUMNS = `detector, scope, key, version, toUnixTimestamp64Milli(first_ts) AS first_ts_ms,
  toUnixTimestamp64Milli(last_ts) AS last_ts_ms, events, state, kafka_partition`;

function toRow(b: BaselineSnapshot): Record<string, unknown> {
  return {
    detector: b.detector,
    scope: b.scope,
    key: b.key,
    version: b.version,
    first_ts: toChTime(b.firstTs),
    last_ts: toChTime(b.lastTs),
    events: b.events,
    state: b.state,
    kafka_partition: b.partition ?? -1,
  };
}

/** Parsed through the schema, so a row that drifted from it fails loudly here. */
function fromRow(r: BaselineRow): BaselineSnapshot {
  const partition = toNumber(r.kafka_partition);
  return BaselineSnapshotSchema.parse({
    detector: r.detector,
    scope: r.scope,
    key: r.key,
    version: toNumber(r.version),
    firstTs: toNumber(r.first_ts_ms),
    lastTs: toNumber(r.last_ts_ms),
    events: toNumber(r.events),
    state: r.state,
    ...(partition >= 0 ? { partition } : {}),
  });
}

export function createBaselineStore(
  db: Db,
  reader: DbReader,
): Pick<Store, 'saveBaselines' | 'loadBaselines' | 'loadPartitionBaselines' | 'saveBaselinePositions' | 'loadBaselinePositions'> {
  return {
    async saveBaselines(rows) {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await db.insert('baselines', rows.slice(i, i + INSERT_CHUNK).map(toRow));
      }
    },

    async loadBaselines(detector) {
      const rows = await reader.query<BaselineRow>(
        `SELECT ${COLUMNS}
         FROM {db}.baselines FINAL
         ${detector === undefined ? '' : 'WHERE detector = {detector:String}'}
         ORDER BY detector, scope, last_ts, key`,
        detector === undefined ? {} : { detector },
      );
      return rows.map(fromRow);
    },

    async loadPartitionBaselines(partitions) {
      if (partitions.length === 0) return [];
      // NOTE: the partition filter applies to the merged (latest) rows, not before FINAL: a
      // principal's newest row decides where it lives.
      const rows = await reader.query<BaselineRow>(
        `SELECT * FROM (SELECT ${COLUMNS} FROM {db}.baselines FINAL WHERE scope = 'principal')
         WHERE kafka_partition IN {partitions:Array(Int32)}
         ORDER BY detector, scope, last_ts_ms, key`,
        { partitions: [...partitions] },
      );
      return rows.map(fromRow);
    },

    async saveBaselinePositions(positions) {
      if (positions.length === 0) return;
      await db.insert(
        'baseline_positions',
        positions.map((p) => ({ kafka_partition: p.partition, next_offset: p.nextOffset.toString(), version: p.version })),
      );
    },

    async loadBaselinePositions(partitions) {
      if (partitions.length === 0) return new Map();
      const rows = await reader.query<{ kafka_partition: number | string; next_offset: number | string }>(
        `SELECT kafka_partition, toString(next_offset) AS next_offset FROM {db}.baseline_positions FINAL
         WHERE kafka_partition IN {partitions:Array(Int32)}`,
        { partitions: [...partitions] },
      );
      return new Map(rows.map((r) => [toNumber(r.kafka_partition), BigInt(r.next_offset)]));
    },
  };
}

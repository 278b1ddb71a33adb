import { BaselineSnapshotSchema, type BaselineSnapshot } from '../baseline/index.js';
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
}

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
  };
}

/** Parsed through the schema, so a row that drifted from it fails loudly here. */
function fromRow(r: BaselineRow): BaselineSnapshot {
  return BaselineSnapshotSchema.parse({
    detector: r.detector,
    scope: r.scope,
    key: r.key,
    version: toNumber(r.version),
    firstTs: toNumber(r.first_ts_ms),
    lastTs: toNumber(r.last_ts_ms),
    events: toNumber(r.events),
    state: r.state,
  });
}

export function createBaselineStore(db: Db): Pick<Store, 'saveBaselines' | 'loadBaselines'> {
  return {
    async saveBaselines(rows) {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await db.insert('baselines', rows.slice(i, i + INSERT_CHUNK).map(toRow));
      }
    },

    async loadBaselines(detector) {
      const rows = await db.query<BaselineRow>(
        `SELECT detector, scope, key, version, toUnixTimestamp64Milli(first_ts) AS first_ts_ms,
           toUnixTimestamp64Milli(last_ts) AS last_ts_ms, events, state
         FROM {db}.baselines FINAL
         ${detector === undefined ? '' : 'WHERE detector = {detector:String}'}
         ORDER BY detector, scope, last_ts, key`,
        detector === undefined ? {} : { detector },
      );
      return rows.map(fromRow);
    },
  };
}

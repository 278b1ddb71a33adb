import type { DbReader } from './db-reader.js';
import type { Db } from './db.js';
import { toChTime, toNumber } from './sql.js';
import type { Store } from './types.js';

export function createDeadLetterStore(db: Db, reader: DbReader): Pick<Store, 'insertDeadLetters' | 'deadLetterCount'> {
  return {
    async insertDeadLetters(rows) {
      await db.insert(
        'dead_letters',
        rows.map((d) => ({
          source: d.source,
          position: d.position,
          format: d.format,
          reason: d.reason,
          raw: d.raw,
          received_at: toChTime(d.receivedAt),
        })),
      );
    },

    async deadLetterCount() {
      const rows = await reader.query<{ n: number | string }>('SELECT count() AS n FROM {db}.dead_letters');
      return toNumber(rows[0]?.n ?? 0);
    },
  };
}

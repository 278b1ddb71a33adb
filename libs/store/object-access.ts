import type { DbReader } from './db-reader.js';
import { STORED_EVENT_COLUMNS, fromEventRow, type EventRow } from './events.js';
import { msToIso, toNumber } from './sql.js';
import type { ObjectAccess, Store } from './types.js';

type Count = number | string;

/** An object (e.g. one Patient) is referenced by this event under any of the given tokens. */
const REFERENCES = 'arrayExists((t, i) -> t = {type:String} AND has({tokens:Array(String)}, i), object_types, object_ids)';

/**
 * "Who touched this patient's records?": the accounting-of-disclosures question, answered from the
 * events table. The caller passes the object's token under every active tokenization key
 * (libs/privacy keyring), so rows stored before a key rotation are found too.
 */
export function createObjectAccessStore(db: DbReader): Pick<Store, 'objectAccess'> {
  return {
    async objectAccess(type, tokens, opts): Promise<ObjectAccess> {
      const p = { type, tokens: [...tokens] };
      const from = `{db}.events FINAL WHERE ${REFERENCES}`;
      const principals = await db.query<{ principal: string; events: Count; failures: Count; first_ms: Count; last_ms: Count; apps: string[] }>(
        `SELECT principal, count() AS events, countIf(status >= 400) AS failures,
           toUnixTimestamp64Milli(min(ts)) AS first_ms, toUnixTimestamp64Milli(max(ts)) AS last_ms,
           arraySort(groupUniqArrayIf(app, app != '')) AS apps
         FROM ${from} GROUP BY principal ORDER BY events DESC, principal LIMIT 200`,
        p,
      );
      const events = await db.query<EventRow>(
        `SELECT ${STORED_EVENT_COLUMNS} FROM ${from} ORDER BY ts DESC, event_id LIMIT {limit:UInt32}`,
        { ...p, limit: opts.limit },
      );
      return {
        principals: principals.map((r) => ({
          principal: r.principal,
          events: toNumber(r.events),
          failures: toNumber(r.failures),
          firstSeen: msToIso(toNumber(r.first_ms)),
          lastSeen: msToIso(toNumber(r.last_ms)),
          apps: r.apps,
        })),
        recentEvents: events.map(fromEventRow),
      };
    },
  };
}

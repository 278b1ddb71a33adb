import type { DbReader } from './db-reader.js';
import { STORED_EVENT_COLUMNS, fromEventRow, type EventRow } from './events.js';
import { STATUS_CLASS_SQL, msToIso, toChTime, toNumber } from './sql.js';
import type { PrincipalSummary, Store } from './types.js';

type Count = number | string;

/** Status class -> count, built in the same pass as the other aggregates. */
const STATUS_MIX_SQL = `CAST(sumMap([${STATUS_CLASS_SQL}], [toUInt64(1)]), 'Map(String, UInt64)')`;

function normaliseCounts(m: Record<string, Count>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, toNumber(v)]));
}

/** 'YYYY-MM-DD hh:mm:ss' as ClickHouse prints a UTC DateTime, to ISO 8601. */
function utcTextToIso(s: string): string {
  return new Date(`${s.replace(' ', 'T')}Z`).toISOString();
}

/**
 * Read models over events: a principal's profile and the route inventory. Every read uses FINAL,
 * so a replayed batch that has not merged yet is not counted twice.
 * NOTE: queries run one after another on purpose; chDB shares one engine with the writers and the
 * summary is an on-demand API call, not a hot path.
 */
export function createActivityStore(db: DbReader): Pick<Store, 'principalSummary'> {
  return {
    async principalSummary(principal, opts): Promise<PrincipalSummary | undefined> {
      const p = { principal };
      const from = '{db}.events FINAL WHERE principal = {principal:String}';
      const [overview] = await db.query<{
        events: Count;
        kinds: string[];
        apps: string[];
        status_mix: Record<string, Count>;
        first_ms: Count;
        last_ms: Count;
      }>(
        `SELECT count() AS events, arraySort(groupUniqArray(principal_kind)) AS kinds,
           arraySort(groupUniqArrayIf(app, app != '')) AS apps, ${STATUS_MIX_SQL} AS status_mix,
           toUnixTimestamp64Milli(min(ts)) AS first_ms, toUnixTimestamp64Milli(max(ts)) AS last_ms
         FROM ${from}`,
        p,
      );
      if (overview === undefined || toNumber(overview.events) === 0) return undefined;
      const lastMs = toNumber(overview.last_ms);

      const sourceIps = await db.query<{ key: string }>(
        `SELECT client_ip AS key, count() AS n FROM ${from} GROUP BY key ORDER BY n DESC, key LIMIT 20`,
        p,
      );
      const userAgents = await db.query<{ key: string }>(
        `SELECT user_agent AS key, count() AS n FROM ${from} AND user_agent != ''
         GROUP BY key ORDER BY n DESC, key LIMIT 10`,
        p,
      );
      const routes = await db.query<{ method: string; route: string; count: Count }>(
        `SELECT method, route, count() AS count FROM ${from}
         GROUP BY method, route ORDER BY count DESC, route, method LIMIT 50`,
        p,
      );
      const objects = await db.query<{ type: string; count: Count }>(
        `SELECT type, uniqExact(id) AS count FROM {db}.events FINAL
         ARRAY JOIN object_types AS type, object_ids AS id
         WHERE principal = {principal:String} GROUP BY type ORDER BY count DESC, type`,
        p,
      );
      // Relative to the principal's own last event (event time), so replayed history has a
      // timeline too. WITH FILL makes the hours between active ones explicit zeros. Distinct
      // objects are (type, id) tuples, so Patient/1 and Observation/1 are two objects; the -Array
      // combinator (not ARRAY JOIN) keeps events without objects in count().
      const timeline = await db.query<{ hour: string; events: Count; errors: Count; objects: Count }>(
        `SELECT toStartOfHour(ts) AS hour, count() AS events, countIf(status >= 400) AS errors,
           uniqExactArray(arrayMap((t, i) -> tuple(t, i), object_types, object_ids)) AS objects
         FROM ${from} AND ts > {last:DateTime64(3, 'UTC')} - INTERVAL 7 DAY
         GROUP BY hour ORDER BY hour WITH FILL STEP toIntervalHour(1)`,
        { ...p, last: toChTime(lastMs) },
      );
      const recent = Math.min(Math.max(Math.trunc(opts.recent), 0), 1000);
      const recentRows =
        recent === 0
          ? []
          : await db.query<EventRow>(
              `SELECT ${STORED_EVENT_COLUMNS} FROM ${from} ORDER BY ts DESC, event_id DESC LIMIT {recent:UInt32}`,
              { ...p, recent },
            );

      return {
        principal,
        kinds: overview.kinds,
        apps: overview.apps,
        events: toNumber(overview.events),
        firstSeen: msToIso(overview.first_ms),
        lastSeen: msToIso(lastMs),
        sourceIps: sourceIps.map((r) => r.key),
        userAgents: userAgents.map((r) => r.key),
        statusMix: normaliseCounts(overview.status_mix),
        routes: routes.map((r) => ({ method: r.method, route: r.route, count: toNumber(r.count) })),
        distinctObjects: objects.map((r) => ({ type: r.type, count: toNumber(r.count) })),
        timeline: timeline.map((r) => ({
          hour: utcTextToIso(r.hour),
          events: toNumber(r.events),
          errors: toNumber(r.errors),
          distinctObjects: toNumber(r.objects),
        })),
        recentEvents: recentRows.map(fromEventRow),
      };
    },
  };
}

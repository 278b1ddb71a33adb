import { PhiSchema, type NormalizedEvent, type Phi } from '../contracts/index.js';
import type { DbReader } from './db-reader.js';
import type { Db } from './db.js';
import { msToIso, toNumber } from './sql.js';
import { EVENT_COLUMNS, encodeEventRows, type EncodedEventRows } from './event-rows.js';
import type { Store, StoredEvent } from './types.js';

/** The columns StoredEvent needs, in the shape `EventRow` reads back. */
export const STORED_EVENT_COLUMNS = `event_id, toUnixTimestamp64Milli(ts) AS ts_ms, source, method, host, service, route,
  path_tokenized, status, request_bytes, response_bytes, latency_ms, client_ip, user_agent, principal,
  principal_kind, app, auth_scheme, object_types, object_ids, object_via, object_created,
  phi_seen, phi_categories, phi_resource_types, phi_in`;

export interface EventRow {
  event_id: string;
  ts_ms: number | string;
  source: string;
  method: string;
  host: string;
  service: string;
  route: string;
  path_tokenized: string;
  status: number;
  request_bytes: number | string;
  response_bytes: number | string;
  latency_ms: number;
  client_ip: string;
  user_agent: string;
  principal: string;
  principal_kind: string;
  app: string;
  auth_scheme: string;
  object_types: string[];
  object_ids: string[];
  object_via: string[];
  object_created: number[];
  phi_seen: number;
  phi_categories: string[];
  phi_resource_types: string[];
  phi_in: string[];
}

export function fromEventRow(r: EventRow): StoredEvent {
  return {
    eventId: r.event_id,
    time: msToIso(r.ts_ms),
    source: r.source,
    method: r.method,
    host: r.host,
    service: r.service,
    route: r.route,
    pathTokenized: r.path_tokenized,
    status: r.status,
    requestBytes: toNumber(r.request_bytes),
    responseBytes: toNumber(r.response_bytes),
    latencyMs: r.latency_ms,
    clientIp: r.client_ip,
    userAgent: r.user_agent,
    principal: r.principal,
    principalKind: r.principal_kind,
    app: r.app,
    authScheme: r.auth_scheme,
    objects: r.object_types.map((type, i) => ({
      type,
      id: r.object_ids[i] ?? '',
      via: r.object_via[i] ?? '',
      created: r.object_created[i] === 1,
    })),
    ...phiOf(r),
  };
}

/** `{ phi }` when the event's bodies were seen; the values are the contract's own (PhiSchema checks them). */
function phiOf(r: EventRow): { phi?: Phi } {
  if (Number(r.phi_seen) !== 1) return {};
  const phi = PhiSchema.safeParse({ categories: r.phi_categories, resourceTypes: r.phi_resource_types, in: r.phi_in });
  return phi.success ? { phi: phi.data } : {};
}

export function createEventStore(db: Db, reader: DbReader): Pick<Store, 'insertEvents' | 'insertEventRows' | 'countEvents' | 'getEvents'> {
  const insertRows = (rows: EncodedEventRows) => db.insertEncoded('events', EVENT_COLUMNS, rows.chunks);
  return {
    async insertEvents(events: NormalizedEvent[]): Promise<void> {
      for (const rows of encodeEventRows(events)) await insertRows(rows);
    },

    insertEventRows: insertRows,

    /** FINAL so a replayed event counts once even before the background merge. */
    async countEvents(): Promise<number> {
      const rows = await reader.query<{ n: number | string }>('SELECT count() AS n FROM {db}.events FINAL');
      return toNumber(rows[0]?.n ?? 0);
    },

    /** Oldest first; unknown ids (or ids past retention) are simply absent. */
    async getEvents(eventIds: string[]): Promise<StoredEvent[]> {
      if (eventIds.length === 0) return [];
      const rows = await reader.query<EventRow>(
        `SELECT ${STORED_EVENT_COLUMNS} FROM {db}.events FINAL
         WHERE event_id IN {ids:Array(String)} ORDER BY ts, event_id`,
        { ids: [...new Set(eventIds)] },
      );
      return rows.map(fromEventRow);
    },
  };
}

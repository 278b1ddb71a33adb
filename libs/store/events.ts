import { PhiSchema, type NormalizedEvent, type Phi } from '../contracts/index.js';
import type { DbReader } from './db-reader.js';
import type { Db } from './db.js';
import { msToIso, toChTime, toNumber } from './sql.js';
import type { Store, StoredEvent } from './types.js';

/** Rows per INSERT statement: chDB materialises the whole body as one SQL string. */
const INSERT_CHUNK = 10_000;

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

/**
 * Flattens an event into its row. Optional principal fields become '' (events are analytical rows,
 * absent and empty mean the same there).
 * NOTE: ObjectRef.seq is deliberately not copied: raw id values never leave process memory.
 */
export function toEventRow(e: NormalizedEvent): Record<string, unknown> {
  const p = e.principal;
  return {
    event_id: e.eventId,
    ts: toChTime(e.ts),
    source: e.source,
    method: e.method,
    host: e.host,
    service: e.service,
    route: e.route,
    path_tokenized: e.pathTokenized,
    query_keys: e.queryKeys,
    status: e.status,
    request_bytes: e.requestBytes,
    response_bytes: e.responseBytes,
    latency_ms: e.latencyMs,
    client_ip: e.clientIp,
    user_agent: e.userAgent,
    principal: p.id,
    principal_kind: p.kind,
    app: p.app ?? '',
    issuer: p.issuer ?? '',
    scopes: p.scopes,
    patient: p.patient ?? '',
    fhir_user: p.fhirUser ?? '',
    auth_scheme: p.authScheme,
    credential_fingerprint: p.credentialFingerprint ?? '',
    object_types: e.objects.map((o) => o.type),
    object_ids: e.objects.map((o) => o.id),
    object_via: e.objects.map((o) => o.via),
    object_created: e.objects.map((o) => (o.created ? 1 : 0)),
    // Categories and type names only: the bodies themselves never reach the normalized event.
    phi_seen: e.phi === undefined ? 0 : 1,
    phi_categories: e.phi?.categories ?? [],
    phi_resource_types: e.phi?.resourceTypes ?? [],
    phi_in: e.phi?.in ?? [],
  };
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

export function createEventStore(db: Db, reader: DbReader): Pick<Store, 'insertEvents' | 'countEvents' | 'getEvents'> {
  return {
    async insertEvents(events: NormalizedEvent[]): Promise<void> {
      for (let i = 0; i < events.length; i += INSERT_CHUNK) {
        await db.insert('events', events.slice(i, i + INSERT_CHUNK).map(toEventRow));
      }
    },

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

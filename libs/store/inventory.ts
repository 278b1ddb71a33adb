import { InventoryEntrySchema, type InventoryEntry, type InventoryFilter } from '../contracts/inventory.js';
import { VigilError } from '../errors/index.js';
import type { DbReader } from './db-reader.js';
import type { Db } from './db.js';
import { toChTime, toNumber } from './sql.js';

/** One route as the inventory aggregator writes it. */
export interface InventoryRouteRow {
  id: string;
  service: string;
  template: string;
  version: number;
  requests: number;
  firstSeen: number;
  lastSeen: number;
  shadow: boolean;
  /** Lasting reasons only (deprecated, old version); staleness is judged at read time. */
  zombie: boolean;
  unauthenticated: boolean;
  returnsPhi: boolean;
  entry: InventoryEntry;
  /** The aggregator's JSON state. */
  state: string;
}

export interface InventoryPage {
  routes: InventoryEntry[];
  nextCursor?: string;
  /** Event time of the newest request of any route (ms), the clock staleness is judged on. */
  clock: number | null;
}

export interface RouteStats {
  latencyMs: { p50: number; p95: number; p99: number } | null;
  responseBytes: { p50: number; p95: number; p99: number } | null;
  requestBytes: { p50: number; p95: number; p99: number } | null;
}

const DAY_MS = 86_400_000;

/** An entry as of `clock`: `stale` added when the route has had no traffic for `staleDays`. */
export function withStaleness(e: InventoryEntry, clock: number | null, staleDays: number): InventoryEntry {
  if (clock === null || e.lastSeen === null || e.zombieReasons.includes('stale')) return e;
  if (clock - Date.parse(e.lastSeen) < staleDays * DAY_MS) return e;
  return { ...e, zombie: true, zombieReasons: [...e.zombieReasons, 'stale'] };
}

function encodeCursor(requests: number, id: string): string {
  return Buffer.from(JSON.stringify([requests, id])).toString('base64url');
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && typeof v[1] === 'string') return [v[0] as number, v[1]];
  } catch {
    // fall through to the error below
  }
  throw new VigilError('bad_request', 'invalid cursor', { publicMessage: 'cursor: not a cursor this API returned' });
}

type Pct = { p50: number; p95: number; p99: number } | null;
const pct = (v: number[] | undefined, n: number): Pct => (n === 0 || !v || v.length < 3 ? null : { p50: v[0] as number, p95: v[1] as number, p99: v[2] as number });

export interface InventoryStore {
  /** Writes route versions; the highest version of each id wins. */
  upsertInventoryRoutes(rows: readonly InventoryRouteRow[]): Promise<void>;
  /** Every route's aggregator state, for the inventory to continue after a restart. */
  loadInventoryStates(): Promise<{ state: string; version: number }[]>;
  /** Busiest first; `zombie` includes routes silent for `staleDays` of event time. */
  listInventory(f: InventoryFilter, opts: { staleDays: number }): Promise<InventoryPage>;
  getInventoryRoute(id: string, opts: { staleDays: number }): Promise<{ entry: InventoryEntry; state: string } | undefined>;
  inventoryRouteStats(service: string, templates: readonly string[]): Promise<RouteStats>;
}

export function createInventoryStore(db: Db, reader: DbReader): InventoryStore {
  async function clockMs(): Promise<number | null> {
    const rows = await reader.query<{ c: number | string; n: number | string }>(
      'SELECT toUnixTimestamp64Milli(max(last_seen)) AS c, count() AS n FROM {db}.inventory_routes',
    );
    return toNumber(rows[0]?.n ?? 0) === 0 ? null : toNumber(rows[0]?.c ?? 0);
  }

  return {
    async upsertInventoryRoutes(rows) {
      if (rows.length === 0) return;
      await db.insert(
        'inventory_routes',
        rows.map((r) => ({
          id: r.id, service: r.service, template: r.template, version: r.version, requests: r.requests,
          first_seen: toChTime(r.firstSeen), last_seen: toChTime(r.lastSeen),
          shadow: r.shadow ? 1 : 0, zombie: r.zombie ? 1 : 0, unauthenticated: r.unauthenticated ? 1 : 0, returns_phi: r.returnsPhi ? 1 : 0,
          entry: JSON.stringify(r.entry), state: r.state,
        })),
      );
    },

    async loadInventoryStates() {
      const rows = await reader.query<{ state: string; version: number | string }>('SELECT state, version FROM {db}.inventory_routes FINAL ORDER BY id');
      return rows.map((r) => ({ state: r.state, version: toNumber(r.version) }));
    },

    async listInventory(f, opts) {
      const cfg = opts;
      const clock = await clockMs();
      const cutoff = clock === null ? 0 : clock - cfg.staleDays * DAY_MS;
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: f.limit + 1, cutoff: toChTime(Math.max(cutoff, 0)) };
      if (f.service !== undefined) {
        where.push('service = {service:String}');
        params.service = f.service;
      }
      for (const [key, column] of [['shadow', 'shadow'], ['unauthenticated', 'unauthenticated'], ['returnsPhi', 'returns_phi']] as const) {
        const v = f[key];
        if (v !== undefined) where.push(`${column} = ${v ? 1 : 0}`);
      }
      if (f.zombie !== undefined) where.push(f.zombie ? `(zombie = 1 OR last_seen <= {cutoff:DateTime64(3, 'UTC')})` : `(zombie = 0 AND last_seen > {cutoff:DateTime64(3, 'UTC')})`);
      if (f.cursor !== undefined) {
        const [requests, id] = decodeCursor(f.cursor);
        where.push('(requests < {cr:UInt64} OR (requests = {cr:UInt64} AND id > {cid:String}))');
        params.cr = requests;
        params.cid = id;
      }
      // NOTE: filter outside FINAL so that only the newest version of each route is judged.
      const rows = await reader.query<{ id: string; requests: number | string; entry: string }>(
        `SELECT id, requests, entry FROM (SELECT id, requests, entry, service, shadow, zombie, unauthenticated, returns_phi, last_seen FROM {db}.inventory_routes FINAL)
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY requests DESC, id LIMIT {limit:UInt32}`,
        params,
      );
      const page = rows.slice(0, f.limit);
      const last = page.at(-1);
      return {
        routes: page.map((r) => withStaleness(InventoryEntrySchema.parse(JSON.parse(r.entry)), clock, cfg.staleDays)),
        ...(rows.length > f.limit && last ? { nextCursor: encodeCursor(toNumber(last.requests), last.id) } : {}),
        clock,
      };
    },

    async getInventoryRoute(id, cfg) {
      const rows = await reader.query<{ entry: string; state: string }>('SELECT entry, state FROM {db}.inventory_routes FINAL WHERE id = {id:String}', { id });
      const row = rows[0];
      if (!row) return undefined;
      const clock = await clockMs();
      return { entry: withStaleness(InventoryEntrySchema.parse(JSON.parse(row.entry)), clock, cfg.staleDays), state: row.state };
    },

    /** Percentiles over the retained events of a route (its observed templates). */
    async inventoryRouteStats(service, templates) {
      const rows = await reader.query<{ n: number | string; lat: number[]; resp: number[]; req: number[] }>(
        `SELECT count() AS n, quantiles(0.5, 0.95, 0.99)(latency_ms) AS lat,
           quantiles(0.5, 0.95, 0.99)(response_bytes) AS resp, quantiles(0.5, 0.95, 0.99)(request_bytes) AS req
         FROM {db}.events FINAL WHERE service = {service:String} AND route IN {templates:Array(String)}`,
        { service, templates: [...templates] },
      );
      const r = rows[0];
      const n = toNumber(r?.n ?? 0);
      const round = (v: number[] | undefined) => v?.map((x) => Math.round(Number(x) * 100) / 100);
      return { latencyMs: pct(round(r?.lat), n), responseBytes: pct(round(r?.resp), n), requestBytes: pct(round(r?.req), n) };
    },
  };
}

import { parseRowState, type BaselineSnapshot, type SnapshotSelect } from '../../libs/baseline/index.js';
import { createBoundedCache, decodeCache, encodeCache, type BoundedCache } from '../../libs/cache/index.js';
import type { Networks } from '../token-misuse/network.js';
import { createAuthRoutes, type AuthRoutes } from './auth-routes.js';
import { decodeFollowed, decodeSession, decodeSource, encodeFollowed, encodeSession, encodeSource, lastActivity, type Followed, type Session } from './persist.js';
import type { SourceState } from './source.js';
import { decodeSurge, encodeSurge, type SurgeState } from './surge.js';
import { decodePopulation, encodePopulation, newPopulation, type Population } from './stats.js';

export interface CredentialStuffingState {
  ips: BoundedCache<SourceState>;
  subnets: BoundedCache<SourceState>;
  /** Memo of address -> networks: parsing an address per event is the costliest step here. */
  networks: BoundedCache<Networks>;
  /** Failures per window across IPs (and subnets) that had any: what "many" means in this deployment. */
  ipPopulation: Population;
  subnetPopulation: Population;
  /** Failures from the IP before each successful login (0 mostly, a typo or two): what "many tries" means here. */
  runPopulation: Population;
  authRoutes: AuthRoutes;
  /** The global view of each login route (`METHOD route`), for surges no single source shows. */
  surges: BoundedCache<SurgeState>;
  sessions: BoundedCache<Session>;
  followed: BoundedCache<Followed>;
  /** Event time of the latest takeover, so the follow-up lookups are skipped when none is recent. */
  lastTakeover: number;
}

/** Bounds: sources and sessions kept (least recently active forgotten first). */
const SOURCE_CAP = 200_000;
const SESSION_CAP = 10_000;
/** Recent source-windows the population quantile is taken over: it follows the deployment. */
const POPULATION_SIZE = 1024;
/** Login routes watched for surges (a deployment has a handful; learned ones come and go). */
const SURGE_ROUTE_CAP = 256;

export function newCredentialStuffingState(): CredentialStuffingState {
  return {
    ips: createBoundedCache<SourceState>(SOURCE_CAP),
    subnets: createBoundedCache<SourceState>(SOURCE_CAP),
    networks: createBoundedCache<Networks>(SOURCE_CAP),
    ipPopulation: newPopulation(POPULATION_SIZE),
    subnetPopulation: newPopulation(POPULATION_SIZE),
    runPopulation: newPopulation(POPULATION_SIZE),
    authRoutes: createAuthRoutes(),
    surges: createBoundedCache<SurgeState>(SURGE_ROUTE_CAP),
    sessions: createBoundedCache<Session>(SESSION_CAP),
    followed: createBoundedCache<Followed>(SESSION_CAP),
    lastTakeover: Number.NEGATIVE_INFINITY,
  };
}

/** Keys of the rows that are not one source's. No source key has this form (`ip:` / `net:` prefixes). */
export const FIXED_ROWS = {
  populations: 'population:failures',
  authRoutes: 'auth-routes',
  takeovers: 'takeovers',
  surges: 'surges',
} as const;

/**
 * Rows: each IP as a principal row keyed `ip:<address>` (the principal id of the IP's anonymous
 * failures, so it moves with that principal's partition); each subnet as a cohort row keyed
 * `net:<subnet>` (no event's principal: each instance keeps its own view); the populations, the
 * learned login routes, the takeovers being followed and the login routes' surge views as four
 * cohort rows under fixed keys.
 */
export function snapshotState(detector: string, s: CredentialStuffingState, version: number, select?: SnapshotSelect): BaselineSnapshot[] {
  const rows: BaselineSnapshot[] = [];
  const source = (scope: 'principal' | 'cohort', key: string, src: SourceState) => {
    const ts = lastActivity(src);
    rows.push({ detector, scope, key, version, firstTs: ts, lastTs: ts, events: src.own.n, state: JSON.stringify(encodeSource(src)) });
  };
  if (select === undefined) {
    for (const [ip, src] of s.ips.entries()) source('principal', `ip:${ip}`, src);
  } else {
    for (const key of select.principals) {
      const src = key.startsWith('ip:') ? s.ips.peek(key.slice(3)) : undefined;
      if (src !== undefined) source('principal', key, src);
    }
  }
  for (const [net, src] of s.subnets.entries()) source('cohort', `net:${net}`, src);
  const fixed = (key: string, state: unknown, lastTs: number) =>
    rows.push({ detector, scope: 'cohort', key, version, firstTs: lastTs, lastTs, events: 0, state: JSON.stringify(state) });
  fixed(FIXED_ROWS.populations, { ip: encodePopulation(s.ipPopulation), subnet: encodePopulation(s.subnetPopulation), run: encodePopulation(s.runPopulation) }, 0);
  fixed(FIXED_ROWS.authRoutes, s.authRoutes.encode(), 0);
  const last = Number.isFinite(s.lastTakeover) ? s.lastTakeover : null;
  fixed(FIXED_ROWS.takeovers, { lastTakeover: last, sessions: encodeCache(s.sessions, encodeSession), followed: encodeCache(s.followed, encodeFollowed) }, last ?? 0);
  fixed(FIXED_ROWS.surges, encodeCache(s.surges, encodeSurge), 0);
  return rows;
}

/** Takes this detector's rows that decode; returns how many. Sources come back least recently active first. */
export function restoreState(detector: string, s: CredentialStuffingState, rows: readonly BaselineSnapshot[]): number {
  let taken = 0;
  const ips: [string, number, SourceState][] = [];
  const nets: [string, number, SourceState][] = [];
  for (const r of rows) {
    if (r.detector !== detector) continue;
    const v = parseRowState(r);
    if (r.scope === 'principal' && r.key.startsWith('ip:')) {
      const src = decodeSource(v);
      if (src !== undefined) ips.push([r.key.slice(3), r.lastTs, src]);
    } else if (r.scope === 'cohort' && r.key.startsWith('net:')) {
      const src = decodeSource(v);
      if (src !== undefined) nets.push([r.key.slice(4), r.lastTs, src]);
    } else if (r.scope === 'cohort' && restoreFixed(s, r.key, v)) {
      taken++;
    }
  }
  for (const [list, cache] of [
    [ips, s.ips],
    [nets, s.subnets],
  ] as const) {
    list.sort((a, b) => a[1] - b[1]);
    for (const [key, , src] of list.slice(-SOURCE_CAP)) cache.set(key, src);
    taken += Math.min(list.length, SOURCE_CAP);
  }
  return taken;
}

function restoreFixed(s: CredentialStuffingState, key: string, v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  if (key === FIXED_ROWS.populations) {
    const [ip, subnet, run] = [o.ip, o.subnet, o.run].map((p) => decodePopulation(p, POPULATION_SIZE));
    if (ip === undefined || subnet === undefined || run === undefined) return false;
    Object.assign(s, { ipPopulation: ip, subnetPopulation: subnet, runPopulation: run });
    return true;
  }
  if (key === FIXED_ROWS.authRoutes) return s.authRoutes.load(v);
  if (key === FIXED_ROWS.surges) return decodeCache(v, SURGE_ROUTE_CAP, decodeSurge, s.surges) !== undefined;
  if (key !== FIXED_ROWS.takeovers) return false;
  const last = o.lastTakeover;
  if (last !== null && !Number.isSafeInteger(last)) return false;
  // Checked on scratch caches first, so a bad half does not leave the other half loaded.
  const sessions = createBoundedCache<Session>(SESSION_CAP);
  const followed = createBoundedCache<Followed>(SESSION_CAP);
  if (decodeCache(o.sessions, SESSION_CAP, decodeSession, sessions) === undefined) return false;
  if (decodeCache(o.followed, SESSION_CAP, decodeFollowed, followed) === undefined) return false;
  for (const [k, x, young] of sessions.entries()) s.sessions.load(k, x, young);
  for (const [k, x, young] of followed.entries()) s.followed.load(k, x, young);
  s.lastTakeover = Math.max(s.lastTakeover, last === null ? Number.NEGATIVE_INFINITY : (last as number));
  return true;
}

/** Drops the IPs of these principals (`ip:<address>`: their partition moved to another instance). */
export function forgetSources(s: CredentialStuffingState, principals: ReadonlySet<string>): void {
  for (const p of principals) if (p.startsWith('ip:')) s.ips.delete(p.slice(3));
}

/**
 * Memory budget only: empties the capped collections (sources' account, credential, IP and route
 * sets, the populations' rings, the takeovers' bound principals and routes) and the address memo
 * (a cache of `networksOf`, bounded by SOURCE_CAP whatever the number of principals), and the
 * surge runs' address and account sets.
 */
export function clearCappedState(s: CredentialStuffingState): void {
  for (const cache of [s.ips, s.subnets]) {
    for (const [, src] of cache.entries()) {
      src.accounts.clear();
      src.credentials.clear();
      src.ips.clear();
      src.failedRoutes.clear();
      src.run.credentials.length = 0;
    }
  }
  s.networks.clear();
  for (const p of [s.ipPopulation, s.subnetPopulation, s.runPopulation]) p.ring.values = new Float64Array(0);
  for (const [, x] of s.sessions.entries()) x.bound.clear();
  for (const [, f] of s.followed.entries()) f.routes.clear();
  for (const [, x] of s.surges.entries()) {
    x.run.ips.clear();
    x.run.accounts.clear();
    x.run.credentials.clear();
  }
}

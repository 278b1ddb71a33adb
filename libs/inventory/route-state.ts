import { createHash } from 'node:crypto';
import {
  cappedAdd, decodeCappedSet, decodeHll, encodeCappedSet, encodeHll, hllAdd, hllCount, newCappedSet, newHll,
  type CappedSet, type Hll,
} from '../baseline/index.js';
import type { NormalizedEvent } from '../contracts/index.js';

/** Sizes that keep one route's state small whatever the traffic (a few KiB). */
const MAX_PARAMS = 100;
const MAX_TEMPLATES = 20;
const MAX_COHORTS = 50;
const MAX_METHODS = 16;
const HLL_PRECISION = 10;

/** A distinct count: exact set up to its cap, HyperLogLog beside it for what comes after. */
export interface Distinct {
  set: CappedSet;
  hll: Hll;
}

/** Everything the inventory learned about one route (service + template), on event time. */
export interface RouteState {
  id: string;
  service: string;
  template: string;
  requests: number;
  firstSeen: number;
  lastSeen: number;
  /** Hour start (ms) -> requests; the most recent `hourlyBuckets` kept. */
  hourly: Map<number, number>;
  principals: Distinct;
  apps: Distinct;
  authSchemes: Record<string, number>;
  /** method -> status -> requests */
  statuses: Record<string, Record<string, number>>;
  /** method -> query parameter names seen with it (the matcher needs them per method). */
  params: Record<string, string[]>;
  observedTemplates: string[];
  cohorts: string[];
  unauthenticated: boolean;
  returnsPhi: boolean;
  /** Finding kinds already raised for this route: at most one alert per route and kind. */
  raised: string[];
  /** Undocumented parameters already reported. */
  reportedParams: string[];
  /** Event time up to which the stored counters are complete: replayed older events are not counted twice. */
  countedUpTo: number;
  /** Bumped on every write (ReplacingMergeTree version). */
  version: number;
}

/** Stable, deterministic route id: the same service and template give the same id on every instance. */
export function routeId(service: string, template: string): string {
  return `rte_${createHash('sha256').update(`${service}\u0000${template}`).digest('hex').slice(0, 24)}`;
}

const newDistinct = (cap: number): Distinct => ({ set: newCappedSet(cap), hll: newHll(HLL_PRECISION) });

export function newRouteState(service: string, template: string, cap: number): RouteState {
  return {
    id: routeId(service, template), service, template, requests: 0, firstSeen: Number.POSITIVE_INFINITY, lastSeen: Number.NEGATIVE_INFINITY,
    hourly: new Map(), principals: newDistinct(cap), apps: newDistinct(cap), authSchemes: {}, statuses: {}, params: {},
    observedTemplates: [template], cohorts: [], unauthenticated: false, returnsPhi: false, raised: [], reportedParams: [],
    countedUpTo: Number.NEGATIVE_INFINITY, version: 0,
  };
}

export function distinctCount(d: Distinct): { count: number; exact: boolean } {
  return d.set.saturated ? { count: Math.max(hllCount(d.hll), d.set.values.size), exact: false } : { count: d.set.values.size, exact: true };
}

function addDistinct(d: Distinct, value: string): void {
  cappedAdd(d.set, value);
  hllAdd(d.hll, value);
}

const HOUR_MS = 3_600_000;
const pushCapped = (list: string[], value: string, cap: number): void => {
  if (list.length < cap && !list.includes(value)) list.push(value);
};

/** A 2xx answer to a request without any credential (no token, key, Basic auth or gateway identity). */
export const servedWithoutCredential = (e: NormalizedEvent): boolean => e.status >= 200 && e.status < 300 && e.principal.authScheme === 'none';

/** The response carried PHI, per the body classification (libs/phi): `phi.in` includes 'response'. */
export function eventHasPhi(e: NormalizedEvent): boolean {
  return e.phi !== undefined && e.phi.in.includes('response');
}

/**
 * Adds one event. Counters (requests, hourly, statuses, auth schemes) skip events at or before
 * `countedUpTo`, which the store already counted before a restart (same rule as the alert manager);
 * sets, flags and first/last seen are idempotent and always updated. `cohort`: libs/baseline's
 * cohortKey of the event's principal (the model memoizes it).
 */
export function addEvent(s: RouteState, e: NormalizedEvent, hourlyBuckets: number, cohort: string): void {
  const method = e.method;
  if (e.ts > s.countedUpTo) {
    s.requests++;
    const hour = Math.floor(e.ts / HOUR_MS) * HOUR_MS;
    s.hourly.set(hour, (s.hourly.get(hour) ?? 0) + 1);
    if (s.hourly.size > hourlyBuckets) s.hourly.delete(Math.min(...s.hourly.keys()));
    s.authSchemes[e.principal.authScheme] = (s.authSchemes[e.principal.authScheme] ?? 0) + 1;
    const byMethod = s.statuses[method] ?? (Object.keys(s.statuses).length < MAX_METHODS ? (s.statuses[method] = {}) : undefined);
    if (byMethod) byMethod[String(e.status)] = (byMethod[String(e.status)] ?? 0) + 1;
  }
  if (e.ts < s.firstSeen) s.firstSeen = e.ts;
  if (e.ts > s.lastSeen) s.lastSeen = e.ts;
  addDistinct(s.principals, e.principal.id);
  if (e.principal.app !== undefined) addDistinct(s.apps, e.principal.app);
  if (s.params[method] === undefined && Object.keys(s.params).length < MAX_METHODS) s.params[method] = [];
  const params = s.params[method];
  if (params) for (const k of e.queryKeys) pushCapped(params, k, MAX_PARAMS);
  pushCapped(s.observedTemplates, e.route, MAX_TEMPLATES);
  pushCapped(s.cohorts, cohort, MAX_COHORTS);
  if (servedWithoutCredential(e)) s.unauthenticated = true;
  if (eventHasPhi(e)) s.returnsPhi = true;
}

export const methodsOf = (s: RouteState): string[] => [...new Set([...Object.keys(s.statuses), ...Object.keys(s.params)])].sort();

export function statusMix(s: RouteState): Record<string, number> {
  const out: Record<string, number> = {};
  for (const byStatus of Object.values(s.statuses)) {
    for (const [status, n] of Object.entries(byStatus)) {
      const cls = `${status.slice(0, -2) || '0'}xx`;
      out[cls] = (out[cls] ?? 0) + n;
    }
  }
  return out;
}

/** JSON for the `state` column: numbers, route names, principal ids (already tokens or names) and sketches. */
export function encodeRouteState(s: RouteState): string {
  return JSON.stringify({
    ...s,
    hourly: [...s.hourly.entries()],
    principals: { set: encodeCappedSet(s.principals.set), hll: encodeHll(s.principals.hll) },
    apps: { set: encodeCappedSet(s.apps.set), hll: encodeHll(s.apps.hll) },
  });
}

function decodeDistinct(v: unknown, cap: number): Distinct {
  const o = (typeof v === 'object' && v !== null ? v : {}) as { set?: unknown; hll?: unknown };
  const set = decodeCappedSet(o.set) ?? newCappedSet(cap);
  return { set: { ...set, cap: Math.max(set.cap, cap) }, hll: (typeof o.hll === 'string' ? decodeHll(o.hll) : undefined) ?? newHll(HLL_PRECISION) };
}

/** Inverse of encodeRouteState. `countedUpTo` becomes the stored lastSeen: see addEvent. */
export function decodeRouteState(json: string, cap: number): RouteState {
  const o = JSON.parse(json) as RouteState & { hourly: [number, number][]; principals: unknown; apps: unknown };
  return {
    ...o,
    hourly: new Map(o.hourly),
    principals: decodeDistinct(o.principals, cap),
    apps: decodeDistinct(o.apps, cap),
    countedUpTo: o.lastSeen,
  };
}

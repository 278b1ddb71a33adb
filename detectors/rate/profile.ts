import {
  EWMA_BYTES,
  isCounter,
  isPeak,
  newPeak,
  type Peak,
  isEwma,
  META_SLOTS,
  newCounter,
  newEwma,
  type Ewma,
  type PackedCodec,
  type ProfileCodec,
  type WindowCounter,
} from '../../libs/baseline/index.js';
import { COUNTER_SLOTS, packCounter, unpackCounter } from '../../libs/baseline/counter.js';
import { EWMA_SLOTS, packEwma, unpackEwma } from '../../libs/baseline/ewma.js';
import { PEAK_SLOTS, packPeak, unpackPeak } from '../../libs/baseline/peak.js';

/** One route of one principal: the live window and the EWMA of its past active windows (object form, as snapshots hold it). */
export interface RouteRate {
  counter: WindowCounter;
  rate: Ewma;
  /** Largest closed window, decaying (see config peakFactor). */
  peak: Peak;
  /** Event time a run of requests above the route's baseline bound began; -1 when not in one. */
  hotSince: number;
  /** Requests sent during that run (including those already in the window when it began). */
  hotCount: number;
}

/**
 * Per principal: its routes, at most `routesPerPrincipal` (the route whose window is oldest
 * evicted), and the EWMA of its active windows on any route (the baseline for a route new to it).
 *
 * NOTE: packed for memory. `routes[i]`'s numbers are the ROUTE_SLOTS slots of `data` from
 * `routeOffset(i)`; `data[ANY..]` is the any-route EWMA. As objects (a Map, and per route a counter,
 * an EWMA and a peak, each double a separate heap number) a principal cost ~360 B plus ~340 B per
 * route; packed ~160 B plus ~110 B per route. Lookup is a scan of at most `routesPerPrincipal`
 * names (most principals use a handful). Routes keep the order a Map would (insertion order, an
 * evicted route removed), so eviction ties and snapshots are the same as with a Map.
 */
export interface PrincipalRate {
  routes: string[];
  data: number[];
}

/**
 * Offsets in `data`: the profile map's own slots (first and last event time, events), the any-route
 * EWMA, then per route (relative to `routeOffset(i)`) these.
 */
export const ANY = META_SLOTS;
export const COUNTER = 0;
export const RATE = COUNTER + COUNTER_SLOTS;
export const PEAK = RATE + EWMA_SLOTS;
export const HOT_SINCE = PEAK + PEAK_SLOTS;
export const HOT_COUNT = HOT_SINCE + 1;
export const ROUTE_SLOTS = HOT_COUNT + 1;

export function routeOffset(i: number): number {
  return ANY + EWMA_SLOTS + i * ROUTE_SLOTS;
}

/** Packed double arrays from the start (sliced/concatenated, never grown by push: no spare capacity). */
const ANY_TEMPLATE: number[] = Array.from({ length: ANY + EWMA_SLOTS }, () => 0.5);
packEwma(ANY_TEMPLATE, ANY, newEwma());
const ROUTE_TEMPLATE: number[] = Array.from({ length: ROUTE_SLOTS }, () => 0.5);
packRoute(ROUTE_TEMPLATE, 0, { counter: newCounter(), rate: newEwma(), peak: newPeak(), hotSince: -1, hotCount: 0 });

function packRoute(a: number[], o: number, r: RouteRate): void {
  packCounter(a, o + COUNTER, r.counter);
  packEwma(a, o + RATE, r.rate);
  packPeak(a, o + PEAK, r.peak);
  a[o + HOT_SINCE] = r.hotSince;
  a[o + HOT_COUNT] = r.hotCount;
}

function unpackRoute(a: readonly number[], o: number): RouteRate {
  return {
    counter: unpackCounter(a, o + COUNTER),
    rate: unpackEwma(a, o + RATE),
    peak: unpackPeak(a, o + PEAK),
    hotSince: a[o + HOT_SINCE] as number,
    hotCount: a[o + HOT_COUNT] as number,
  };
}

/** The route's numbers in object form (a copy), or undefined when the principal has no such route. */
export function routeRate(p: PrincipalRate, route: string): RouteRate | undefined {
  const i = p.routes.indexOf(route);
  return i < 0 ? undefined : unpackRoute(p.data, routeOffset(i));
}

/**
 * Offset of the route's slots in `p.data`, making room by evicting the route whose window is
 * oldest (the first such in route order, as `routeOf` does). NOTE: may replace `p.data`: read it
 * after this call. The scan runs only when a new route overflows the cap.
 */
export function routeSlot(p: PrincipalRate, route: string, cap: number): number {
  const i = p.routes.indexOf(route);
  if (i >= 0) return routeOffset(i);
  if (p.routes.length >= cap) {
    let oldestAt = -1;
    let oldest = Infinity;
    for (let k = 0; k < p.routes.length; k++) {
      const a = p.data[routeOffset(k) + COUNTER] as number;
      if (a < oldest) {
        oldest = a;
        oldestAt = k;
      }
    }
    if (oldestAt >= 0) {
      p.routes.splice(oldestAt, 1);
      p.data.splice(routeOffset(oldestAt), ROUTE_SLOTS);
    }
  }
  p.routes = p.routes.concat(route);
  p.data = p.data.concat(ROUTE_TEMPLATE);
  return routeOffset(p.routes.length - 1);
}

/** Drops every route (the capped part), keeping the any-route EWMA. */
export function clearRoutes(p: PrincipalRate): void {
  p.routes = [];
  p.data = p.data.slice(0, ANY + EWMA_SLOTS);
}

/** Per cohort: EWMA of members' active-window counts per route, and on any route. */
export interface CohortRate {
  routes: Map<string, Ewma>;
  any: Ewma;
}

const MAP_ENTRY_BYTES = 40;

/**
 * Gets the route's entry, making room by evicting the route whose window is oldest.
 * NOTE: the scan is over at most `cap` entries and runs only when a new route overflows the cap.
 */
export function routeOf<V>(routes: Map<string, V>, route: string, cap: number, create: () => V, age: (v: V) => number): V {
  const hit = routes.get(route);
  if (hit !== undefined) return hit;
  if (routes.size >= cap) {
    let oldestKey: string | undefined;
    let oldest = Infinity;
    for (const [k, v] of routes) {
      const a = age(v);
      if (a < oldest) {
        oldest = a;
        oldestKey = k;
      }
    }
    if (oldestKey !== undefined) routes.delete(oldestKey);
  }
  const fresh = create();
  routes.set(route, fresh);
  return fresh;
}

function anyOf(v: unknown): Ewma | undefined {
  const any = (v as { any?: unknown }).any;
  return isEwma(any) ? any : undefined;
}

function entriesOf(v: unknown): [string, unknown][] | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const routes = (v as { routes?: unknown }).routes;
  if (!Array.isArray(routes)) return undefined;
  const out: [string, unknown][] = [];
  for (const e of routes) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') return undefined;
    out.push([e[0], e[1]]);
  }
  return out;
}

export const principalCodec: PackedCodec<PrincipalRate> = {
  create: () => ({ routes: [], data: ANY_TEMPLATE.slice() }),
  meta: (p) => p.data,
  encode: (p) => ({ routes: p.routes.map((k, i) => [k, unpackRoute(p.data, routeOffset(i))]), any: unpackEwma(p.data, ANY) }),
  decode(v) {
    const entries = entriesOf(v);
    const any = anyOf(v);
    if (!entries || !any) return undefined;
    const routes: string[] = [];
    const data = ANY_TEMPLATE.slice();
    packEwma(data, ANY, any);
    const packed: number[][] = [data];
    for (const [k, r] of entries) {
      const o = r as Partial<RouteRate> | null;
      if (!o || !isCounter(o.counter) || !isEwma(o.rate) || !isPeak(o.peak)) return undefined;
      // Snapshots written before runs were tracked have no run fields: start outside a run.
      const hotSince = typeof o.hotSince === 'number' ? o.hotSince : -1;
      const hotCount = typeof o.hotCount === 'number' ? o.hotCount : 0;
      // A Map kept the last of duplicate keys, in the place of the first.
      const seen = routes.indexOf(k);
      const slots = ROUTE_TEMPLATE.slice();
      packRoute(slots, 0, { counter: o.counter, rate: o.rate, peak: o.peak, hotSince, hotCount });
      if (seen >= 0) packed[seen + 1] = slots;
      else {
        routes.push(k);
        packed.push(slots);
      }
    }
    return { routes: routes.slice(), data: data.concat(...packed.slice(1)) };
  },
  bytes(p) {
    let n = 40 + 32 + 48 + 8 * p.data.length;
    for (const k of p.routes) n += 8 + 2 * k.length;
    return n;
  },
};

export const cohortCodec: ProfileCodec<CohortRate> = {
  create: () => ({ routes: new Map(), any: newEwma() }),
  encode: (p) => ({ routes: [...p.routes], any: p.any }),
  decode(v) {
    const entries = entriesOf(v);
    const any = anyOf(v);
    if (!entries || !any) return undefined;
    const routes = new Map<string, Ewma>();
    for (const [k, e] of entries) {
      if (!isEwma(e)) return undefined;
      routes.set(k, e);
    }
    return { routes, any };
  },
  bytes(p) {
    let n = 64 + EWMA_BYTES;
    for (const k of p.routes.keys()) n += MAP_ENTRY_BYTES + EWMA_BYTES + 2 * k.length;
    return n;
  },
};


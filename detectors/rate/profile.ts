import {
  COUNTER_BYTES,
  EWMA_BYTES,
  PEAK_BYTES,
  isCounter,
  isPeak,
  newPeak,
  type Peak,
  isEwma,
  newCounter,
  newEwma,
  type Ewma,
  type ProfileCodec,
  type WindowCounter,
} from '../../libs/baseline/index.js';

/** One route of one principal: the live window and the EWMA of its past active windows. */
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
 * Per principal: its routes, at most `routesPerPrincipal` (least recently used route evicted), and
 * the EWMA of its active windows on any route (the baseline for a route new to it).
 */
export interface PrincipalRate {
  routes: Map<string, RouteRate>;
  any: Ewma;
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

export const principalCodec: ProfileCodec<PrincipalRate> = {
  create: () => ({ routes: new Map(), any: newEwma() }),
  encode: (p) => ({ routes: [...p.routes], any: p.any }),
  decode(v) {
    const entries = entriesOf(v);
    const any = anyOf(v);
    if (!entries || !any) return undefined;
    const routes = new Map<string, RouteRate>();
    for (const [k, r] of entries) {
      const o = r as Partial<RouteRate> | null;
      if (!o || !isCounter(o.counter) || !isEwma(o.rate) || !isPeak(o.peak)) return undefined;
      // Snapshots written before runs were tracked have no run fields: start outside a run.
      const hotSince = typeof o.hotSince === 'number' ? o.hotSince : -1;
      const hotCount = typeof o.hotCount === 'number' ? o.hotCount : 0;
      routes.set(k, { counter: o.counter, rate: o.rate, peak: o.peak, hotSince, hotCount });
    }
    return { routes, any };
  },
  bytes(p) {
    let n = 64 + EWMA_BYTES;
    for (const k of p.routes.keys()) n += MAP_ENTRY_BYTES + 48 + COUNTER_BYTES + EWMA_BYTES + PEAK_BYTES + 2 * k.length;
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

export function newRouteRate(): RouteRate {
  return { counter: newCounter(), rate: newEwma(), peak: newPeak(), hotSince: -1, hotCount: 0 };
}

import { createBoundedCache } from '../cache/index.js';

/**
 * Memoizes a pure function of (method, route template). Routes are templates (`/fhir/Patient/{id}`),
 * so a deployment has a few hundred; classifying one (split, set lookups, join) on every event cost
 * more than the detectors' own work. Keyed by route, then method, so no key string is built.
 */
export type RouteMemo<V> = (method: string, route: string) => V;

/** Route templates remembered; more only means recomputing the rarest. */
export const ROUTE_MEMO_CAPACITY = 4096;

export function createRouteMemo<V>(derive: (method: string, route: string) => V, capacity = ROUTE_MEMO_CAPACITY): RouteMemo<V> {
  // NOTE: values are boxed so that `undefined` (a common answer: "not privileged") is cached too.
  const boxes = createNestedMemo(capacity, Infinity, (route, method) => ({ value: derive(method, route) }));
  return (method, route) => boxes(route, method).value;
}

/**
 * `${a}|${b}` for strings a detector holds as stable objects (a cohort key from a principal memo,
 * a step from a route memo), memoized: a cache key built per event is a new string, hashed and
 * compared in full on every lookup (a cohort key is the app and all its scopes, often over 100
 * characters). The memoized key is one string per pair, whose hash V8 keeps, and the caches it
 * indexes hold that same string, so the memo adds no copies. Keyed by `a`, then `b`.
 * NOTE: each `a` remembers at most `perA` values of `b` (steps of a cohort: a few hundred routes and
 * methods); past that the key is built afresh, equal, just slower.
 */
export type PairKey = (a: string, b: string) => string;

export function createPairKey(capacity = ROUTE_MEMO_CAPACITY, perA = 1024): PairKey {
  return createNestedMemo(capacity, perA, (a, b) => `${a}|${b}`);
}

/**
 * `make(outer, inner)` memoized in a bounded cache of Maps keyed by `outer`, then `inner`, so no key
 * string is built; each `outer` keeps at most `perOuter` values (past that they are made afresh).
 */
function createNestedMemo<V>(capacity: number, perOuter: number, make: (outer: string, inner: string) => V): (outer: string, inner: string) => V {
  const cache = createBoundedCache<Map<string, V>>(capacity);
  return (outer, inner) => {
    let byInner = cache.get(outer);
    if (byInner === undefined) {
      byInner = new Map();
      cache.set(outer, byInner);
    }
    let v = byInner.get(inner);
    if (v === undefined) {
      v = make(outer, inner);
      if (byInner.size < perOuter) byInner.set(inner, v);
    }
    return v;
  };
}

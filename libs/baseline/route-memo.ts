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
  const cache = createBoundedCache<Map<string, { value: V }>>(capacity);
  return (method, route) => {
    let byMethod = cache.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      cache.set(route, byMethod);
    }
    let box = byMethod.get(method);
    if (box === undefined) {
      box = { value: derive(method, route) };
      byMethod.set(method, box);
    }
    return box.value;
  };
}

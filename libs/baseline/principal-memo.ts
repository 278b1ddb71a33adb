import type { Principal } from '../contracts/index.js';
import { createBoundedCache } from '../cache/index.js';

/**
 * Memoizes a value derived from a principal's `app` and `scopes`, keyed by its id. Detectors need
 * the cohort key or the parsed scopes of every event, and building them (sort, join, regex) cost
 * more than the rest of several detectors; the id is a string the event already holds, so a hit
 * allocates nothing.
 *
 * NOTE: a principal's app and scopes may change between events (a new token with other scopes),
 * so a hit is checked against them element by element and recomputed when they differ: the
 * result is always exactly `derive(p)`. `authScheme` is not checked: it decides the cohort only
 * for `apikey`, and only `key:` ids (one credential each) ever carry that scheme.
 */
export type PrincipalMemo<V> = (p: Pick<Principal, 'id' | 'app' | 'scopes'> & Partial<Pick<Principal, 'authScheme'>>) => V;

interface Entry<V> {
  app: string | undefined;
  scopes: readonly string[];
  value: V;
}

export function createPrincipalMemo<V>(capacity: number, derive: (p: Pick<Principal, 'app' | 'scopes'> & Partial<Pick<Principal, 'authScheme'>>) => V): PrincipalMemo<V> {
  const cache = createBoundedCache<Entry<V>>(capacity);
  // The entry of the last call, checked before the map: a memo shared by several detectors is
  // asked about one event's principal once per detector, and only the first needs the lookup
  // (with 100k+ principals, a likely CPU cache miss). It passes the same checks a map hit does,
  // and the map hit it repeats already promoted the key, so skipping the map changes nothing.
  let lastId: string | undefined;
  let last: Entry<V> | undefined;
  return (p) => {
    if (p.id === lastId && last !== undefined && last.app === p.app && sameScopes(last.scopes, p.scopes)) return last.value;
    let entry = cache.get(p.id);
    if (entry === undefined || entry.app !== p.app || !sameScopes(entry.scopes, p.scopes)) {
      // A copy, so that a caller mutating its event later cannot make a stale entry look current.
      entry = { app: p.app, scopes: p.scopes.slice(), value: derive(p) };
      cache.set(p.id, entry);
    }
    lastId = p.id;
    last = entry;
    return entry.value;
  };
}

/** Element by element: scope arrays are a handful of strings, usually the very same string objects. */
function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Principals whose derived traits (cohort key, scope facts) are remembered: a few dozen bytes each. */
export const COHORT_MEMO_CAPACITY = 16_384;

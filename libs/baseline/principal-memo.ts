import type { Principal } from '../contracts/index.js';
import { createBoundedCache } from '../cache/index.js';
import { cohortKey } from './cohort.js';

/**
 * Memoizes a value derived from a principal's `app` and `scopes`, keyed by its id. Detectors need
 * the cohort key or the parsed scopes of every event, and building them (sort, join, regex) cost
 * more than the rest of several detectors; the id is a string the event already holds, so a hit
 * allocates nothing.
 *
 * NOTE: a principal's app and scopes may change between events (a new token with other scopes),
 * so a hit is checked against them element by element and recomputed when they differ: the
 * result is always exactly `derive(p)`.
 */
export type PrincipalMemo<V> = (p: Pick<Principal, 'id' | 'app' | 'scopes'>) => V;

interface Entry<V> {
  app: string | undefined;
  scopes: readonly string[];
  value: V;
}

export function createPrincipalMemo<V>(capacity: number, derive: (p: Pick<Principal, 'app' | 'scopes'>) => V): PrincipalMemo<V> {
  const cache = createBoundedCache<Entry<V>>(capacity);
  return (p) => {
    const hit = cache.get(p.id);
    if (hit !== undefined && hit.app === p.app && sameScopes(hit.scopes, p.scopes)) return hit.value;
    // A copy, so that a caller mutating its event later cannot make a stale entry look current.
    const entry: Entry<V> = { app: p.app, scopes: p.scopes.slice(), value: derive(p) };
    cache.set(p.id, entry);
    return entry.value;
  };
}

function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Principals whose cohort key is remembered per detector (a few dozen bytes each). */
export const COHORT_MEMO_CAPACITY = 16_384;

/** `cohortKey`, memoized per principal id. */
export function createCohortKeyMemo(capacity = COHORT_MEMO_CAPACITY): PrincipalMemo<string> {
  return createPrincipalMemo(capacity, cohortKey);
}

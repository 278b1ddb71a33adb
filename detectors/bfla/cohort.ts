import {
  cappedAdd,
  decodeCappedSet,
  decodeHll,
  encodeCappedSet,
  encodeHll,
  hllAdd,
  hllCount,
  newCappedSet,
  newHll,
  type CappedSet,
  type Hll,
  type ProfileCodec,
} from '../../libs/baseline/index.js';

/**
 * What one cohort (same app + same scope set) does with privileged functions: which privileged
 * (method, route) pairs its members used while the cohort was learning, and who has used the
 * others since. Only privileged pairs are kept, so a cohort costs a few hundred bytes.
 */
export interface CohortUse {
  /** Distinct principals seen (HyperLogLog, 256 B). */
  principals: Hll;
  pairs: Map<string, PairUse>;
  /**
   * Every (method, route) the cohort used successfully and unflagged, up to ROUTES_CAP: what a
   * cohort with fewer scopes of the same app is judged against (role.ts).
   */
  routes: Set<string>;
}

export interface PairUse {
  /** Used while the cohort was learning: part of the cohort's normal behaviour. */
  baseline: boolean;
  /** Distinct principals that used it after learning. */
  users: CappedSet;
}

/** Privileged pairs remembered per cohort; past it new pairs are judged without memory (still flagged). */
export const PAIRS_CAP = 512;
/** Functions remembered per cohort; past it a cohort's further routes are not offered as a sibling's evidence. */
export const ROUTES_CAP = 1024;
/** Enough to pass any adoption threshold of a realistic cohort; the set only needs to count that far. */
const USERS_CAP = 256;

export function seePrincipal(c: CohortUse, principal: string): void {
  hllAdd(c.principals, principal);
}

export function principalsOf(c: CohortUse): number {
  return Math.max(1, hllCount(c.principals));
}

/** The pair's record, created (as baseline while `learning`) unless the cohort is full. */
export function pairOf(c: CohortUse, key: string, learning: boolean): PairUse | undefined {
  const hit = c.pairs.get(key);
  if (hit !== undefined || c.pairs.size >= PAIRS_CAP) return hit;
  const fresh: PairUse = { baseline: learning, users: newCappedSet(USERS_CAP) };
  c.pairs.set(key, fresh);
  return fresh;
}

export function addUser(p: PairUse, principal: string): void {
  cappedAdd(p.users, principal);
}

export function addRoute(c: CohortUse, pair: string): void {
  if (c.routes.size < ROUTES_CAP) c.routes.add(pair);
}

interface Encoded {
  principals: string;
  pairs: Array<[string, boolean, unknown]>;
  /** Absent in rows saved before role paths (read as none). */
  routes?: string[];
}

/** JSON form for baseline snapshots: route templates and principal ids only, no object ids. */
export const cohortCodec: ProfileCodec<CohortUse> = {
  create: () => ({ principals: newHll(8), pairs: new Map(), routes: new Set() }),
  encode: (c): Encoded => ({
    principals: encodeHll(c.principals),
    pairs: [...c.pairs].map(([k, p]) => [k, p.baseline, encodeCappedSet(p.users)]),
    routes: [...c.routes],
  }),
  decode(v) {
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Partial<Encoded>;
    if (typeof o.principals !== 'string' || !Array.isArray(o.pairs)) return undefined;
    const principals = decodeHll(o.principals);
    if (principals === undefined) return undefined;
    const pairs = new Map<string, PairUse>();
    for (const item of o.pairs.slice(0, PAIRS_CAP)) {
      if (!Array.isArray(item)) return undefined;
      const [k, baseline, users] = item as unknown[];
      const set = decodeCappedSet(users);
      if (typeof k !== 'string' || typeof baseline !== 'boolean' || set === undefined) return undefined;
      pairs.set(k, { baseline, users: set });
    }
    const routes = new Set<string>();
    if (o.routes !== undefined) {
      if (!Array.isArray(o.routes)) return undefined;
      for (const r of o.routes.slice(0, ROUTES_CAP)) {
        if (typeof r !== 'string') return undefined;
        routes.add(r);
      }
    }
    return { principals, pairs, routes };
  },
  bytes(c) {
    let n = 300;
    for (const [k, p] of c.pairs) n += 120 + 2 * k.length + 60 * p.users.values.size;
    for (const r of c.routes) n += 40 + 2 * r.length;
    return n;
  },
};

import { hasCappedSets, measureHeapSplit } from '../libs/baseline/index.js';
import type { NormalizedEvent } from '../libs/contracts/index.js';
import { createDetectorRuntime, type Detector } from './framework.js';

/**
 * How the per-principal memory budget (issue 3, libs/baseline/budget.ts) is measured, shared by
 * `npm run bench` and detectors/budget.test.ts so the figure in the README and the one the test
 * holds to are the same measure.
 */

const T0 = Date.UTC(2026, 10, 2, 8);

/**
 * Principal `i`'s traffic: a search with paging, an object read and a bulk-looking read, so every
 * detector holds its usual per-principal state. Everything else (IP, user agent, sizes, status)
 * comes from `bases[i % bases.length]`.
 */
export function budgetTraffic(i: number, ts: number, bases: readonly NormalizedEvent[]): NormalizedEvent[] {
  const base = bases[i % bases.length] as NormalizedEvent;
  const principal = { id: `user:bench-${i}`, kind: 'user' as const, app: `app:${i % 20}`, scopes: ['patient/*.read'], authScheme: 'bearer' as const };
  return [
    { ...base, ts, principal, route: '/fhir/Observation', queryKeys: ['_count', 'patient'], paging: { count: 20 }, status: 200 },
    { ...base, ts: ts + 1, principal, route: '/fhir/Patient/{id}', objects: [{ type: 'Patient', id: `tok_${i}`, via: 'path', created: false }], status: 200 },
    { ...base, ts: ts + 2, principal, route: '/fhir/Encounter', queryKeys: ['_include', 'patient'], status: 200 },
  ];
}

export interface PrincipalBytes {
  /** Heap bytes per principal, everything the detector(s) hold. */
  total: number;
  /** The same once the capped sets are emptied: what the budget limits. */
  outside: number;
}

/** One detector alone over `principals` principals (heap after GC; includes the key strings). */
export function detectorBytes(d: Detector, principals: number, bases: readonly NormalizedEvent[]): PrincipalBytes {
  const r = measureHeapSplit(
    principals,
    (n) => {
      const state = d.createState();
      for (let i = 0; i < n; i++) for (const e of budgetTraffic(i, T0 + i, bases)) d.detect(e, state);
      return state;
    },
    (state) => {
      if (hasCappedSets(d)) d.clearCapped(state);
    },
  );
  return { total: r.totalPerItem, outside: r.outsidePerItem };
}

/**
 * One runtime with every detector of `create()`, the way a principal is really held: measured at
 * `small` and 3 x `small` principals, and the difference divided by the principals added, so fixed
 * costs (memos and caches that saturated, empty tables) drop out of the per-principal figure.
 */
export function runtimeMarginalBytes(create: () => Detector[], small: number, bases: readonly NormalizedEvent[]): PrincipalBytes {
  const at = (n: number) =>
    measureHeapSplit(
      n,
      (k) => {
        const rt = createDetectorRuntime(create());
        for (let i = 0; i < k; i++) for (const e of budgetTraffic(i, T0 + i, bases)) rt.detect(e);
        return rt;
      },
      (rt) => rt.clearCapped(),
    );
  const s = at(small);
  const l = at(3 * small);
  const marginal = (f: (x: ReturnType<typeof at>) => number) => (f(l) * 3 * small - f(s) * small) / (2 * small);
  return { total: marginal((x) => x.totalPerItem), outside: marginal((x) => x.outsidePerItem) };
}

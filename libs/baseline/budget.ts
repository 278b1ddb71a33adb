/**
 * The per-principal memory budget (issue 3): at most 2 KiB per principal outside capped sets.
 *
 * "Capped sets" are the collections whose size a setting bounds and whose entries are evicted past
 * it: per-route maps (`routesPerPrincipal`), object, network and user-agent sets, rings of recent
 * values, sketches' variable parts. Everything else a principal costs (its entry in the profile map,
 * the key, fixed EWMAs, counters, hour profiles, the empty collections themselves) is "outside" and
 * must fit the budget summed over every detector, because one principal is seen by all of them.
 */
export const PRINCIPAL_BUDGET_BYTES = 2048;

/**
 * Optional detector capability, for the budget measurement only: empties every capped collection
 * of every profile in `state` and keeps everything else. The state is not used afterwards.
 */
export interface CappedSets<S> {
  clearCapped(state: S): void;
}

export function hasCappedSets<S>(d: object): d is CappedSets<S> {
  return typeof (d as Partial<CappedSets<S>>).clearCapped === 'function';
}

import { cappedAdd, hllAdd, hllCount, newCappedSet, newHll, type CappedSet, type Hll } from '../../libs/baseline/index.js';

/**
 * Per cohort (same app + scope set): who has been seen, and who got 2xx for each uncovered
 * (resource type, interaction). When many principals of one cohort do the same uncovered thing,
 * the API simply does not enforce that scope for the app: one systemic finding says so, instead
 * of one alert per clinician of the ward.
 */
export interface CohortGaps {
  principals: Hll;
  gaps: Map<string, Gap>;
}

export interface Gap {
  violators: CappedSet;
  /** Reported as systemic: later violations of this gap are not reported again. */
  systemic: boolean;
}

/** Gaps remembered per cohort; past it a new gap is reported per principal, never as systemic. */
const GAPS_CAP = 256;
/** Only needs to count up to the systemic threshold of a large cohort. */
const VIOLATORS_CAP = 1024;

export function newCohortGaps(): CohortGaps {
  return { principals: newHll(8), gaps: new Map() };
}

export function seePrincipal(c: CohortGaps, principal: string): void {
  hllAdd(c.principals, principal);
}

export type GapVerdict = { kind: 'individual'; violators: number } | { kind: 'systemic'; violators: number; principals: number } | { kind: 'known' };

/**
 * Records that `principal` got an uncovered `gapKey` answered, and says how to report it: per
 * principal until `max(minPrincipals, share x cohort size)` distinct principals did it, then once
 * as systemic, then never again.
 */
export function recordGap(c: CohortGaps, gapKey: string, principal: string, opts: { minPrincipals: number; share: number }): GapVerdict {
  let gap = c.gaps.get(gapKey);
  if (gap === undefined) {
    if (c.gaps.size >= GAPS_CAP) return { kind: 'individual', violators: 1 };
    gap = { violators: newCappedSet(VIOLATORS_CAP), systemic: false };
    c.gaps.set(gapKey, gap);
  }
  if (gap.systemic) return { kind: 'known' };
  cappedAdd(gap.violators, principal);
  const violators = gap.violators.values.size;
  const principals = Math.max(1, hllCount(c.principals));
  if (violators >= Math.max(opts.minPrincipals, Math.ceil(opts.share * principals))) {
    gap.systemic = true;
    return { kind: 'systemic', violators, principals };
  }
  return { kind: 'individual', violators };
}

/**
 * Where a threshold came from, and how much a finding against it can be trusted. A principal's own
 * history is the strongest evidence; its cohort is weaker (members differ); a configured ceiling,
 * used while both still learn, is the weakest. Crossing the threshold by more raises confidence,
 * by 0.1 per doubling, capped at 0.99.
 */
export type BaselineSource = 'principal' | 'cohort' | 'ceiling';

const BASE: Record<BaselineSource, number> = { principal: 0.8, cohort: 0.65, ceiling: 0.5 };

export function confidence(source: BaselineSource, observed: number, threshold: number): number {
  const ratio = threshold > 0 ? observed / threshold : 2;
  const c = BASE[source] + 0.1 * Math.log2(Math.max(1, ratio));
  return Math.round(Math.min(0.99, c) * 100) / 100;
}

/** Rounds for evidence: two decimals are plenty for a human reading an alert. */
export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

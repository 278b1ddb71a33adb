/**
 * One principal's session (steps with gaps under `sessionGapSeconds`) and the flow evidence it
 * has gathered: how many of its state-changing steps were judged against the cohort, and which of
 * them were anomalous, with the probability a cohort step would be that anomalous.
 */
export type AnomalyPattern = 'unseen_transition' | 'rare_transition' | 'skipped_step';

export interface Anomaly {
  pattern: AnomalyPattern;
  /** `from -> to` or `to without step`: the same anomaly twice in a session is one piece of evidence. */
  key: string;
  /** The state-changing step judged anomalous (the `to` of a transition, the step arrived at without its usual prior). */
  step: string;
  /** Probability that a cohort step would be this anomalous (transitions.ts). */
  p: number;
  /** For transitions: the count and total; for skips: the skipped step's share and arrivals. */
  count: number;
  total: number;
}

export interface Session {
  lastTs: number;
  /** The previous step (`METHOD route`) of the session. */
  last: string | undefined;
  /** Distinct steps of the session so far, oldest first (capped). */
  visited: string[];
  /** State-changing steps judged against learned cohort statistics: the number of tests made. */
  judged: number;
  anomalies: Anomaly[];
  /** Raised a finding: its later steps are not learned from, so abuse does not become a normal flow. */
  alerted: boolean;
}

const ANOMALY_CAP = 16;

export function newSession(): Session {
  return { lastTs: Number.NEGATIVE_INFINITY, last: undefined, visited: [], judged: 0, anomalies: [], alerted: false };
}

export function resetSession(s: Session): void {
  Object.assign(s, newSession(), { lastTs: s.lastTs });
}

/**
 * Adds an anomaly unless the session already holds one about the same step; true when it was new.
 * NOTE: the chance multiplies anomalies as independent, but arriving at one unusual step twice, from
 * two different places (a clinician who charts an Observation after a Patient read, then after an
 * Observation read), is one surprise about that step, not two: a benign principal whose role differs
 * a little from its cohort's repeats it. So a step counts once, however it was reached.
 */
export function addAnomaly(s: Session, a: Anomaly): boolean {
  if (s.anomalies.length >= ANOMALY_CAP || s.anomalies.some((x) => x.key === a.key || x.step === a.step)) return false;
  s.anomalies.push(a);
  return true;
}

/**
 * log10 of the chance that a benign cohort session with this many judged steps shows anomalies
 * this improbable: C(judged, k) x the product of their probabilities (a union bound over which k
 * of the judged steps were the anomalous ones, steps taken as independent).
 */
export function log10Chance(judged: number, anomalies: readonly Anomaly[]): number {
  const k = anomalies.length;
  const m = Math.max(judged, k);
  let log = 0;
  for (let i = 0; i < k; i++) log += Math.log10((m - i) / (i + 1));
  for (const a of anomalies) log += Math.log10(a.p);
  return log;
}

/** Sessions a cohort starts per day of event time: the number of sessions judged, for Bonferroni. */
export interface CohortDays {
  day: number;
  cur: number;
  prev: number;
}

const DAY = 86_400_000;

export function newCohortDays(): CohortDays {
  return { day: -1, cur: 0, prev: 0 };
}

export function countSession(c: CohortDays, ts: number): void {
  const day = Math.floor(ts / DAY);
  if (day > c.day) {
    c.prev = day === c.day + 1 ? c.cur : 0;
    c.cur = 0;
    c.day = day;
  }
  c.cur++;
}

/** The cohort's sessions per day: the larger of yesterday and today so far, at least 1. */
export function sessionsPerDay(c: CohortDays): number {
  return Math.max(1, c.prev, c.cur);
}

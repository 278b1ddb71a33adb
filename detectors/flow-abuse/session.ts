import type { Repeat } from './repeats.js';
import type { Created } from './undo.js';

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
  /** Undefined until the session's first anomaly: most sessions have none, and an empty array is 32 bytes. */
  anomalies: Anomaly[] | undefined;
  /** Raised a finding: its later steps are not learned from, so abuse does not become a normal flow. */
  alerted: boolean;
}

/**
 * Everything flow-abuse keeps about one principal, in one object (each object costs a header,
 * and there is one per principal): its session, its open repeats, the objects it created in the
 * repeat window. The maps are created on the principal's first write that needs them and dropped
 * when they empty, since most principals only read.
 */
export interface PrincipalFlow extends Session {
  repeats: Map<string, Repeat> | undefined;
  /** Objects the principal created in the repeat window, so deleting one again is an undone creation. */
  created: Map<string, Created> | undefined;
  /** Start of the principal's current tumbling repeat window; -1 when none is open. */
  bucketStart: number;
  /**
   * Its own past (sessions that raised nothing): state-changing steps judged, and how many of them
   * were anomalous for its cohort. A principal whose role is a minority in its cohort (emergency
   * physicians among hospitalists, on the same app and scopes) makes cohort-rare steps night after
   * night, a different one each time, so the cohort's odds overstate how surprising its next one is.
   */
  pastJudged: number;
  pastRare: number;
}

export const ANOMALY_CAP = 16;
/** Distinct steps remembered per session (the oldest forgotten first). */
export const VISITED_CAP = 32;

export function newFlow(): PrincipalFlow {
  return {
    lastTs: Number.NEGATIVE_INFINITY,
    last: undefined,
    visited: [],
    judged: 0,
    anomalies: undefined,
    alerted: false,
    repeats: undefined,
    created: undefined,
    bucketStart: -1,
    pastJudged: 0,
    pastRare: 0,
  };
}

/**
 * Past judged steps kept: past this, both counts are halved, so the rate follows the last weeks of
 * the principal's work (a clinician moving from the ED to the wards) rather than all of it.
 */
export const PAST_SPAN = 2000;
/**
 * Cohort-rare steps a principal must have made in sessions that raised nothing before its own rate
 * counts: one is chance, two in separate sessions is a habit. The prior of `PAST_PRIOR` judged
 * steps without one keeps a short history from making a principal's rate large.
 */
export const PAST_MIN_RARE = 2;
export const PAST_PRIOR = 20;

/** Folds the session that just ended into the principal's past, unless it raised a finding. */
export function foldSession(f: PrincipalFlow): void {
  if (f.alerted || f.judged === 0) return;
  f.pastJudged += f.judged;
  f.pastRare += f.anomalies?.length ?? 0;
  if (f.pastJudged > PAST_SPAN) {
    f.pastJudged = Math.round(f.pastJudged / 2);
    f.pastRare = Math.floor(f.pastRare / 2);
  }
}

/**
 * How often the principal's own judged steps were cohort-rare (0 until `PAST_MIN_RARE` were): no
 * anomalous step of its is less likely than that for it, whatever the cohort's odds say.
 */
export function ownRareRate(f: Pick<PrincipalFlow, 'pastJudged' | 'pastRare'>): number {
  return f.pastRare < PAST_MIN_RARE ? 0 : f.pastRare / (f.pastJudged + PAST_PRIOR);
}

/** Starts a new session, keeping `lastTs` and everything that is not the session's. */
export function resetSession(s: Session): void {
  s.last = undefined;
  s.visited = [];
  s.judged = 0;
  s.anomalies = undefined;
  s.alerted = false;
}

/**
 * Adds an anomaly unless the session already holds one about the same step; true when it was new.
 * NOTE: the chance multiplies anomalies as independent, but arriving at one unusual step twice, from
 * two different places (a clinician who charts an Observation after a Patient read, then after an
 * Observation read), is one surprise about that step, not two: a benign principal whose role differs
 * a little from its cohort's repeats it. So a step counts once, however it was reached.
 */
export function addAnomaly(s: Session, a: Anomaly): boolean {
  const held = (s.anomalies ??= []);
  if (held.length >= ANOMALY_CAP || held.some((x) => x.key === a.key || x.step === a.step)) return false;
  held.push(a);
  return true;
}

/**
 * log10 of the chance that a benign cohort session with this many judged steps shows anomalies
 * this improbable: C(judged, k) x the product of their probabilities (a union bound over which k
 * of the judged steps were the anomalous ones, steps taken as independent). No probability counts
 * below `floor`, the principal's own rate of such steps (`ownRareRate`).
 */
export function log10Chance(judged: number, anomalies: readonly Anomaly[], floor = 0): number {
  const k = anomalies.length;
  const m = Math.max(judged, k);
  let log = 0;
  for (let i = 0; i < k; i++) log += Math.log10((m - i) / (i + 1));
  for (const a of anomalies) log += Math.log10(Math.max(a.p, floor));
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

/**
 * Counts a session on the day it started. NOTE: a session of an earlier day arrives late when a
 * Kafka partition lags behind the one that moved the cohort to a later day (a backlog): yesterday's
 * counts as yesterday's, older ones no longer matter; counted as today's they would inflate the
 * Bonferroni divisor by the days of skew.
 */
export function countSession(c: CohortDays, ts: number): void {
  const day = Math.floor(ts / DAY);
  if (day > c.day) {
    c.prev = day === c.day + 1 ? c.cur : 0;
    c.cur = 0;
    c.day = day;
  }
  if (day === c.day) c.cur++;
  else if (day === c.day - 1) c.prev++;
}

/** The cohort's sessions per day: the larger of yesterday and today so far, at least 1. */
export function sessionsPerDay(c: CohortDays): number {
  return Math.max(1, c.prev, c.cur);
}

import type { FlowAbuseConfig } from './config.js';

/**
 * A cohort's flow between routes: how often each step (method + route) is followed by each other
 * step within a principal's session, and which earlier steps of the session preceded each
 * session's first arrival at a state-changing step. Kept exact but capped; route templates only.
 * Keyed by `cohort|step`: patients, clinicians and services walk different flows, so a transition
 * is only rare relative to the principal's own cohort.
 */
export interface FromStats {
  total: number;
  to: Map<string, number>;
  /** True once a new target was refused at the cap: absent targets are then unknown, not unseen. */
  saturated: boolean;
  principals: Set<string>;
}

export interface TargetStats {
  /** Sessions that reached the step (each counted once, at its first arrival). */
  arrivals: number;
  /** Earlier steps of the session -> arrivals they preceded. */
  preceded: Map<string, number>;
  principals: Set<string>;
}

export const TO_CAP = 256;
export const PRECEDED_CAP = 64;
export const PRINCIPALS_CAP = 64;
/**
 * Rule of three: when an outcome was never seen in n trials, 3/n bounds its probability (95%).
 * Added to every observed count, so a transition seen once in 300 is not "1 in 300" but <= 4/300.
 */
const UNSEEN = 3;

export function newFromStats(): FromStats {
  return { total: 0, to: new Map(), saturated: false, principals: new Set() };
}

export function newTargetStats(): TargetStats {
  return { arrivals: 0, preceded: new Map(), principals: new Set() };
}

export function learnTransition(f: FromStats, to: string, principal: string): void {
  f.total++;
  const n = f.to.get(to);
  if (n !== undefined) f.to.set(to, n + 1);
  else if (f.to.size < TO_CAP) f.to.set(to, 1);
  else f.saturated = true;
  if (f.principals.size < PRINCIPALS_CAP) f.principals.add(principal);
}

/** A session's first arrival at a state-changing step, with the distinct steps before it. */
export function learnArrival(t: TargetStats, visited: readonly string[], principal: string): void {
  t.arrivals++;
  for (const v of visited) {
    const n = t.preceded.get(v);
    if (n !== undefined) t.preceded.set(v, n + 1);
    else if (t.preceded.size < PRECEDED_CAP) t.preceded.set(v, 1);
  }
  if (t.principals.size < PRINCIPALS_CAP) t.principals.add(principal);
}

export interface TransitionOdds {
  count: number;
  total: number;
  /**
   * How likely a cohort step from the same source is to be at least this rare: the share of the
   * source's transitions whose target was seen at most `count` times, plus the rule-of-three mass
   * of targets never seen. A p-value against the cohort's own distribution: in a long tail, one
   * rare target is unlikely but "some rare target" is not, and this counts the whole tail.
   */
  p: number;
}

/** The odds of `from -> to` in the cohort, once learned from `minPrincipals` principals. */
export function transitionOdds(f: FromStats | undefined, to: string, cfg: FlowAbuseConfig): TransitionOdds | undefined {
  if (f === undefined || f.principals.size < cfg.minPrincipals) return undefined;
  const count = f.to.get(to) ?? 0;
  if (count === 0 && f.saturated) return undefined;
  let tail = UNSEEN;
  for (const n of f.to.values()) if (n <= count) tail += n;
  return { count, total: f.total, p: Math.min(1, tail / f.total) };
}

export interface SkipOdds {
  /** The earlier step that preceded the most arrivals and that this session did not take. */
  step: string;
  share: number;
  arrivals: number;
  /** Upper bound on how often a cohort session skips it: (skips + 3) / arrivals. */
  p: number;
}

/**
 * The least likely skip of a step that preceded the cohort's arrivals at the target; `p` 1 (and no
 * step) when the session skipped nothing; undefined while the target's arrivals are not learned.
 */
export function skipOdds(t: TargetStats | undefined, visited: readonly string[], cfg: FlowAbuseConfig): SkipOdds | undefined {
  if (t === undefined || t.principals.size < cfg.minPrincipals) return undefined;
  let best: SkipOdds = { step: '', share: 0, arrivals: t.arrivals, p: 1 };
  for (const [step, n] of t.preceded) {
    if (visited.includes(step)) continue;
    const p = Math.min(1, (t.arrivals - n + UNSEEN) / t.arrivals);
    if (p < best.p) best = { step, share: n / t.arrivals, arrivals: t.arrivals, p };
  }
  return best;
}

import type { FlowAbuseConfig } from './config.js';

/**
 * The population's flow between routes: how often each step (method + route) is followed by each
 * other step within a principal's session, and which earlier steps of the session preceded each
 * arrival at a state-changing step. Kept exact but capped; route templates only, no ids.
 */
export interface FromStats {
  total: number;
  to: Map<string, number>;
  /** True once a new target was refused at the cap: absent targets are then unknown, not unseen. */
  saturated: boolean;
  principals: Set<string>;
}

export interface TargetStats {
  arrivals: number;
  /** Earlier steps of the session -> arrivals they preceded. */
  preceded: Map<string, number>;
  principals: Set<string>;
}

const TO_CAP = 256;
const PRECEDED_CAP = 64;
const PRINCIPALS_CAP = 64;

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

export function learnArrival(t: TargetStats, visited: readonly string[], principal: string): void {
  t.arrivals++;
  for (const v of visited) {
    const n = t.preceded.get(v);
    if (n !== undefined) t.preceded.set(v, n + 1);
    else if (t.preceded.size < PRECEDED_CAP) t.preceded.set(v, 1);
  }
  if (t.principals.size < PRINCIPALS_CAP) t.principals.add(principal);
}

export interface RareTransition {
  count: number;
  total: number;
  upperShare: number;
}

/**
 * Whether `from -> to` is rare in the population: learned from enough transitions and principals,
 * and even the upper bound of its share, (count + 3) / total, is under `rareShare`.
 */
export function rareTransition(f: FromStats | undefined, to: string, cfg: FlowAbuseConfig): RareTransition | undefined {
  if (f === undefined || f.principals.size < cfg.minPrincipals) return undefined;
  const count = f.to.get(to);
  if (count === undefined && f.saturated) return undefined;
  const upperShare = ((count ?? 0) + 3) / f.total;
  return upperShare < cfg.rareShare ? { count: count ?? 0, total: f.total, upperShare } : undefined;
}

export interface RequiredStep {
  step: string;
  share: number;
  arrivals: number;
}

/** Earlier steps that preceded nearly every arrival at the target, and that this session skipped. */
export function skippedSteps(t: TargetStats | undefined, visited: readonly string[], cfg: FlowAbuseConfig): RequiredStep[] {
  if (t === undefined || t.arrivals < cfg.minArrivals || t.principals.size < cfg.minPrincipals) return [];
  const out: RequiredStep[] = [];
  for (const [step, n] of t.preceded) {
    const share = n / t.arrivals;
    if (share >= cfg.requiredShare && !visited.includes(step)) out.push({ step, share, arrivals: t.arrivals });
  }
  return out;
}

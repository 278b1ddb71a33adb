import { estimate, newCounter, newEwma, observe, roll, upperBound, type Ewma, type WindowCounter } from '../../libs/baseline/index.js';
import type { CredentialStuffingConfig } from './config.js';
import { newRun, type FailureRun } from './run.js';
import { addToPopulation, populationQuantile, populationSize, type Population } from './stats.js';

/**
 * Authentication outcomes of one source: an IP, or a /24 (/64) subnet. Failures are keyed by
 * where they come from because the principal of a failed login is often just the IP.
 */
export interface SourceState {
  /** Sliding failures; its closed buckets teach `own` and the population (unless they alerted). */
  failures: WindowCounter;
  /** 2xx answers to this source: a NAT full of working clients is not a stuffing bot. */
  successes: WindowCounter;
  /** Failures that carried no credential fingerprint (form logins, basic auth, missing credentials). */
  anonymous: WindowCounter;
  /** Usernames / credential fingerprints seen failing, with the last time each was seen. */
  accounts: Map<string, number>;
  credentials: Map<string, number>;
  /** For subnets: member IPs that failed, with the last time. */
  ips: Map<string, number>;
  /** Routes this source failed on (a later 2xx there is a success of the attack). */
  failedRoutes: Set<string>;
  /** Failures per active window of this source's own past. */
  own: Ewma;
  /** Event time until which a success from this source counts as an account takeover. */
  flaggedUntil: number;
  /** The current run of failures with no success between them (used for IPs only). */
  run: FailureRun;
}

export function newSource(): SourceState {
  return {
    failures: newCounter(),
    successes: newCounter(),
    anonymous: newCounter(),
    accounts: new Map(),
    credentials: new Map(),
    ips: new Map(),
    failedRoutes: new Set(),
    own: newEwma(),
    flaggedUntil: -1,
    run: newRun(),
  };
}

const EWMA = { alpha: 0.2, halfLifeMs: 7 * 24 * 3600_000 };
/** Caps on the per-source sets: past them the counts saturate, far above every floor. */
export const SET_CAP = 64;
export const ROUTE_CAP = 16;

/** Moves the source's windows to `ts`; a closed failure window teaches the source and the population. */
export function advance(s: SourceState, ts: number, windowMs: number, population: Population): void {
  const closed = roll(s.failures, ts, windowMs);
  if (closed > 0) {
    observe(s.own, closed, ts, EWMA);
    addToPopulation(population, closed);
  }
  roll(s.successes, ts, windowMs);
  roll(s.anonymous, ts, windowMs);
}

export interface FailureInput {
  ts: number;
  ip: string;
  route: string;
  account: string | undefined;
  credential: string | undefined;
}

export function recordFailure(s: SourceState, f: FailureInput, windowMs: number): void {
  s.failures.cur++;
  if (f.credential === undefined) s.anonymous.cur++;
  remember(s.accounts, f.account, f.ts, windowMs);
  remember(s.credentials, f.credential, f.ts, windowMs);
  remember(s.ips, f.ip, f.ts, windowMs);
  if (s.failedRoutes.size < ROUTE_CAP) s.failedRoutes.add(f.route);
}

export function recordSuccess(s: SourceState): void {
  s.successes.cur++;
}

function remember(map: Map<string, number>, key: string | undefined, ts: number, windowMs: number): void {
  if (key === undefined) return;
  if (!map.has(key) && map.size >= SET_CAP) prune(map, ts, windowMs);
  if (map.has(key) || map.size < SET_CAP) map.set(key, ts);
}

function prune(map: Map<string, number>, ts: number, windowMs: number): void {
  for (const [k, last] of map) if (last <= ts - windowMs) map.delete(k);
}

/** Entries seen within the window (expired ones are dropped). */
export function live(map: Map<string, number>, ts: number, windowMs: number): number {
  prune(map, ts, windowMs);
  return map.size;
}

export interface Counts {
  failures: number;
  successes: number;
  ratio: number;
  accounts: number;
  credentials: number;
  anonymous: number;
  ips: number;
}

/** Sliding-window counts (call `advance` first). Failure counts are rounded estimates. */
export function counts(s: SourceState, ts: number, windowMs: number): Counts {
  const failures = Math.round(estimate(s.failures, ts, windowMs));
  const successes = Math.round(estimate(s.successes, ts, windowMs));
  return {
    failures,
    successes,
    ratio: failures + successes === 0 ? 0 : failures / (failures + successes),
    accounts: live(s.accounts, ts, windowMs),
    credentials: live(s.credentials, ts, windowMs),
    anonymous: Math.round(estimate(s.anonymous, ts, windowMs)),
    ips: live(s.ips, ts, windowMs),
  };
}

export interface Limit {
  threshold: number;
  /** Which term set the threshold: the documented floor, the source's own history, or the population. */
  basis: 'floor' | 'learning_floor' | 'own_baseline' | 'population';
  populationQuantile: number;
}

/**
 * Failures per window from which this source is bursting: the floor; the population's quantile
 * times a multiplier once the population is learned (until then, twice the floor); the source's
 * own baseline once it has `learningWindows` of history (a NAT's daily typos).
 */
export function limitOf(s: SourceState, population: Population, floor: number, cfg: CredentialStuffingConfig): Limit {
  const popLearned = populationSize(population) >= cfg.populationLearningWindows;
  const popQ = popLearned ? populationQuantile(population, cfg.populationQuantile) : 0;
  let limit: Limit = { threshold: popLearned ? floor : floor * 2, basis: popLearned ? 'floor' : 'learning_floor', populationQuantile: popQ };
  const popLimit = popQ * cfg.populationMultiplier;
  if (popLimit > limit.threshold) limit = { ...limit, threshold: popLimit, basis: 'population' };
  if (s.own.n >= cfg.learningWindows) {
    const ownLimit = upperBound(s.own, { floor: 0, multiplier: cfg.baselineMultiplier, z: 4 });
    if (ownLimit > limit.threshold) limit = { ...limit, threshold: ownLimit, basis: 'own_baseline' };
  }
  return { ...limit, threshold: Math.ceil(limit.threshold) };
}

import type { CredentialStuffingConfig } from './config.js';
import { addToPopulation, populationQuantile, populationSize, type Population } from './stats.js';

/**
 * One IP's current run of authentication failures: consecutive failures with no 2xx answer to
 * that IP between them and no pause longer than the window. A burst is judged on rate (failures
 * per window); a run ending in a success is judged on length, whatever its pace, because a
 * password guesser that paces itself under the rate floors still needs many tries before the one
 * that works, while a person who mistyped needs one or two.
 */
export interface FailureRun {
  failures: number;
  /** Failures that carried no credential fingerprint (form logins, basic auth). */
  anonymous: number;
  /** Distinct credential fingerprints among the failures, capped at 2: one means a stale token. */
  credentials: string[];
  first: number;
  last: number;
}

/** A run that a 2xx just ended. */
export interface EndedRun {
  failures: number;
  anonymous: number;
  credentials: number;
  seconds: number;
}

export function newRun(): FailureRun {
  return { failures: 0, anonymous: 0, credentials: [], first: -1, last: -1 };
}

/** Adds a failure at `ts`; a pause longer than `gapMs` since the last one starts a new run. */
export function extendRun(r: FailureRun, ts: number, gapMs: number, credential: string | undefined): void {
  if (r.failures > 0 && ts - r.last > gapMs) Object.assign(r, newRun());
  if (r.failures === 0) r.first = ts;
  r.failures++;
  r.last = Math.max(r.last, ts);
  if (credential === undefined) r.anonymous++;
  else if (r.credentials.length < 2 && !r.credentials.includes(credential)) r.credentials.push(credential);
}

/** Ends the run at a 2xx at `ts`: what it was (undefined when there was none, or it lapsed), then empty. */
export function endRun(r: FailureRun, ts: number, gapMs: number): EndedRun | undefined {
  const live = r.failures > 0 && ts - r.last <= gapMs;
  const ended = live ? { failures: r.failures, anonymous: r.anonymous, credentials: r.credentials.length, seconds: Math.round((ts - r.first) / 1000) } : undefined;
  Object.assign(r, newRun());
  return ended;
}

/** True when the failures were guesses: credential-less, or several credentials (not one stale token). */
export function guessed(run: EndedRun): boolean {
  return run.anonymous > 0 || run.credentials >= 2;
}

export interface RunLimit {
  threshold: number;
  basis: 'floor' | 'learning_floor' | 'population';
  populationQuantile: number;
}

/**
 * Failures before a success from which the run is a takeover: the floor `minFailures`;
 * `populationMultiplier` x the `populationQuantile` of the failures that preceded each successful
 * login across the deployment (mostly 0, a typo or two) once `populationLearningWindows` logins were
 * seen; until then twice the floor.
 */
export function runLimit(population: Population, cfg: CredentialStuffingConfig): RunLimit {
  if (populationSize(population) < cfg.populationLearningWindows) return { threshold: 2 * cfg.minFailures, basis: 'learning_floor', populationQuantile: 0 };
  const q = populationQuantile(population, cfg.populationQuantile);
  const learned = Math.ceil(q * cfg.populationMultiplier);
  return learned > cfg.minFailures ? { threshold: learned, basis: 'population', populationQuantile: q } : { threshold: cfg.minFailures, basis: 'floor', populationQuantile: q };
}

/**
 * A successful login that raised nothing teaches the population how many failures preceded it.
 * NOTE: logins without any failure count too (as 0): the question is how unusual N failures
 * before a success are among all successful logins, not only among those that had a typo.
 */
export function learnRun(population: Population, failures: number): void {
  addToPopulation(population, failures);
}

import {
  confidence,
  createPackedProfileMap,
  createProfileMap,
  newEwma,
  observe,
  round2,
  stdDev,
  upperBound,
  type CappedSets,
  type Ewma,
  type PackedProfileMap,
  type Persistent,
  type ProfileMap,
} from '../../libs/baseline/index.js';
import { COUNTER_ALERTED, COUNTER_CUR, estimateAt, rollAt, tooLateAt } from '../../libs/baseline/counter.js';
import { observeAt, unpackEwma, upperBoundAt } from '../../libs/baseline/ewma.js';
import { observePeakAt, peakValueAt } from '../../libs/baseline/peak.js';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import type { Detector } from '../framework.js';
import { createTraitsMemo, type TraitsDeps } from '../principal-traits.js';
import { findingAbout } from '../framework.js';
import { DEFAULTS, type RateConfig } from './config.js';
import * as slot from './profile.js';
import {
  clearRoutes,
  cohortCodec,
  principalCodec,
  routeOf,
  routeSlot,
  type CohortRate,
  type PrincipalRate,
} from './profile.js';

export { DEFAULTS, type RateConfig } from './config.js';

// NOTE: module-local copies of the slot offsets (plain constants in hot code; an imported binding
// is a lookup per use under some module loaders, e.g. vitest's). Route slots are relative to the
// route's offset, ANY is absolute.
const ANY = slot.ANY;
const ANY_N = slot.ANY + 4;
const COUNTER = slot.COUNTER;
const CUR = slot.COUNTER + COUNTER_CUR;
const ALERTED = slot.COUNTER + COUNTER_ALERTED;
const RATE = slot.RATE;
const RATE_N = slot.RATE + 4;
const PEAK = slot.PEAK;
const HOT_SINCE = slot.HOT_SINCE;
const HOT_COUNT = slot.HOT_COUNT;

export const NAME = 'rate';
export const OWASP = 'API4:2023';

export interface RateState {
  principals: PackedProfileMap<PrincipalRate>;
  cohorts: ProfileMap<CohortRate>;
}

/**
 * Rate (OWASP API4:2023, unrestricted resource consumption): a principal's request rate on one
 * route, over a sliding window, far above its own baseline for that route (EWMA mean and variance
 * of its past active windows). While the principal learns, its cohort (same app + scope set) is
 * the baseline; a route new to both is judged against their windows on any route. While principal
 * and cohort both learn nothing is reported. The floor (`minPerWindow`) is a volume, not a speed:
 * it is met by one window (`rate_spike`) or by a run of requests that all found the rate above the
 * baseline's bound (`rate_sustained`). At most one finding per principal, route and window bucket;
 * a bucket that alerted, or closed inside a run, is not learned from.
 */
export function createRateDetector(cfg: RateConfig = DEFAULTS, deps: TraitsDeps = {}): Detector<RateState> & Persistent<RateState> & CappedSets<RateState> {
  // The cohort key, from the memo services/registry.ts shares between detectors (one lookup per event).
  const traitsOf = deps.traits ?? createTraitsMemo();
  const windowMs = cfg.windowSeconds * 1000;
  const ewma = { alpha: cfg.alpha, halfLifeMs: cfg.halfLifeSeconds * 1000 };
  const relative = { floor: 0, multiplier: cfg.multiplier, z: cfg.z };
  const peakHalfLifeMs = cfg.peakHalfLifeSeconds * 1000;
  const principalLearning = { minEvents: cfg.learningEvents, minSpanMs: cfg.learningSeconds * 1000 };
  // A cohort is trusted once its members' activity spans the same event time.
  const cohortLearning = { minEvents: cfg.learningEvents, minSpanMs: cfg.learningSeconds * 1000 };

  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({
      principals: createPackedProfileMap({ capacity: cfg.principalCap, learning: principalLearning, codec: principalCodec }),
      cohorts: createProfileMap({ capacity: cfg.cohortCap, learning: cohortLearning, codec: cohortCodec }),
    }),
    detect(event, state) {
      const ts = event.ts;
      const p = state.principals.touch(event.principal.id, ts);
      const c = state.cohorts.touch(traitsOf(event.principal).cohort, ts);
      const o = routeSlot(p, event.route, cfg.routesPerPrincipal);
      // NOTE: read after routeSlot, which may replace the array.
      const d = p.data;
      const cohortRoute = routeOf(c.profile.routes, event.route, cfg.routesPerCohort, newEwma, (x) => x.lastTs);
      // A request from before the previous window (a re-sent log line) belongs to no window still counted.
      if (tooLateAt(d, o + COUNTER, ts, windowMs)) return [];
      const closed = rollAt(d, o + COUNTER, ts, windowMs);
      // NOTE: a minute that closes inside a run above the bound is not learned: the run may yet
      // prove to be abuse, and an attack must not become the baseline it is judged against.
      if (closed >= 0 && (d[o + HOT_SINCE] as number) < 0) {
        observeAt(d, o + RATE, closed, ts, ewma);
        observePeakAt(d, o + PEAK, closed, ts, peakHalfLifeMs);
        observeAt(d, ANY, closed, ts, ewma);
        observe(cohortRoute, closed, ts, ewma);
        observe(c.profile.any, closed, ts, ewma);
      }
      d[o + CUR] = (d[o + CUR] as number) + 1;
      const trusted = !state.principals.learning(p);
      const trustedCohort = state.cohorts.learning(c) ? undefined : c.profile;
      const j = pick(trusted, d, o, trustedCohort, cohortRoute, cfg.learningWindows);
      // Principal and cohort both still learning: nothing to compare with, so nothing is reported.
      if (j === undefined) return [];
      const observed = estimateAt(d, o + COUNTER, ts, windowMs);
      const peak = j.source === 'principal' && j.scope === 'route' ? cfg.peakFactor * peakValueAt(d, o + PEAK, ts, peakHalfLifeMs) : 0;
      // How far from the baseline is abnormal, whatever the volume; the floor is the volume.
      const bound = Math.max(j.cohort === undefined ? upperBoundAt(d, j.at, relative) : upperBound(j.cohort, relative), peak);
      trackRun(d, o, observed, bound, ts);
      if (d[o + ALERTED] === 1) return [];
      const threshold = Math.max(cfg.minPerWindow, bound);
      if (observed > threshold) {
        d[o + ALERTED] = 1;
        return [finding(event, cfg, measured(j, d, { observed, threshold, peak }))];
      }
      // The same volume spread over consecutive abnormal minutes: a script, not a blip.
      const hotSince = d[o + HOT_SINCE] as number;
      const hotCount = d[o + HOT_COUNT] as number;
      if (hotSince >= 0 && hotCount > cfg.minPerWindow) {
        d[o + ALERTED] = 1;
        return [sustainedFinding(event, cfg, { ...measured(j, d, { observed, threshold: bound, peak }), since: hotSince, requests: hotCount })];
      }
      return [];
    },
    // With `select` (incremental snapshots, partition handoff) only those principals' rows are encoded.
    snapshot: (state, version, select) => [
      ...state.principals.snapshot(NAME, 'principal', version, select?.principals),
      ...state.cohorts.snapshot(NAME, 'cohort', version),
    ],
    restore: (state, rows) => state.principals.restore(NAME, 'principal', rows) + state.cohorts.restore(NAME, 'cohort', rows),
    // Their partition moved to another instance, which loads these rows from the store.
    forget: (state, principals) => {
      state.principals.delete(principals);
    },
    // Routes are the capped part (routesPerPrincipal, routesPerCohort); the any-route EWMAs stay.
    clearCapped: (state) => {
      for (const p of state.principals.values()) clearRoutes(p);
      for (const t of state.cohorts.entries()) t.profile.routes.clear();
    },
  };
}

/**
 * A run is the time a principal's rate on a route stays above its baseline bound, event after
 * event. It begins with the requests already in the window and ends at the first request that
 * finds the rate back under the bound (a principal that stops sending simply finds it there).
 */
function trackRun(d: number[], o: number, observed: number, bound: number, ts: number): void {
  if (observed <= bound) {
    d[o + HOT_SINCE] = -1;
    d[o + HOT_COUNT] = 0;
  } else if ((d[o + HOT_SINCE] as number) < 0) {
    d[o + HOT_SINCE] = ts;
    d[o + HOT_COUNT] = Math.round(observed);
  } else {
    d[o + HOT_COUNT] = (d[o + HOT_COUNT] as number) + 1;
  }
}

interface Judge {
  source: 'principal' | 'cohort';
  /** `route`: the baseline of this route; `any`: of active windows on any route (a route new to it). */
  scope: 'route' | 'any';
  /** The cohort's baseline, or undefined for the principal's own at offset `at` of its packed data. */
  cohort: Ewma | undefined;
  at: number;
}

/**
 * The most specific trusted baseline: the principal's on this route, its cohort's on this route,
 * the principal's on any route, the cohort's on any route. A learning principal comes as
 * `trusted` false, a learning cohort as undefined.
 */
function pick(trusted: boolean, d: readonly number[], o: number, c: CohortRate | undefined, cohortRoute: Ewma, minWindows: number): Judge | undefined {
  if (trusted && (d[o + RATE_N] as number) >= minWindows) return { source: 'principal', scope: 'route', cohort: undefined, at: o + RATE };
  if (c && cohortRoute.n >= minWindows) return { source: 'cohort', scope: 'route', cohort: cohortRoute, at: -1 };
  if (trusted && (d[ANY_N] as number) >= minWindows) return { source: 'principal', scope: 'any', cohort: undefined, at: ANY };
  if (c && c.any.n >= minWindows) return { source: 'cohort', scope: 'any', cohort: c.any, at: -1 };
  return undefined;
}

/** The judged baseline in object form, for a finding. */
function measured(j: Judge, d: readonly number[], m: { observed: number; threshold: number; peak: number }): Measured {
  return { source: j.source, scope: j.scope, base: j.cohort ?? unpackEwma(d, j.at), ...m };
}

interface Measured {
  source: Judge['source'];
  scope: Judge['scope'];
  base: Ewma;
  observed: number;
  threshold: number;
  peak: number;
}

function finding(event: NormalizedEvent, cfg: RateConfig, m: Measured): Finding {
  const observed = Math.round(m.observed);
  const summary = `${event.principal.id} made ${observed} requests to ${event.route} within ${cfg.windowSeconds}s; ${baselineText(m)} (threshold ${round2(m.threshold)})`;
  return base(event, m, summary, { pattern: 'rate_spike', confidence: conf(m), observedPerWindow: observed, ...baselineEvidence(cfg, m) });
}

/** A run of minutes each above the bound whose requests, together, pass the floor. */
function sustainedFinding(event: NormalizedEvent, cfg: RateConfig, m: Measured & { since: number; requests: number }): Finding {
  const seconds = Math.round((event.ts - m.since) / 1000);
  const summary =
    `${event.principal.id} has sent ${m.requests} requests to ${event.route} over ${seconds}s, ` +
    `above ${round2(m.threshold)} per ${cfg.windowSeconds}s all along; ${baselineText(m)}`;
  return base(event, m, summary, {
    pattern: 'rate_sustained',
    confidence: conf(m),
    observedPerWindow: Math.round(m.observed),
    sustainedSeconds: seconds,
    sustainedRequests: m.requests,
    minRequests: cfg.minPerWindow,
    ...baselineEvidence(cfg, m),
  });
}

function baselineText(m: Measured): string {
  const whose = m.source === 'principal' ? 'its own' : 'its cohort’s';
  const where = m.scope === 'route' ? 'on this route' : 'on any route';
  return `${whose} baseline ${where} is ${round2(m.base.mean)}`;
}

/** A baseline of other routes says less about this one. */
function conf(m: Measured): number {
  return round2(confidence(m.source, m.observed, m.threshold) - (m.scope === 'any' ? 0.1 : 0));
}

function baselineEvidence(cfg: RateConfig, m: Measured): Record<string, unknown> {
  return {
    windowSeconds: cfg.windowSeconds,
    baseline: m.source,
    baselineScope: m.scope,
    baselineMean: round2(m.base.mean),
    baselineSd: round2(stdDev(m.base)),
    baselineWindows: m.base.n,
    peak: round2(m.peak),
    threshold: round2(m.threshold),
  };
}

function base(event: NormalizedEvent, m: Measured, summary: string, evidence: Record<string, unknown>): Finding {
  return {
    detector: NAME,
    owasp: OWASP,
    severity: m.observed > 4 * m.threshold ? 'high' : 'medium',
    ...findingAbout(event),
    summary,
    evidence: { ...evidence, method: event.method },
  };
}

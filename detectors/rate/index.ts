import {
  cohortKey,
  confidence,
  createProfileMap,
  estimate,
  newEwma,
  observe,
  observePeak,
  peakAt,
  roll,
  round2,
  stdDev,
  upperBound,
  type Ewma,
  type Persistent,
  type ProfileMap,
} from '../../libs/baseline/index.js';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import type { Detector } from '../framework.js';
import { DEFAULTS, type RateConfig } from './config.js';
import { cohortCodec, newRouteRate, principalCodec, routeOf, type CohortRate, type PrincipalRate } from './profile.js';

export { DEFAULTS, type RateConfig } from './config.js';

export const NAME = 'rate';
export const OWASP = 'API4:2023';

export interface RateState {
  principals: ProfileMap<PrincipalRate>;
  cohorts: ProfileMap<CohortRate>;
}

/**
 * Rate (OWASP API4:2023, unrestricted resource consumption): a principal's request rate on one
 * route, over a sliding window, far above its own baseline for that route (EWMA mean and variance
 * of its past active windows). While the principal learns, its cohort (same app + scope set) is
 * the baseline; a route new to both is judged against their windows on any route. While principal
 * and cohort both learn nothing is reported. At most one finding per principal, route and window
 * bucket; a bucket that alerted is not learned from.
 */
export function createRateDetector(cfg: RateConfig = DEFAULTS): Detector<RateState> & Persistent<RateState> {
  const windowMs = cfg.windowSeconds * 1000;
  const ewma = { alpha: cfg.alpha, halfLifeMs: cfg.halfLifeSeconds * 1000 };
  const bound = { floor: cfg.minPerWindow, multiplier: cfg.multiplier, z: cfg.z };
  const peakHalfLifeMs = cfg.peakHalfLifeSeconds * 1000;
  const principalLearning = { minEvents: cfg.learningEvents, minSpanMs: cfg.learningSeconds * 1000 };
  // A cohort is trusted once its members' activity spans the same event time.
  const cohortLearning = { minEvents: cfg.learningEvents, minSpanMs: cfg.learningSeconds * 1000 };

  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({
      principals: createProfileMap({ capacity: cfg.principalCap, learning: principalLearning, codec: principalCodec }),
      cohorts: createProfileMap({ capacity: cfg.cohortCap, learning: cohortLearning, codec: cohortCodec }),
    }),
    detect(event, state) {
      const ts = event.ts;
      const p = state.principals.touch(event.principal.id, ts);
      const c = state.cohorts.touch(cohortKey(event.principal), ts);
      const r = routeOf(p.profile.routes, event.route, cfg.routesPerPrincipal, newRouteRate, (x) => x.counter.start);
      const cohortRoute = routeOf(c.profile.routes, event.route, cfg.routesPerCohort, newEwma, (x) => x.lastTs);
      const closed = roll(r.counter, ts, windowMs);
      if (closed >= 0) {
        observe(r.rate, closed, ts, ewma);
        observePeak(r.peak, closed, ts, peakHalfLifeMs);
        observe(p.profile.any, closed, ts, ewma);
        observe(cohortRoute, closed, ts, ewma);
        observe(c.profile.any, closed, ts, ewma);
      }
      r.counter.cur++;
      if (r.counter.alerted) return [];
      const trusted = state.principals.learning(p) ? undefined : p.profile;
      const trustedCohort = state.cohorts.learning(c) ? undefined : c.profile;
      const j = pick(trusted, r, trustedCohort, cohortRoute, cfg.learningWindows);
      // Principal and cohort both still learning: nothing to compare with, so nothing is reported.
      if (j === undefined) return [];
      const observed = estimate(r.counter, ts, windowMs);
      const peak = j.source === 'principal' && j.scope === 'route' ? cfg.peakFactor * peakAt(r.peak, ts, peakHalfLifeMs) : 0;
      const threshold = Math.max(upperBound(j.base, bound), peak);
      if (observed <= threshold) return [];
      r.counter.alerted = true;
      return [finding(event, cfg, { ...j, observed, threshold, peak })];
    },
    snapshot: (state, version) => [
      ...state.principals.snapshot(NAME, 'principal', version),
      ...state.cohorts.snapshot(NAME, 'cohort', version),
    ],
    restore: (state, rows) => state.principals.restore(NAME, 'principal', rows) + state.cohorts.restore(NAME, 'cohort', rows),
  };
}

interface Judge {
  source: 'principal' | 'cohort';
  /** `route`: the baseline of this route; `any`: of active windows on any route (a route new to it). */
  scope: 'route' | 'any';
  base: Ewma;
}

/**
 * The most specific trusted baseline: the principal's on this route, its cohort's on this route,
 * the principal's on any route, the cohort's on any route. Learning principals/cohorts come as undefined.
 */
function pick(
  p: PrincipalRate | undefined,
  r: { rate: Ewma },
  c: CohortRate | undefined,
  cohortRoute: Ewma,
  minWindows: number,
): Judge | undefined {
  if (p && r.rate.n >= minWindows) return { source: 'principal', scope: 'route', base: r.rate };
  if (c && cohortRoute.n >= minWindows) return { source: 'cohort', scope: 'route', base: cohortRoute };
  if (p && p.any.n >= minWindows) return { source: 'principal', scope: 'any', base: p.any };
  if (c && c.any.n >= minWindows) return { source: 'cohort', scope: 'any', base: c.any };
  return undefined;
}

function finding(event: NormalizedEvent, cfg: RateConfig, m: Judge & { observed: number; threshold: number; peak: number }): Finding {
  const who = event.principal.id;
  const observed = Math.round(m.observed);
  const whose = m.source === 'principal' ? 'its own' : 'its cohort’s';
  const where = m.scope === 'route' ? 'on this route' : 'on any route';
  return {
    detector: NAME,
    owasp: OWASP,
    severity: m.observed > 4 * m.threshold ? 'high' : 'medium',
    principal: who,
    ...(event.principal.app === undefined ? {} : { app: event.principal.app }),
    route: event.route,
    ts: event.ts,
    eventId: event.eventId,
    sourceIp: event.clientIp,
    summary: `${who} made ${observed} requests to ${event.route} within ${cfg.windowSeconds}s; ${whose} baseline ${where} is ${round2(m.base.mean)} (threshold ${round2(m.threshold)})`,
    evidence: {
      pattern: 'rate_spike',
      // A baseline of other routes says less about this one.
      confidence: round2(confidence(m.source, m.observed, m.threshold) - (m.scope === 'any' ? 0.1 : 0)),
      observedPerWindow: observed,
      windowSeconds: cfg.windowSeconds,
      baseline: m.source,
      baselineScope: m.scope,
      baselineMean: round2(m.base.mean),
      baselineSd: round2(stdDev(m.base)),
      baselineWindows: m.base.n,
      peak: round2(m.peak),
      threshold: round2(m.threshold),
      method: event.method,
    },
  };
}

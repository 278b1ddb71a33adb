/**
 * Rate detector defaults. Thresholds come from baselines (the principal's own per-minute counts on
 * a route, else its cohort's); these numbers only shape how far from the baseline is abnormal and
 * how long to learn. Nothing is reported while principal and cohort both learn.
 */
export interface RateConfig {
  /** Sliding window the rate is measured over. */
  windowSeconds: number;
  /**
   * The least abnormal volume worth an alert: more requests than this in one window above the
   * baseline's bound, or in a run of consecutive requests that all found the rate above it.
   */
  minPerWindow: number;
  /** The bound: max(multiplier x mean, mean + z x sd) of the baseline (and peakFactor x peak). */
  multiplier: number;
  z: number;
  /**
   * The route's largest past window for this principal, decaying with this half-life, times
   * `peakFactor` is also normal: an hourly sync burst must not look new because the mean forgot it.
   */
  peakFactor: number;
  peakHalfLifeSeconds: number;
  /** A principal's own baseline is trusted after this many events spanning this much event time... */
  learningEvents: number;
  learningSeconds: number;
  /** ...and this many active windows on the route (cohort: the same count, summed over members). */
  learningWindows: number;
  /** EWMA step once warmed up, and the event-time half-life of the accumulated weight. */
  alpha: number;
  halfLifeSeconds: number;
  /** Principals and cohorts remembered (least recently active forgotten first), routes per principal. */
  principalCap: number;
  cohortCap: number;
  routesPerPrincipal: number;
  routesPerCohort: number;
}

export const DEFAULTS: RateConfig = {
  windowSeconds: 60,
  minPerWindow: 30,
  multiplier: 5,
  z: 6,
  peakFactor: 1.5,
  peakHalfLifeSeconds: 7 * 86_400,
  learningEvents: 100,
  learningSeconds: 3600,
  learningWindows: 5,
  alpha: 0.05,
  halfLifeSeconds: 7 * 86_400,
  principalCap: 200_000,
  cohortCap: 10_000,
  routesPerPrincipal: 32,
  routesPerCohort: 512,
};

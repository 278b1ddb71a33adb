/**
 * Data-exfiltration defaults. Volume thresholds come from the principal's own response bytes per
 * window (else its cohort's); bulk operations are judged by whether the principal and its cohort
 * ever use them. These numbers only shape the comparison and the learning period.
 */
export interface ExfilConfig {
  /** Sliding window response bytes are summed over. */
  windowSeconds: number;
  /** Abnormal volume: above max(minBytes, multiplier x mean, mean + z x sd) of the baseline. */
  minBytes: number;
  multiplier: number;
  z: number;
  /**
   * The principal's largest past window, decaying with this half-life, times `peakFactor` is also
   * normal: a job's nightly window must not look new each night because the mean forgot it.
   */
  peakFactor: number;
  peakHalfLifeSeconds: number;
  /**
   * A principal's habits are trusted after this many events spanning this much event time. A day,
   * so a job that runs nightly is seen running before its bulk export could look new.
   */
  learningEvents: number;
  learningSeconds: number;
  /** Active windows before a volume baseline (principal or cohort) is used. */
  learningWindows: number;
  /**
   * A bulk operation new to a principal is still normal when at least this share of its cohort's
   * principals use it (e.g. every backend service of one app exports).
   */
  cohortShare: number;
  /**
   * Routine large responses (routine.ts): a 2xx response of at least `routineMinBytes` on a route
   * where at least `routineMinPrincipals` of the principal's cohort received large responses (at
   * least `routineMinResponses` of them, the last `routineSamples` kept), and no larger than
   * `routineSizeFactor` x the `routineQuantile` of those kept, is left out of the window, up to `routinePerWindow`
   * per principal per window bucket: an imaging download is what that route returns, a hundred of
   * them in five minutes is not.
   */
  routineMinBytes: number;
  routinePerWindow: number;
  routineMinPrincipals: number;
  routineMinResponses: number;
  routineSamples: number;
  routineQuantile: number;
  routineSizeFactor: number;
  alpha: number;
  halfLifeSeconds: number;
  principalCap: number;
  cohortCap: number;
  /** (cohort, route) pairs with routine large responses kept; only routes with large responses have one. */
  routineCap: number;
}

export const DEFAULTS: ExfilConfig = {
  windowSeconds: 300,
  minBytes: 5 * 1024 * 1024,
  multiplier: 10,
  z: 6,
  peakFactor: 1.5,
  peakHalfLifeSeconds: 7 * 86_400,
  learningEvents: 50,
  learningSeconds: 86_400,
  learningWindows: 5,
  cohortShare: 0.2,
  routineMinBytes: 1024 * 1024,
  routinePerWindow: 3,
  routineMinPrincipals: 5,
  routineMinResponses: 10,
  routineSamples: 32,
  routineQuantile: 0.9,
  routineSizeFactor: 1.5,
  alpha: 0.05,
  halfLifeSeconds: 7 * 86_400,
  principalCap: 200_000,
  cohortCap: 10_000,
  routineCap: 10_000,
};

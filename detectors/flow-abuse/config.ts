import { z } from 'zod';

/**
 * Defaults for flow-abuse. Floors are the least evidence that alerts; above them thresholds come
 * from what the cohort does (repeats) and from the cohort's transition frequencies.
 */
export const FlowAbuseConfigSchema = z.object({
  /** Sliding window over which one principal's repeats of one operation on one object are counted. */
  repeatWindowSeconds: z.number().int().positive().default(3600),
  /** Floor: the same state-changing operation on the same object this many times within the window. */
  minRepeats: z.number().int().positive().default(5),
  /** Cohort (app + scope set, else everyone) on the same route: alert from multiplier x this quantile of repeats per object-window. */
  repeatQuantile: z.number().min(0.5).max(1).default(0.99),
  repeatMultiplier: z.number().positive().default(2),
  /** Object-windows, from at least `minPrincipals` principals, before a route's repeat quantile is trusted. */
  repeatLearningSamples: z.number().int().nonnegative().default(30),
  /** While a route's repeats are still being learned, the floor is multiplied by this. */
  learningFloorMultiplier: z.number().positive().default(2),
  /** Inactivity that ends a principal's session (transitions are followed within a session). */
  sessionGapSeconds: z.number().int().positive().default(1800),
  /**
   * A state-changing step is anomalous when the probability that a step of the principal's cohort
   * would be as anomalous is under this: for a transition, the share of the source step's cohort
   * transitions that are at least as rare (plus the rule-of-three mass of unseen ones); for a skipped
   * step, (skips + 3) / arrivals. One anomalous step is never enough (see `familyAlpha`).
   */
  rareShare: z.number().positive().max(1).default(0.01),
  /**
   * A session alerts when the chance that a benign session of its cohort shows its anomalies,
   * C(judged steps, anomalies) x the product of their probabilities, is under this divided by the
   * cohort's sessions per day (Bonferroni): about this many false alerts per cohort per day if
   * benign steps were independent.
   */
  familyAlpha: z.number().positive().max(1).default(0.01),
  /** Distinct principals a population statistic must come from before it is trusted. */
  minPrincipals: z.number().int().positive().default(10),
});

export type FlowAbuseConfig = z.infer<typeof FlowAbuseConfigSchema>;
export const DEFAULTS: FlowAbuseConfig = FlowAbuseConfigSchema.parse({});

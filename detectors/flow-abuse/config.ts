import { z } from 'zod';

/**
 * Defaults for flow-abuse. Floors are the least evidence that alerts; above them thresholds come
 * from what the cohort does (repeats) and from the population's transition frequencies.
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
   * A transition is rare when the upper bound of its share among the source route's outgoing
   * transitions, (count + 3) / total (the "rule of three" for unseen ones), is below this.
   */
  rareShare: z.number().positive().max(1).default(0.01),
  /** A prior step is required when it preceded at least this share of a route's arrivals in session. */
  requiredShare: z.number().positive().max(1).default(0.98),
  /** Arrivals at a route before its required prior steps are trusted. */
  minArrivals: z.number().int().positive().default(100),
  /** Distinct principals a population statistic must come from before it is trusted. */
  minPrincipals: z.number().int().positive().default(10),
});

export type FlowAbuseConfig = z.infer<typeof FlowAbuseConfigSchema>;
export const DEFAULTS: FlowAbuseConfig = FlowAbuseConfigSchema.parse({});

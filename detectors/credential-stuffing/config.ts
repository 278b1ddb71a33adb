import { z } from 'zod';

/**
 * Defaults for credential-stuffing. Floors are the least evidence that alerts; above them the
 * thresholds come from the IP's / subnet's own history and the population's distribution.
 */
export const CredentialStuffingConfigSchema = z.object({
  /** Sliding window over which failures are counted. */
  windowSeconds: z.number().int().positive().default(300),
  /**
   * A failure run (run.ts) lasts while failures come within this long of each other, with no 2xx
   * between: a guesser pacing itself under the rate floors waits minutes between tries; a person
   * who mistyped tries again within a minute or two and then succeeds or gives up.
   */
  runGapSeconds: z.number().int().positive().default(1800),
  /** Floor: failures from one IP within the window before anything alerts. */
  minFailures: z.number().int().positive().default(10),
  /** Floor: failures from one /24 (IPv4) or /64 (IPv6) within the window, from at least 2 IPs. */
  minSubnetFailures: z.number().int().positive().default(20),
  /** Failures must be at least this share of the IP's authentication outcomes (typo-prone NATs are not). */
  minFailureRatio: z.number().min(0).max(1).default(0.5),
  /** Distinct usernames / credentials among the failures that make it stuffing rather than guessing one account. */
  minAccounts: z.number().int().positive().default(3),
  /** An IP's own baseline: alert above multiplier x its mean failures per window (or mean + 4 sd). */
  baselineMultiplier: z.number().positive().default(4),
  /** Windows of an IP's own history before its baseline is trusted. */
  learningWindows: z.number().int().nonnegative().default(3),
  /** Population: alert above multiplier x this quantile of failures per window across IPs. */
  populationQuantile: z.number().min(0.5).max(1).default(0.99),
  populationMultiplier: z.number().positive().default(2),
  /** Windows observed across the population before its quantile is trusted; until then floors double. */
  populationLearningWindows: z.number().int().nonnegative().default(50),
  /** After a burst, a success from that IP / subnet within this long is an account takeover. */
  takeoverLookbackSeconds: z.number().int().positive().default(900),
  /** After a takeover, the session's principal is followed (one finding per route) for this long. */
  followSeconds: z.number().int().positive().default(1800),
  /**
   * Failure surges (surge.ts): a login route's failures beyond what its successes and learned
   * failure odds explain, summed over consecutive windows, that alert. Failures of addresses
   * already reported by the per-address rules are not counted.
   */
  surgeMinFailures: z.number().int().positive().default(30),
  /** Distinct addresses among a surge's failures: fewer is one source's business (the rules above). */
  surgeMinIps: z.number().int().min(2).default(5),
  /** Login attempts a route's baseline must have learned from (decayed) before its surges are judged. */
  surgeLearningAttempts: z.number().int().positive().default(100),
  /** Half-life of a route's learned failure odds: it follows the deployment. */
  surgeHalfLifeHours: z.number().positive().default(168),
  /**
   * While a route's surge is reported (takeoverLookbackSeconds after each report), a login that
   * succeeds from an address among the surge's failures, right after at least this many failures
   * from there (and more than the deployment's p99 before a success), is a takeover: a person who
   * mistyped needs one or two.
   */
  surgeTakeoverMinFailures: z.number().int().min(2).default(3),
});

export type CredentialStuffingConfig = z.infer<typeof CredentialStuffingConfigSchema>;
export const DEFAULTS: CredentialStuffingConfig = CredentialStuffingConfigSchema.parse({});

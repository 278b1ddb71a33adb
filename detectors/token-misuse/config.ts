import { z } from 'zod';

/**
 * Defaults for token-misuse. Floors are the least evidence that alerts; above them thresholds come
 * from the principal's own history and its cohort (same app + scope set).
 */
export const TokenMisuseConfigSchema = z.object({
  /** Sliding window over which distinct networks and user agents are counted. */
  windowSeconds: z.number().int().positive().default(600),
  /** Floor: distinct /24 (/64) networks in the window. Phones move between wifi and carriers: 2-3 is normal. */
  minNetworks: z.number().int().positive().default(5),
  /** Floor: distinct user agents in the window (a browser, a phone app and an EHR plug-in is 3). */
  minUserAgents: z.number().int().positive().default(5),
  /** Own baseline: alert from multiplier x its mean distinct values per window (or mean + 4 sd). */
  baselineMultiplier: z.number().positive().default(3),
  /** Windows of a principal's own history before its baseline is trusted. */
  learningWindows: z.number().int().nonnegative().default(3),
  /** Cohort: alert from multiplier x this quantile of distinct values per principal-window in the cohort. */
  cohortQuantile: z.number().min(0.5).max(1).default(0.99),
  cohortMultiplier: z.number().positive().default(2),
  /** Principal-windows a cohort must have seen before its quantile is trusted. */
  cohortLearningWindows: z.number().int().nonnegative().default(30),
  /** While neither the principal nor its cohort is learned, floors are multiplied by this. */
  learningFloorMultiplier: z.number().positive().default(2),
  /** One token alternating between far-apart networks (/16, /48) this often within `switchSeconds` is used from two places at once. */
  minSwitches: z.number().int().positive().default(3),
  switchSeconds: z.number().int().positive().default(60),
  /**
   * One token used from this many far-apart networks (/16, /48) within `spreadSeconds`, one of
   * them coming back after two others were used in between, is held in several places (spread.ts).
   * A phone (wifi, carrier) or a commute (office, carrier, home) uses two or three, one after the other.
   */
  minSpreadNetworks: z.number().int().min(2).default(4),
  /** The span of a token's life its networks are counted over: the common one-hour access token. */
  spreadSeconds: z.number().int().positive().default(3600),
  /**
   * A bearer JWT served more than its own lifetime (`exp - iat`) after its `exp` was replayed
   * (expiry.ts). Never less than this grace (clock differences between issuer and gateway).
   */
  expiredGraceSeconds: z.number().int().nonnegative().default(300),
  /** The lifetime of a JWT without `iat`: one hour, the common access-token default (Okta, Auth0, Entra ID). */
  assumedTokenLifetimeSeconds: z.number().int().positive().default(3600),
  /**
   * A machine credential (API key, client-credentials app) is judged on where it is used from
   * (context.ts) once it made this many requests over this much event time: a day, so a nightly job
   * has run once.
   */
  contextLearningEvents: z.number().int().nonnegative().default(100),
  contextLearningSeconds: z.number().int().nonnegative().default(86_400),
  /** Requests in a row on known routes after which a new network and user agent are the credential's new home (a service moved). */
  contextAdoptRequests: z.number().int().positive().default(20),
});

export type TokenMisuseConfig = z.infer<typeof TokenMisuseConfigSchema>;
export const DEFAULTS: TokenMisuseConfig = TokenMisuseConfigSchema.parse({});

import { z } from 'zod';
import { DestinationInputSchema } from './destination.js';

/**
 * A destination declared in the config file (GitOps): the API's DestinationInput plus a stable `id`
 * and secrets that live outside the file. Synced into the destinations table at start as source
 * `config`; the API shows them but refuses to change them (409).
 */
export const ConfiguredDestinationSchema = DestinationInputSchema.extend({
  /** Stable id; without it one is derived from the name, so renaming makes a new destination. */
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'id: 1-64 letters, digits, _ . -')
    .optional(),
  /** File whose content (trimmed) is the HMAC secret, e.g. a Docker/Kubernetes secret mount. */
  secretFile: z.string().min(1).optional(),
  /** Environment variable holding the HMAC secret. */
  secretEnv: z.string().min(1).optional(),
  /** File whose content (trimmed) is the Splunk HEC token. */
  tokenFile: z.string().min(1).optional(),
  /** Environment variable holding the Splunk HEC token. */
  tokenEnv: z.string().min(1).optional(),
}).strict();
export type ConfiguredDestination = z.infer<typeof ConfiguredDestinationSchema>;

export const NOTIFY_DEFAULTS = {
  destinations: [],
  maxAttempts: 12,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  timeoutMs: 10_000,
  concurrency: 4,
  pollIntervalMs: 500,
  idlePollMaxMs: 5000,
  kafkaGroupId: 'vigil-notify',
};

/** SIEM delivery (services/notify): declared destinations and the retry worker's settings. */
export const NotifyConfigSchema = z.object({
  destinations: z.array(ConfiguredDestinationSchema).max(256).default([]),
  /** Attempts per delivery before it is marked failed (a manual retry starts over). */
  maxAttempts: z.coerce.number().int().min(1).max(1000).default(NOTIFY_DEFAULTS.maxAttempts),
  /** First retry delay before jitter; doubles per attempt up to maxDelayMs ("full jitter": a random delay in [0, that]). */
  baseDelayMs: z.coerce.number().int().min(1).max(3_600_000).default(NOTIFY_DEFAULTS.baseDelayMs),
  maxDelayMs: z.coerce.number().int().min(1).max(86_400_000).default(NOTIFY_DEFAULTS.maxDelayMs),
  /** Per-attempt timeout (connect + answer). */
  timeoutMs: z.coerce.number().int().min(100).max(300_000).default(NOTIFY_DEFAULTS.timeoutMs),
  /** Attempts in flight at once, over all destinations. */
  concurrency: z.coerce.number().int().min(1).max(64).default(NOTIFY_DEFAULTS.concurrency),
  /** How often the worker looks for due deliveries while there is work. */
  pollIntervalMs: z.coerce.number().int().min(10).max(60_000).default(NOTIFY_DEFAULTS.pollIntervalMs),
  /**
   * While polls find nothing, the wait doubles from pollIntervalMs up to this. Deliveries this
   * process enqueues or retries wake the worker at once, and retries it scheduled at their due
   * time; only rows another process writes (the API's manual retry in a split deployment) wait up
   * to this long. Why: each poll is a ClickHouse query, and polling every 500 ms cost an idle
   * instance 5-8 % of a core (README, SIEM delivery).
   */
  idlePollMaxMs: z.coerce.number().int().min(10).max(600_000).default(NOTIFY_DEFAULTS.idlePollMaxMs),
  /** Consumer group of vigil.alerts when the notify role runs apart from detect (Kafka split mode). */
  kafkaGroupId: z.string().min(1).default(NOTIFY_DEFAULTS.kafkaGroupId),
});
export type NotifyConfig = z.infer<typeof NotifyConfigSchema>;

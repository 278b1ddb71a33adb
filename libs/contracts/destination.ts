import { z } from 'zod';
import { SeveritySchema } from './alert.js';

/**
 * SIEM destinations and the deliveries of alerts to them (services/notify).
 *
 * - `webhook`: the alert as JSON, HTTP(S) POST, signed (X-Vigil-Timestamp, X-Vigil-Signature,
 *   Idempotency-Key).
 * - `ocsf`: a webhook whose body is an OCSF 1.x Detection Finding (class_uid 2004), signed the same way.
 * - `splunk-hec`: the HEC /services/collector/event envelope, `Authorization: Splunk <token>`.
 * - `cef-syslog`: CEF lines in RFC 5424 syslog over TCP (`tcp://host:port`) or TLS (`tls://host:port`).
 */
export const DestinationTypeSchema = z.enum(['webhook', 'ocsf', 'splunk-hec', 'cef-syslog']);
export type DestinationType = z.infer<typeof DestinationTypeSchema>;

const destinationFields = {
  name: z.string().min(1).max(128),
  type: DestinationTypeSchema,
  /** http(s):// for webhook, ocsf and splunk-hec; tcp:// or tls:// for cef-syslog. */
  url: z.url().max(2048),
  /** Only alerts at or above this severity are delivered. */
  minSeverity: SeveritySchema.optional(),
  /** Only alerts of these detectors are delivered (absent: all). */
  detectors: z.array(z.string().min(1).max(128)).max(64).optional(),
  /** Lets the URL resolve to loopback, private or link-local addresses (refused otherwise: SSRF guard). */
  allowPrivateNetwork: z.boolean().optional(),
  /** PEM CA bundle to verify a tls:// syslog receiver or an https endpoint signed by a private CA. */
  caPem: z.string().max(65536).optional(),
};

/** What an admin sends (POST) or declares in the config file. Secrets are write-only. */
export const DestinationInputSchema = z
  .object({
    ...destinationFields,
    /** HMAC key of webhook and ocsf signatures. */
    secret: z.string().min(16).max(1024).optional(),
    /** Splunk HEC token. */
    token: z.string().min(1).max(1024).optional(),
  })
  .strict();
export type DestinationInput = z.infer<typeof DestinationInputSchema>;

export const DestinationPatchSchema = DestinationInputSchema.partial().strict();
export type DestinationPatch = z.infer<typeof DestinationPatchSchema>;

/** A destination as the API returns it: never the secret or token, only whether one is set. */
export const DestinationSchema = z.object({
  id: z.string(),
  ...destinationFields,
  hasSecret: z.boolean(),
  hasToken: z.boolean(),
  /** `config`: declared in the config file (read-only through the API); `api`: created through it. */
  source: z.enum(['config', 'api']),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Destination = z.infer<typeof DestinationSchema>;

/** A destination with its secrets, inside the process only (senders sign with them). */
export type DestinationWithSecrets = Destination & { secret?: string; token?: string };

export const DeliveryStatusSchema = z.enum(['pending', 'delivered', 'failed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

/** One alert version on its way to one destination (the outbox row). */
export const DeliverySchema = z.object({
  id: z.string(),
  destinationId: z.string(),
  alertId: z.string(),
  alertVersion: z.number().int().positive(),
  /** `<alert id>:<alert version>`: the receiver deduplicates on it. */
  idempotencyKey: z.string(),
  status: DeliveryStatusSchema,
  attempts: z.number().int().min(0),
  /** ISO 8601, wall clock: when the next attempt is due (pending only). */
  nextAttemptAt: z.string().optional(),
  lastError: z.string().optional(),
  /** HTTP status (or 0 for syslog) of the last attempt, when there was an answer. */
  lastStatus: z.number().int().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

import { z } from 'zod';

/**
 * The API inventory: every route seen in traffic (and every declared one), judged against the
 * declared surface (OpenAPI documents, FHIR CapabilityStatements). See docs/inventory.md.
 */

export const ZombieReasonSchema = z.enum(['deprecated', 'old-version', 'stale']);
export type ZombieReason = z.infer<typeof ZombieReasonSchema>;

export const SpecKindSchema = z.enum(['openapi', 'fhir']);
export type SpecKind = z.infer<typeof SpecKindSchema>;

/** A distinct count: exact up to the configured cap, a HyperLogLog estimate past it. */
export const DistinctCountSchema = z.object({ count: z.number().int().nonnegative(), exact: z.boolean() });

export const PercentilesSchema = z.object({ p50: z.number(), p95: z.number(), p99: z.number() });

/** The declared operation(s) a route matched. */
export const DeclaredMatchSchema = z.object({
  /** The declared path template with the server base path, e.g. /api/v2/users/{userId}. */
  path: z.string(),
  /** Declared methods on that path (upper case). */
  methods: z.array(z.string()),
  operationIds: z.array(z.string()),
  /** True when every observed method's declared operation is deprecated. */
  deprecated: z.boolean(),
  /** FHIR interactions (read, vread, search-type, $everything, ...) seen on this route. */
  interactions: z.array(z.string()).optional(),
});

export const InventoryEntrySchema = z.object({
  /** Stable: a hash of service and template. */
  id: z.string(),
  service: z.string(),
  /** e.g. /fhir/Patient/{id}; a declared path when the route matched one. */
  template: z.string(),
  methods: z.array(z.string()),
  /** Seen in traffic but not declared (route or one of its methods), for a service that has a spec. */
  shadow: z.boolean(),
  /** Deprecated, an older version beside a newer one, or no traffic for `staleDays` (event time). */
  zombie: z.boolean(),
  /** Answered 2xx to a request that carried no credential. */
  unauthenticated: z.boolean(),
  /** A response of this route carried PHI (classification of mirrored bodies). */
  returnsPhi: z.boolean(),
  zombieReasons: z.array(ZombieReasonSchema),
  /** A spec is loaded for this service (without one, shadow is always false). */
  specKnown: z.boolean(),
  declared: DeclaredMatchSchema.nullable(),
  undeclaredMethods: z.array(z.string()),
  /** Query parameter names seen that the matched declared operation does not document. */
  undocumentedParams: z.array(z.string()),
  /** Query parameter names seen (at most 100). */
  queryParams: z.array(z.string()),
  /** Observed route templates folded into this entry (learning can rename a template). */
  observedTemplates: z.array(z.string()),
  requests: z.number().int().nonnegative(),
  principals: DistinctCountSchema,
  apps: DistinctCountSchema,
  /** Requests per auth scheme: bearer, apikey, basic, gateway, none. */
  authSchemes: z.record(z.string(), z.number()),
  /** Requests per status class (2xx, 4xx, ...). */
  statusMix: z.record(z.string(), z.number()),
  /** Requests per method and status code, e.g. {"GET": {"200": 10}}. */
  statuses: z.record(z.string(), z.record(z.string(), z.number())),
  /** Cohorts (client app + scope set) of the principals using it (at most 50). */
  cohorts: z.array(z.string()),
  /** ISO 8601, event time; null for a declared route never seen. */
  firstSeen: z.string().nullable(),
  lastSeen: z.string().nullable(),
});
export type InventoryEntry = z.infer<typeof InventoryEntrySchema>;

export const InventoryDetailSchema = InventoryEntrySchema.extend({
  /** Requests per hour (event time), oldest first; the most recent `hourlyBuckets`. */
  volume: z.array(z.object({ hour: z.string(), requests: z.number().int() })),
  /** From the events still retained (ClickHouse quantiles); null without retained events. */
  latencyMs: PercentilesSchema.nullable(),
  responseBytes: PercentilesSchema.nullable(),
  requestBytes: PercentilesSchema.nullable(),
});
export type InventoryDetail = z.infer<typeof InventoryDetailSchema>;

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const InventoryFilterSchema = z.object({
  limit: z.coerce.number().int().min(1).max(5000).default(500),
  service: z.string().min(1).max(256).optional(),
  shadow: flag.optional(),
  zombie: flag.optional(),
  unauthenticated: flag.optional(),
  returnsPhi: flag.optional(),
  cursor: z.string().max(512).optional(),
});
export type InventoryFilter = z.infer<typeof InventoryFilterSchema>;

export const SpecSummarySchema = z.object({
  service: z.string(),
  kind: SpecKindSchema,
  title: z.string(),
  version: z.string(),
  operations: z.number().int(),
  deprecatedOperations: z.number().int(),
  /** `config` (inventory.specs) or `api` (PUT /v1/specs/{service}). */
  origin: z.enum(['config', 'api']),
  updatedAt: z.string(),
});
export type SpecSummary = z.infer<typeof SpecSummarySchema>;

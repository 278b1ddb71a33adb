import { z } from 'zod';
import { AlertPatchSchema, AlertSchema, ApiKeyRecordSchema, RoleSchema, SuppressionInputSchema, SuppressionSchema } from '../../libs/contracts/index.js';
import { PhiSchema } from '../../libs/contracts/index.js';
import { ERROR_CODES } from '../../libs/errors/index.js';
import type { PrincipalSummary, StoredEvent } from '../../libs/store/types.js';

/**
 * Request and response shapes of the HTTP API. Alerts and keys come from libs/contracts; the views
 * below describe what the Store interface returns.
 *
 * NOTE: StoredEvent and PrincipalSummary are TypeScript interfaces in
 * libs/store/types.ts, not zod schemas. Until they move into libs/contracts, the `Same` checks at
 * the bottom make tsc fail if these copies drift from them.
 */

export const StoredEventSchema = z.object({
  eventId: z.string(),
  time: z.string(),
  source: z.string(),
  method: z.string(),
  host: z.string(),
  service: z.string(),
  route: z.string(),
  pathTokenized: z.string(),
  status: z.number().int(),
  requestBytes: z.number().int(),
  responseBytes: z.number().int(),
  latencyMs: z.number(),
  clientIp: z.string(),
  userAgent: z.string(),
  principal: z.string(),
  principalKind: z.string(),
  app: z.string(),
  authScheme: z.string(),
  objects: z.array(z.object({ type: z.string(), id: z.string(), via: z.string(), created: z.boolean() })),
  /** PHI found in the mirrored bodies (categories and FHIR types only); absent when no body was seen. */
  phi: PhiSchema.optional(),
});

const statusMix = z.record(z.string(), z.number().int());

export const PrincipalSummarySchema = z.object({
  principal: z.string(),
  kinds: z.array(z.string()),
  apps: z.array(z.string()),
  events: z.number().int(),
  firstSeen: z.string().nullable(),
  lastSeen: z.string().nullable(),
  sourceIps: z.array(z.string()),
  userAgents: z.array(z.string()),
  statusMix,
  routes: z.array(z.object({ method: z.string(), route: z.string(), count: z.number().int() })),
  distinctObjects: z.array(z.object({ type: z.string(), count: z.number().int() })),
  timeline: z.array(
    z.object({ hour: z.string(), events: z.number().int(), errors: z.number().int(), distinctObjects: z.number().int() }),
  ),
  recentEvents: z.array(StoredEventSchema),
});

export const ErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]);
export const ErrorBodySchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    /** Safe for clients: never a stack trace or an internal message. */
    message: z.string(),
    /** Validation failures only: one entry per bad field. */
    issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
  }),
});

export const HealthSchema = z.object({ status: z.literal('ok') });
export const ReadinessSchema = z.object({ status: z.enum(['ready', 'not_ready']) });
export const AlertPageSchema = z.object({
  alerts: z.array(AlertSchema),
  /** Opaque; pass back as `cursor`. Absent on the last page. */
  nextCursor: z.string().optional(),
});
/** GET /v1/objects/{type}/{id}/access: the object's tokens (one per active key) and who referenced it. */
export const ObjectAccessSchema = z.object({
  type: z.string(),
  tokens: z.array(z.string()),
  principals: z.array(
    z.object({ principal: z.string(), events: z.number().int(), failures: z.number().int(), firstSeen: z.string(), lastSeen: z.string(), apps: z.array(z.string()) }),
  ),
  recentEvents: z.array(StoredEventSchema),
});

export const AlertDetailSchema = z.object({ alert: AlertSchema, sampleEvents: z.array(StoredEventSchema) });
export const IngestResultSchema = z.object({
  accepted: z.number().int().nonnegative(),
  deadLettered: z.number().int().nonnegative(),
  /** Items that were copies of events already received (a gateway retrying a batch): neither detected nor stored again. */
  duplicates: z.number().int().nonnegative(),
});
/** Allow-list, not deny-list: parsing through it strips `hash` and anything a store adds later. */
export const ApiKeySchema = ApiKeyRecordSchema.omit({ hash: true });
export const ApiKeyListSchema = z.object({ keys: z.array(ApiKeySchema) });
export const CreatedKeySchema = z.object({
  /** Shown once; Vigil keeps only its hash. */
  key: z.string(),
  id: z.string(),
  role: RoleSchema,
  prefix: z.string(),
});
/** What Kong's http-log plugin POSTs: one log object, or an array when its queue batches. */
export const KongLogBodySchema = z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]);
export const OpenApiDocumentSchema = z.record(z.string(), z.unknown());

/** Components of /openapi.json: named schemas become `#/components/schemas/<name>` references. */
export const NAMED_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  Error: ErrorBodySchema,
  Health: HealthSchema,
  Readiness: ReadinessSchema,
  Alert: AlertSchema,
  AlertPage: AlertPageSchema,
  AlertDetail: AlertDetailSchema,
  AlertPatch: AlertPatchSchema,
  Suppression: SuppressionSchema,
  SuppressionInput: SuppressionInputSchema,
  StoredEvent: StoredEventSchema,
  PrincipalSummary: PrincipalSummarySchema,
  KongLogBody: KongLogBodySchema,
  IngestResult: IngestResultSchema,
  ApiKey: ApiKeySchema,
  ApiKeyList: ApiKeyListSchema,
  CreatedKey: CreatedKeySchema,
  OpenApiDocument: OpenApiDocumentSchema,
};

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Compile-time only: each line fails to type-check when a copy above drifts from libs/store/types.ts.
export const STORE_VIEWS_MATCH: [
  Same<z.infer<typeof StoredEventSchema>, StoredEvent>,
  Same<z.infer<typeof PrincipalSummarySchema>, PrincipalSummary>,
] = [true, true];

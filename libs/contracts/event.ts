import { z } from 'zod';

/** Longest body an ApiEvent carries (UTF-16 units); adapters cut longer ones (the PHI scan cap is lower). */
export const MAX_BODY_CHARS = 1024 * 1024;

/**
 * ApiEvent: one HTTP exchange as a gateway or mirror saw it, before enrichment.
 * Every adapter (Kong, nginx, Envoy) produces exactly this shape, and it is also the
 * "Vigil native JSON" input format for custom mirrors.
 *
 * NOTE: an ApiEvent still holds raw identifiers (paths with patient ids, Authorization headers).
 * It lives only in process memory; what is stored is the tokenized `NormalizedEvent`.
 */
export const ApiEventSchema = z
  .object({
    /** ISO 8601 with offset or Z, e.g. 2026-11-01T10:00:00.123Z */
    time: z.iso.datetime({ offset: true }),
    method: z.string().min(1).max(32).regex(/^[A-Za-z]+$/, 'HTTP method letters only'),
    scheme: z.enum(['http', 'https']).optional(),
    host: z.string().max(512).optional(),
    /** Path without query string, e.g. /fhir/Patient/123 */
    path: z.string().min(1).max(8192).startsWith('/'),
    /** Raw query string without the leading '?', e.g. patient=123&_count=10 */
    query: z.string().max(16384).optional(),
    /** 0 when no response was sent (client went away before the upstream answered). */
    status: z.number().int().min(0).max(999),
    /** Header names lowercased. Multi-valued headers joined with ", ". */
    requestHeaders: z.record(z.string(), z.string()).default({}),
    responseHeaders: z.record(z.string(), z.string()).default({}),
    requestBytes: z.number().int().nonnegative().optional(),
    responseBytes: z.number().int().nonnegative().optional(),
    latencyMs: z.number().nonnegative().optional(),
    clientIp: z.string().min(1).max(64),
    /** Kong consumer (from the key-auth/jwt/oauth2 plugins), when the gateway identified one. */
    consumer: z
      .object({ id: z.string().optional(), username: z.string().optional(), customId: z.string().optional() })
      .optional(),
    /** Kong authenticated_entity (OAuth2 credential), when present. */
    authenticatedEntity: z.object({ id: z.string().optional(), consumerId: z.string().optional() }).optional(),
    /** Gateway service / upstream name, e.g. "fhir-api". */
    service: z.string().max(256).optional(),
    /** Gateway route name, when the gateway has one. */
    gatewayRoute: z.string().max(256).optional(),
    requestId: z.string().max(256).optional(),
    /** Custom mirror fields (e.g. nginx variables holding a user id), used by identity configuration. */
    fields: z.record(z.string(), z.string()).optional(),
    /**
     * Mirrored request / response body, when the gateway logs it (docs/phi.md). NOTE: in-memory
     * only, like the raw path: the normalizer classifies it for PHI (`NormalizedEvent.phi`) and
     * drops it; no body is ever stored, logged or sent. Adapters cut longer bodies to MAX_BODY_CHARS.
     */
    requestBody: z.string().max(MAX_BODY_CHARS).optional(),
    responseBody: z.string().max(MAX_BODY_CHARS).optional(),
  })
  .strict();
export type ApiEvent = z.infer<typeof ApiEventSchema>;
export type ApiEventInput = z.input<typeof ApiEventSchema>;

export const InputFormatSchema = z.enum(['auto', 'kong', 'nginx', 'envoy', 'vigil']);
export type InputFormat = z.infer<typeof InputFormatSchema>;
export type ConcreteFormat = Exclude<InputFormat, 'auto'> | 'nginx-combined';

export const PrincipalKindSchema = z.enum(['user', 'app', 'apikey', 'consumer', 'header', 'ip']);
export type PrincipalKind = z.infer<typeof PrincipalKindSchema>;

export const AuthSchemeSchema = z.enum(['bearer', 'apikey', 'basic', 'gateway', 'none']);
export type AuthScheme = z.infer<typeof AuthSchemeSchema>;

/**
 * Who made a request. `id` is what baselines and alerts are keyed by (BOLA is per user, so a
 * user behind an app is its own principal); `app` keeps the client application apart.
 * SMART `patient` / `fhirUser` values are tokenized before they get here.
 */
export const PrincipalSchema = z.object({
  id: z.string().min(1),
  kind: PrincipalKindSchema,
  /** Application / client (OAuth client_id or azp, Kong consumer) when distinct from the user. */
  app: z.string().optional(),
  issuer: z.string().optional(),
  /** OAuth scopes, then roles from the token's role claims as `role:<name>` (libs/identity/jwt.ts rolesOf). */
  scopes: z.array(z.string()),
  /** Token of the SMART launch patient the credential is bound to. */
  patient: z.string().optional(),
  /** fhirUser claim with the id part tokenized, e.g. Practitioner/tok_ab12. */
  fhirUser: z.string().optional(),
  authScheme: AuthSchemeSchema,
  /** Keyed fingerprint of the credential (bearer token or API key); never the credential itself. */
  credentialFingerprint: z.string().optional(),
  /**
   * Keyed fingerprint of the login session a bearer JWT names (`sid` / `session_state`): the same
   * on every access token the session's refreshes bring (libs/identity/claims.ts).
   */
  sessionFingerprint: z.string().optional(),
});
export type Principal = z.infer<typeof PrincipalSchema>;

export const ObjectViaSchema = z.enum(['path', 'query', 'reference', 'location']);
export const ObjectRefSchema = z.object({
  /** Resource type, e.g. Patient, Observation, or the collection segment for non-FHIR APIs (e.g. users). */
  type: z.string().min(1),
  /** Tokenized id (keyed HMAC): equal raw ids give equal tokens under one key. */
  id: z.string().min(1),
  via: ObjectViaSchema,
  /** True for the object a 201 response's Location header names: the principal created it. */
  created: z.boolean(),
  /**
   * NOTE: in-memory only. The raw id's numeric value when it is a plain integer, so enumeration
   * detection can see sequential walks. Never stored, logged or sent; the store drops it.
   */
  seq: z.number().optional(),
});
export type ObjectRef = z.infer<typeof ObjectRefSchema>;

/**
 * Paging parameters of a list/search request, numbers and a flag only (a cursor's value can embed
 * ids, so only its presence is kept). For scraping detection; in memory, not stored.
 */
export const PagingSchema = z.object({
  /** Items skipped (offset, _offset, _getpagesoffset, start, skip). */
  offset: z.number().int().nonnegative().optional(),
  /** Page number (page, page[number]). */
  page: z.number().int().nonnegative().optional(),
  /** Page size asked for (_count, limit, per_page, page[size]). */
  count: z.number().int().nonnegative().optional(),
  /** A continuation token was sent (cursor, after, _getpages, page_token). */
  cursor: z.boolean().optional(),
});
export type Paging = z.infer<typeof PagingSchema>;

/** Kinds of PHI the classifier (libs/phi) reports; see libs/phi/README.md for the exact rules. */
export const PhiCategorySchema = z.enum(['fhir-resource', 'name', 'dob', 'ssn', 'mrn', 'npi']);
export type PhiCategory = z.infer<typeof PhiCategorySchema>;

/**
 * What the mirrored bodies of one exchange showed. Categories and FHIR type names only: never a
 * matched value. `categories: []` means bodies were seen and nothing was found.
 */
export const PhiSchema = z.object({
  /** In CATEGORY_ORDER (fhir-resource, name, dob, ssn, mrn, npi), no duplicates. */
  categories: z.array(PhiCategorySchema),
  /** PHI-bearing FHIR resource types seen (a resource, Bundle entries), sorted. */
  resourceTypes: z.array(z.string()),
  /** Which bodies showed something: 'response' means the route returned PHI. */
  in: z.array(z.enum(['request', 'response'])),
});
export type Phi = z.infer<typeof PhiSchema>;

/** The enriched, tokenized event detectors see and the store keeps. */
/** An OAuth token response seen in a mirrored body: which token (by principal id) is bound to which patient. */
export const TokenGrantSchema = z.object({
  /** `key:<fingerprint of the access token>`: the principal id its later requests resolve to. */
  principal: z.string(),
  /** Tokenized Patient id of the SMART `patient` launch context. */
  patient: z.string(),
  scopes: z.array(z.string()),
});
export type TokenGrant = z.infer<typeof TokenGrantSchema>;

export const NormalizedEventSchema = z.object({
  /** Deterministic: the same source line yields the same id, so replays deduplicate. */
  eventId: z.string().min(1),
  /** Event time, epoch milliseconds. Detection runs on this clock, never the wall clock. */
  ts: z.number().int(),
  source: z.string(),
  method: z.string(),
  host: z.string(),
  service: z.string(),
  /** Learned route template, e.g. /fhir/Patient/{id}. */
  route: z.string(),
  /** Path with id segments replaced by their tokens, e.g. /fhir/Patient/tok_3f9a... */
  pathTokenized: z.string(),
  queryKeys: z.array(z.string()),
  status: z.number().int(),
  requestBytes: z.number().int(),
  responseBytes: z.number().int(),
  latencyMs: z.number(),
  clientIp: z.string(),
  userAgent: z.string(),
  principal: PrincipalSchema,
  objects: z.array(ObjectRefSchema),
  /** Present when the query had paging parameters. NOTE: in-memory only; the store has no column for it. */
  paging: PagingSchema.optional(),
  /**
   * PHI classification of the mirrored bodies (libs/phi). Absent: no body was seen (the gateway
   * does not log them). Present with `categories: []`: bodies were seen and showed no PHI.
   */
  phi: PhiSchema.optional(),
  /**
   * A mirrored token response binding an access token to one patient (libs/identity/token-grant.ts).
   * NOTE: in-memory only (detectors); the store has no column for it.
   */
  grant: TokenGrantSchema.optional(),
  /**
   * When the bearer JWT sent with the request expires (its `exp`, epoch ms), for token-misuse.
   * NOTE: in-memory only (detectors); the store has no column for it.
   */
  credentialExpiresAt: z.number().int().optional(),
  /** When that JWT was issued (`iat`, epoch ms), when it says. In memory only, like the expiry. */
  credentialIssuedAt: z.number().int().optional(),
});
export type NormalizedEvent = z.infer<typeof NormalizedEventSchema>;

/** A source line that could not become an event. Stored with the reason; never silently dropped. */
export const DeadLetterSchema = z.object({
  /** Where it came from: file path, "http:/v1/ingest", later kafka topic/partition. */
  source: z.string(),
  /** Position in the source: line number for files, item index for HTTP bodies. */
  position: z.string(),
  format: z.string(),
  reason: z.string(),
  /** The offending input, truncated, with secrets redacted (bearer tokens, API keys). */
  raw: z.string(),
  receivedAt: z.number().int(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

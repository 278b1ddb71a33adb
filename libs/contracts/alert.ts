import { z } from 'zod';

export const SeveritySchema = z.enum(['low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof SeveritySchema>;
export const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

export const AlertStatusSchema = z.enum(['open', 'acknowledged', 'resolved', 'false_positive']);
export type AlertStatus = z.infer<typeof AlertStatusSchema>;

/** Evidence is what was seen against what the baseline expected, with tokenized ids only. */
export const EvidenceSchema = z.record(z.string(), z.unknown());
export type Evidence = z.infer<typeof EvidenceSchema>;

/**
 * What a detector returns for one event. Pure data: the alert manager turns findings into alerts,
 * aggregating repeats of the same principal + detector + route into one open alert.
 */
export const FindingSchema = z.object({
  detector: z.string(),
  /** OWASP API Security Top 10 2023 category, e.g. API1:2023. */
  owasp: z.string().regex(/^API([1-9]|10):2023$/),
  severity: SeveritySchema,
  principal: z.string(),
  app: z.string().optional(),
  route: z.string(),
  /** Event time of the triggering event (ms). */
  ts: z.number().int(),
  eventId: z.string(),
  sourceIp: z.string(),
  /** One sentence: what happened. */
  summary: z.string(),
  evidence: EvidenceSchema,
  /**
   * How sure the detector is, 0..1: direct evidence (a patient-bound token reading another patient)
   * is near 1; a deviation from a young baseline is lower. Defaults to 0.5 when a detector omits it.
   */
  confidence: z.number().min(0).max(1).optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const AlertSchema = z.object({
  id: z.string(),
  detector: z.string(),
  owasp: z.string(),
  severity: SeveritySchema,
  principal: z.string(),
  app: z.string().optional(),
  route: z.string(),
  sourceIps: z.array(z.string()),
  /** ISO 8601, event time. */
  firstSeen: z.string(),
  lastSeen: z.string(),
  count: z.number().int().positive(),
  status: AlertStatusSchema,
  summary: z.string(),
  evidence: EvidenceSchema,
  /** The highest confidence of the findings the alert aggregates (0..1). */
  confidence: z.number().min(0).max(1),
  /** Ids of a few triggering events, to fetch samples from the event store. */
  sampleEventIds: z.array(z.string()),
  note: z.string().optional(),
  /** Bumped on every change; the store keeps the highest version of each alert. */
  version: z.number().int().positive(),
  /** Wall-clock time of the last change (ISO 8601): triage happens in real time, not event time. */
  updatedAt: z.string(),
});
export type Alert = z.infer<typeof AlertSchema>;

export const AlertPatchSchema = z
  .object({
    status: AlertStatusSchema.optional(),
    note: z.string().max(4000).optional(),
  })
  .strict()
  .refine((p) => p.status !== undefined || p.note !== undefined, { message: 'give status and/or note' });
export type AlertPatch = z.infer<typeof AlertPatchSchema>;

/** POST /v1/alerts/bulk: one triage status (and note) for up to 500 alerts. */
export const AlertBulkPatchSchema = z
  .object({
    ids: z.array(z.string().min(1).max(256)).min(1).max(500),
    status: AlertStatusSchema,
    note: z.string().max(4000).optional(),
  })
  .strict();
export type AlertBulkPatch = z.infer<typeof AlertBulkPatchSchema>;

export const AlertSortSchema = z.enum(['lastSeen', 'severity', 'count']);
export type AlertSort = z.infer<typeof AlertSortSchema>;

export const AlertFilterSchema = z.object({
  status: AlertStatusSchema.optional(),
  severity: SeveritySchema.optional(),
  detector: z.string().max(128).optional(),
  principal: z.string().max(512).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(512).optional(),
  /** OWASP API Top 10 2023 category, e.g. API1:2023. */
  owasp: z.string().regex(/^API([1-9]|10):2023$/, 'an OWASP API Top 10 2023 category such as API1:2023').optional(),
  /** Sort key (default lastSeen); ties break on lastSeen, then id, in the same direction. */
  sort: AlertSortSchema.optional(),
  /** Default desc. */
  order: z.enum(['asc', 'desc']).optional(),
});
export type AlertFilter = z.infer<typeof AlertFilterSchema>;

/**
 * A rule that keeps findings from becoming alerts: any combination of principal, route and
 * detector (at least one). Marking an alert false_positive creates one for its principal +
 * detector + route, so its near-duplicates stay quiet.
 */
export const SuppressionSchema = z.object({
  id: z.string(),
  principal: z.string().min(1).max(512).optional(),
  route: z.string().min(1).max(2048).optional(),
  detector: z.string().min(1).max(128).optional(),
  reason: z.string().max(4000),
  source: z.enum(['rule', 'false_positive']),
  createdAt: z.string(),
  /** ISO 8601; compared with event time. Absent: until deleted. */
  expiresAt: z.string().optional(),
});
export type Suppression = z.infer<typeof SuppressionSchema>;

export const SuppressionInputSchema = z
  .object({
    principal: z.string().min(1).max(512).optional(),
    route: z.string().min(1).max(2048).optional(),
    detector: z.string().min(1).max(128).optional(),
    reason: z.string().min(1).max(4000),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((s) => s.principal !== undefined || s.route !== undefined || s.detector !== undefined, {
    message: 'give at least one of principal, route, detector',
  });
export type SuppressionInput = z.infer<typeof SuppressionInputSchema>;

import { z } from 'zod';

/**
 * What the audit trail records. `request` is one API call; the others are explicit actions written
 * beside it: the first call of an SSO token (`login`), a rejected credential (`auth_failed`), and
 * every key change, from the API or the CLI.
 */
export const AuditActionSchema = z.enum(['request', 'login', 'auth_failed', 'key_created', 'key_rotated', 'key_revoked', 'logout']);
export type AuditAction = z.infer<typeof AuditActionSchema>;

/** `ephemeral`: the local CLI key of `vigil start`; `cli`: a key change made by `vigil keys` on the store itself. */
export const AuthMethodSchema = z.enum(['api_key', 'oidc', 'ephemeral', 'cli', 'none']);
export type AuthMethod = z.infer<typeof AuthMethodSchema>;

/** success 2xx/3xx, denied 403, unauthenticated 401, client_error other 4xx, error 5xx. */
export const AuditOutcomeSchema = z.enum(['success', 'denied', 'unauthenticated', 'client_error', 'error']);
export type AuditOutcome = z.infer<typeof AuditOutcomeSchema>;

/**
 * One row of `audit_log`. Never a body or a secret: parameters and query values that could name a
 * patient, object or principal are tokenized (`tok_...`) before the row is built.
 */
export const AuditRecordSchema = z.object({
  time: z.string(),
  /** Same id as the X-Request-Id answer header; shared by a call's `request` row and its actions. */
  requestId: z.string(),
  action: AuditActionSchema,
  /** Key id, `oidc:<subject>`, `cli:<os user>`, or '' when nobody was authenticated. */
  actor: z.string(),
  role: z.string(),
  authMethod: AuthMethodSchema,
  method: z.string(),
  /** Route template (/v1/alerts/{id}), never the raw path; `unmatched` for unknown paths. */
  route: z.string(),
  params: z.record(z.string(), z.string()),
  query: z.record(z.string(), z.string()),
  status: z.number().int(),
  outcome: AuditOutcomeSchema,
  sourceIp: z.string(),
  /** Key id of a key action; '' otherwise. */
  target: z.string(),
  /** Short reason (`expired`, `bad signature`, `role viewer below analyst`); never a secret. */
  detail: z.string(),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

export function outcomeOf(status: number): AuditOutcome {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'denied';
  if (status >= 500) return 'error';
  if (status >= 400) return 'client_error';
  return 'success';
}

export const AuditFilterSchema = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  actor: z.string().min(1).max(300).optional(),
  route: z.string().min(1).max(300).optional(),
  action: AuditActionSchema.optional(),
  outcome: AuditOutcomeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(300).optional(),
});
export type AuditFilter = z.infer<typeof AuditFilterSchema>;

import { z } from 'zod';

export const RoleSchema = z.enum(['admin', 'analyst', 'viewer']);
export type Role = z.infer<typeof RoleSchema>;
export const ROLE_RANK: Record<Role, number> = { viewer: 1, analyst: 2, admin: 3 };

/** An API key as stored: the key itself never is, only its SHA-256 hash. */
export const ApiKeyRecordSchema = z.object({
  id: z.string(),
  /** First characters of the key, shown in listings so a user can tell keys apart. */
  prefix: z.string(),
  hash: z.string(),
  role: RoleSchema,
  createdAt: z.string(),
  revokedAt: z.string().optional(),
  label: z.string().optional(),
  /** After this time the key answers 401 "expired"; set at creation or by a rotation's grace period. */
  expiresAt: z.string().optional(),
  /** Set on the old key by a rotation: the id of the key that replaces it. */
  replacedBy: z.string().optional(),
  /** Set on the new key by a rotation: the id of the key it replaces. */
  rotatedFrom: z.string().optional(),
  /** Last successful authentication, written at most once a minute per key (so up to a minute stale). */
  lastUsedAt: z.string().optional(),
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecordSchema>;

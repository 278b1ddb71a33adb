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
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecordSchema>;

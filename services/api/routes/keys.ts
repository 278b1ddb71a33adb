import { z } from 'zod';
import { DEFAULT_ROTATION_GRACE_SECONDS, type KeyService } from '../../../libs/auth/index.js';
import { RoleSchema } from '../../../libs/contracts/index.js';
import { VigilError } from '../../../libs/errors/index.js';
import type { Logger } from '../../../libs/log/index.js';
import type { ApiAudit } from '../audit.js';
import { defineRoute, jsonBody, type Route } from '../route.js';
import { ApiKeyListSchema, CreatedKeySchema } from '../schemas.js';

/** Longest rotation grace period: long enough for any deploy, short enough that old keys do die. */
const MAX_GRACE_SECONDS = 90 * 86_400;

/** POST /v1/keys: `name` is another spelling of `label`; expiry as a time or as seconds from now. */
export const CreateKeyBodySchema = z
  .object({
    role: RoleSchema,
    label: z.string().min(1).max(200).optional(),
    name: z.string().min(1).max(200).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    expiresInSeconds: z.number().int().min(60).max(10 * 365 * 86_400).optional(),
  })
  .strict()
  .refine((b) => !(b.label !== undefined && b.name !== undefined && b.label !== b.name), { message: 'label and name differ; send one', path: ['name'] })
  .refine((b) => !(b.expiresAt !== undefined && b.expiresInSeconds !== undefined), { message: 'send expiresAt or expiresInSeconds, not both', path: ['expiresInSeconds'] });

export const CreatedKeyWithExpirySchema = CreatedKeySchema.extend({ expiresAt: z.string().optional() });

export const RotateKeyBodySchema = z
  .object({ graceSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).default(DEFAULT_ROTATION_GRACE_SECONDS) })
  .strict()
  .default({ graceSeconds: DEFAULT_ROTATION_GRACE_SECONDS });

export const RotatedKeySchema = CreatedKeyWithExpirySchema.extend({
  rotatedFrom: z.string(),
  /** When the old key stops working (now + graceSeconds, or its own earlier expiry). */
  previousExpiresAt: z.string(),
});

const KeyIdParams = z.object({ id: z.string().min(1).max(64) });

function keyNotFound(): VigilError {
  return new VigilError('not_found', 'key not found', { publicMessage: 'key not found' });
}

/** Key management, admin only. Every change is written to the audit trail with the acting caller. */
export function keyRoutes(deps: { keys: KeyService; logger: Logger; audit?: Pick<ApiAudit, 'action'>; now?: () => Date }): Route[] {
  const now = deps.now ?? (() => new Date());
  return [
    defineRoute({
      method: 'get',
      path: '/v1/keys',
      operationId: 'listKeys',
      summary: 'List API keys (without their hashes), with expiry, rotation links and last use.',
      tag: 'keys',
      access: 'admin',
      responses: { 200: { description: 'All keys, revoked ones included.', schema: ApiKeyListSchema } },
      // Parsing through the response schema drops `hash`: an allow-list, not a delete.
      handler: async () => ({ status: 200, json: ApiKeyListSchema.parse({ keys: await deps.keys.list() }) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/keys',
      operationId: 'createKey',
      summary: 'Create an API key, optionally expiring. The key is in this answer only; store it now.',
      tag: 'keys',
      access: 'admin',
      body: jsonBody(CreateKeyBodySchema),
      responses: { 201: { description: 'The new key.', schema: CreatedKeyWithExpirySchema } },
      handler: async ({ body, auth, req }) => {
        const expiresAt =
          body.expiresInSeconds !== undefined ? new Date(now().getTime() + body.expiresInSeconds * 1000).toISOString() : body.expiresAt;
        const { key, record } = await deps.keys.create(body.role, body.label ?? body.name, expiresAt === undefined ? {} : { expiresAt });
        deps.logger.info({ key_id: record.id, role: record.role, by: auth?.keyId }, 'api_key_created');
        deps.audit?.action(req, 'key_created', record.id, `role ${record.role}${record.expiresAt ? `, expires ${record.expiresAt}` : ''}`);
        return {
          status: 201,
          json: { key, id: record.id, role: record.role, prefix: record.prefix, ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}) },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/keys/{id}/rotate',
      operationId: 'rotateKey',
      summary: 'Replace a key: a new key with the same role and label; the old one works for graceSeconds more (default 24 h).',
      tag: 'keys',
      access: 'admin',
      params: KeyIdParams,
      body: jsonBody(RotateKeyBodySchema),
      errors: [404],
      responses: { 201: { description: 'The new key (shown once) and when the old one stops working.', schema: RotatedKeySchema } },
      handler: async ({ params, body, auth, req }) => {
        const r = await deps.keys.rotate(params.id, { graceSeconds: body.graceSeconds });
        if (!r) throw keyNotFound();
        const previousExpiresAt = r.previous.expiresAt ?? '';
        deps.logger.info({ key_id: params.id, new_key_id: r.record.id, by: auth?.keyId }, 'api_key_rotated');
        deps.audit?.action(req, 'key_rotated', params.id, `replaced by ${r.record.id}, old key valid until ${previousExpiresAt}`);
        return {
          status: 201,
          json: { key: r.key, id: r.record.id, role: r.record.role, prefix: r.record.prefix, rotatedFrom: params.id, previousExpiresAt },
        };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/keys/{id}',
      operationId: 'revokeKey',
      summary: 'Revoke an API key; it stops working at once.',
      tag: 'keys',
      access: 'admin',
      params: KeyIdParams,
      errors: [404],
      responses: { 204: { description: 'Revoked.' } },
      handler: async ({ params, auth, req }) => {
        if (!(await deps.keys.revoke(params.id))) throw keyNotFound();
        deps.logger.info({ key_id: params.id, by: auth?.keyId }, 'api_key_revoked');
        deps.audit?.action(req, 'key_revoked', params.id);
        return { status: 204 };
      },
    }),
  ];
}

import { z } from 'zod';
import type { KeyService } from '../../../libs/auth/index.js';
import { VigilError } from '../../../libs/errors/index.js';
import type { Logger } from '../../../libs/log/index.js';
import { defineRoute, jsonBody, type Route } from '../route.js';
import { ApiKeyListSchema, CreateKeyRequestSchema, CreatedKeySchema } from '../schemas.js';

/** Key management, admin only. Every change is logged with the acting key's id as an audit trail. */
export function keyRoutes(deps: { keys: KeyService; logger: Logger }): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/keys',
      operationId: 'listKeys',
      summary: 'List API keys (without their hashes).',
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
      summary: 'Create an API key. The key is in this answer only; store it now.',
      tag: 'keys',
      access: 'admin',
      body: jsonBody(CreateKeyRequestSchema),
      responses: { 201: { description: 'The new key.', schema: CreatedKeySchema } },
      handler: async ({ body, auth }) => {
        const { key, record } = await deps.keys.create(body.role, body.label);
        deps.logger.info({ key_id: record.id, role: record.role, by: auth?.keyId }, 'api_key_created');
        return { status: 201, json: { key, id: record.id, role: record.role, prefix: record.prefix } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/keys/{id}',
      operationId: 'revokeKey',
      summary: 'Revoke an API key; it stops working at once.',
      tag: 'keys',
      access: 'admin',
      params: z.object({ id: z.string().min(1).max(64) }),
      errors: [404],
      responses: { 204: { description: 'Revoked.' } },
      handler: async ({ params, auth }) => {
        if (!(await deps.keys.revoke(params.id))) {
          throw new VigilError('not_found', 'key not found', { publicMessage: 'key not found' });
        }
        deps.logger.info({ key_id: params.id, by: auth?.keyId }, 'api_key_revoked');
        return { status: 204 };
      },
    }),
  ];
}

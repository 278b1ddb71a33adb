import { z } from 'zod';
import type { Keyring } from '../../../libs/privacy/index.js';
import type { Store } from '../../../libs/store/types.js';
import { defineRoute, type Route } from '../route.js';
import { ObjectAccessSchema } from '../schemas.js';

/** How many of the newest referencing events the answer carries. */
const DEFAULT_RECENT = 50;

/**
 * Lookup by a raw identifier, the one place the API accepts one: an admin answering "who accessed
 * patient 10234?". The raw id is tokenized in memory with every active tokenization key (so rows
 * stored before a key rotation match) and never stored, logged or echoed: the audit trail
 * tokenizes path parameters, and the answer names the object by its tokens only.
 */
export function objectRoutes(deps: { store: Store; keyring: Pick<Keyring, 'tokens'> }): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/objects/{type}/{id}/access',
      operationId: 'getObjectAccess',
      summary: 'Who referenced one object (e.g. Patient 10234), found by its raw id under every active tokenization key.',
      description:
        'type is the resource type as Vigil extracts it (FHIR resource type such as Patient, or the REST collection name); id is the raw identifier, URL-encoded.',
      tag: 'principals',
      access: 'admin',
      params: z.object({
        type: z.string().min(1).max(128).regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'a resource type such as Patient'),
        id: z.string().min(1).max(512),
      }),
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(DEFAULT_RECENT) }),
      responses: { 200: { description: 'Principals that referenced the object, and its newest events (tokenized).', schema: ObjectAccessSchema } },
      handler: async ({ params, query }) => {
        const tokens = deps.keyring.tokens(params.type, params.id);
        const access = await deps.store.objectAccess(params.type, tokens, { limit: query.limit });
        return { status: 200, json: { type: params.type, tokens, ...access } };
      },
    }),
  ];
}

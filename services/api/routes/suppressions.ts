import { z } from 'zod';
import { SuppressionInputSchema, SuppressionSchema } from '../../../libs/contracts/index.js';
import { VigilError } from '../../../libs/errors/index.js';
import type { Logger } from '../../../libs/log/index.js';
import type { ApiDeps } from '../types.js';
import { defineRoute, jsonBody, type Route } from '../route.js';

export const SuppressionListSchema = z.object({ suppressions: z.array(SuppressionSchema) });

/** Suppression rules: findings matching one do not become alerts. Analysts tune noise; viewers see why. */
export function suppressionRoutes(deps: { suppressions: ApiDeps['suppressions']; logger: Logger }): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/suppressions',
      operationId: 'listSuppressions',
      summary: 'Live suppression rules, including those created by false_positive verdicts.',
      tag: 'suppressions',
      access: 'analyst',
      responses: { 200: { description: 'All live rules.', schema: SuppressionListSchema } },
      handler: () => Promise.resolve({ status: 200, json: { suppressions: deps.suppressions.list() } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/suppressions',
      operationId: 'createSuppression',
      summary: 'Suppress findings by principal, route and/or detector (at least one), optionally until a time.',
      tag: 'suppressions',
      access: 'analyst',
      body: jsonBody(SuppressionInputSchema),
      responses: { 201: { description: 'The new rule.', schema: SuppressionSchema } },
      handler: async ({ body, auth }) => {
        const rule = await deps.suppressions.add(body);
        deps.logger.info({ suppression_id: rule.id, by: auth?.keyId }, 'suppression_created');
        return { status: 201, json: rule };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/suppressions/{id}',
      operationId: 'deleteSuppression',
      summary: 'Delete a suppression rule; matching findings raise alerts again.',
      tag: 'suppressions',
      access: 'analyst',
      params: z.object({ id: z.string().min(1).max(64) }),
      errors: [404],
      responses: { 204: { description: 'Deleted.' } },
      handler: async ({ params, auth }) => {
        if (!(await deps.suppressions.remove(params.id))) {
          throw new VigilError('not_found', 'suppression not found', { publicMessage: 'suppression not found' });
        }
        deps.logger.info({ suppression_id: params.id, by: auth?.keyId }, 'suppression_deleted');
        return { status: 204 };
      },
    }),
  ];
}

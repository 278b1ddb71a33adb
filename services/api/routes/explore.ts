import { z } from 'zod';
import { VigilError } from '../../../libs/errors/index.js';
import type { Store } from '../../../libs/store/types.js';
import { defineRoute, type Route } from '../route.js';
import { PrincipalSummarySchema } from '../schemas.js';

/** How many recent events a principal page shows. */
const PRINCIPAL_RECENT_EVENTS = 50;

/** Investigation views: who a principal is and what it did. */
export function exploreRoutes(deps: { store: Store }): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/principals/{principal}',
      operationId: 'getPrincipal',
      summary: 'What one principal did: routes, objects, sources, timeline and recent events.',
      description: 'Principal ids contain a colon (user:alice, ip:10.0.0.1); URL-encode them.',
      tag: 'principals',
      access: 'analyst',
      params: z.object({ principal: z.string().min(1).max(512) }),
      errors: [404],
      responses: { 200: { description: 'The principal summary.', schema: PrincipalSummarySchema } },
      handler: async ({ params }) => {
        const summary = await deps.store.principalSummary(params.principal, { recent: PRINCIPAL_RECENT_EVENTS });
        if (!summary) throw new VigilError('not_found', 'principal not found', { publicMessage: 'principal not found' });
        return { status: 200, json: summary };
      },
    }),
  ];
}

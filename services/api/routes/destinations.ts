import { z } from 'zod';
import { DestinationInputSchema, DestinationPatchSchema, DestinationSchema } from '../../../libs/contracts/index.js';
import type { Logger } from '../../../libs/log/index.js';
import type { DestinationService } from '../../notify/destinations.js';
import { defineRoute, jsonBody, type Route } from '../route.js';

export const DestinationListSchema = z.object({ destinations: z.array(DestinationSchema) });

/** What a test send did: the sender's outcome as a value (a refused or failing destination is still a 200 answer). */
export const TestResultSchema = z.object({
  idempotencyKey: z.string(),
  outcome: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('delivered'), status: z.number().int().optional() }),
    z.object({ kind: z.literal('retry'), error: z.string(), status: z.number().int().optional(), retryAfterMs: z.number().optional() }),
    z.object({ kind: z.literal('failed'), error: z.string(), status: z.number().int().optional() }),
  ]),
});

const IdParams = z.object({ id: z.string().min(1).max(128) });
const PatchBody = DestinationPatchSchema.refine((p) => Object.keys(p).length > 0, { message: 'give at least one field to change' });

/**
 * SIEM destinations, admin only: they hold signing secrets and decide where alerts leave the
 * building. Secrets and tokens are write-only: answers carry `hasSecret` / `hasToken` instead.
 */
export function destinationRoutes(deps: { notify: DestinationService; logger: Logger }): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/destinations',
      operationId: 'listDestinations',
      summary: 'SIEM destinations, from the config file (source config, read-only) and created here (source api).',
      tag: 'destinations',
      access: 'admin',
      responses: { 200: { description: 'All destinations, never with their secret or token.', schema: DestinationListSchema } },
      handler: async () => ({ status: 200, json: { destinations: await deps.notify.list() } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/destinations',
      operationId: 'createDestination',
      summary: 'Add a destination; alerts stored from now on are delivered to it.',
      description:
        'webhook and ocsf need `secret` (signing key), splunk-hec needs `token`. The URL must resolve to public addresses unless `allowPrivateNetwork` is true (SSRF guard): a loopback, private or link-local target is refused with 400 and the reason.',
      tag: 'destinations',
      access: 'admin',
      body: jsonBody(DestinationInputSchema),
      errors: [409],
      responses: { 201: { description: 'The new destination.', schema: DestinationSchema } },
      handler: async ({ body, auth }) => {
        const d = await deps.notify.create(body);
        deps.logger.info({ event: 'destination_created', destination_id: d.id, type: d.type, by: auth?.keyId }, 'destination_created');
        return { status: 201, json: d };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/destinations/{id}',
      operationId: 'updateDestination',
      summary: 'Change a destination (fields given replace the stored ones; the same checks as creation).',
      tag: 'destinations',
      access: 'admin',
      params: IdParams,
      body: jsonBody(PatchBody),
      errors: [404, 409],
      responses: { 200: { description: 'The destination as changed.', schema: DestinationSchema } },
      handler: async ({ params, body, auth }) => {
        const d = await deps.notify.update(params.id, body);
        deps.logger.info({ event: 'destination_updated', destination_id: d.id, fields: Object.keys(body), by: auth?.keyId }, 'destination_updated');
        return { status: 200, json: d };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/destinations/{id}',
      operationId: 'deleteDestination',
      summary: 'Remove a destination; its pending deliveries end as failed ("destination deleted").',
      tag: 'destinations',
      access: 'admin',
      params: IdParams,
      errors: [404, 409],
      responses: { 204: { description: 'Deleted.' } },
      handler: async ({ params, auth }) => {
        await deps.notify.remove(params.id);
        deps.logger.info({ event: 'destination_deleted', destination_id: params.id, by: auth?.keyId }, 'destination_deleted');
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/destinations/{id}/test',
      operationId: 'testDestination',
      summary: 'Send a synthetic test alert to the destination now, through the real sender, and return what happened.',
      description: 'Never enqueued and never retried; filters do not apply. The alert is marked as a test (detector vigil/test).',
      tag: 'destinations',
      access: 'admin',
      params: IdParams,
      errors: [404],
      responses: { 200: { description: 'The outcome of the one attempt.', schema: TestResultSchema } },
      handler: async ({ params, auth }) => {
        const r = await deps.notify.test(params.id);
        deps.logger.info({ event: 'destination_tested', destination_id: params.id, outcome: r.outcome.kind, by: auth?.keyId }, 'destination_tested');
        return { status: 200, json: r };
      },
    }),
  ];
}

import { z } from 'zod';
import { DeliverySchema, DeliveryStatusSchema } from '../../../libs/contracts/index.js';
import type { Logger } from '../../../libs/log/index.js';
import type { DestinationService } from '../../notify/destinations.js';
import { defineRoute, type Route } from '../route.js';

export const DeliveryListSchema = z.object({ deliveries: z.array(DeliverySchema) });

const DeliveryQuery = z
  .object({
    status: DeliveryStatusSchema.optional(),
    destination: z.string().min(1).max(128).optional(),
    alertId: z.string().min(1).max(128).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** The outbox, admin only: what is waiting, what failed (and why), and a manual retry. */
export function deliveryRoutes(deps: { notify: DestinationService; logger: Logger }): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/deliveries',
      operationId: 'listDeliveries',
      summary: 'Deliveries of alert versions to destinations, newest change first.',
      description: 'Filter by `status` (pending, failed, delivered), `destination` (id) and `alertId`; `limit` 1..1000 (default 100).',
      tag: 'destinations',
      access: 'admin',
      query: DeliveryQuery,
      responses: { 200: { description: 'Matching deliveries.', schema: DeliveryListSchema } },
      handler: async ({ query }) => {
        const deliveries = await deps.notify.listDeliveries({
          limit: query.limit,
          ...(query.status === undefined ? {} : { status: query.status }),
          ...(query.destination === undefined ? {} : { destinationId: query.destination }),
          ...(query.alertId === undefined ? {} : { alertId: query.alertId }),
        });
        return { status: 200, json: { deliveries } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/deliveries/{id}/retry',
      operationId: 'retryDelivery',
      summary: 'Retry a failed delivery: pending again, due now, with a fresh budget of attempts.',
      tag: 'destinations',
      access: 'admin',
      params: z.object({ id: z.string().min(1).max(64) }),
      errors: [404, 409],
      responses: { 200: { description: 'The delivery, pending again.', schema: DeliverySchema } },
      handler: async ({ params, auth }) => {
        const d = await deps.notify.retryDelivery(params.id);
        deps.logger.info({ event: 'delivery_retry_requested', delivery_id: d.id, destination_id: d.destinationId, by: auth?.keyId }, 'delivery_retry_requested');
        return { status: 200, json: d };
      },
    }),
  ];
}

import { z } from 'zod';
import { AlertBulkPatchSchema, AlertFilterSchema, AlertPatchSchema, AlertSchema, type Alert } from '../../../libs/contracts/index.js';
import { VigilError } from '../../../libs/errors/index.js';
import type { Store } from '../../../libs/store/types.js';
import type { ApiDeps } from '../types.js';
import { defineRoute, jsonBody, type Route } from '../route.js';
import { AlertDetailSchema, AlertPageSchema } from '../schemas.js';

const AlertIdParams = z.object({ id: z.string().min(1).max(256) });
const AlertBulkResultSchema = z.object({ updated: z.array(AlertSchema), notFound: z.array(z.string()) });

function alertNotFound(): VigilError {
  return new VigilError('not_found', 'alert not found', { publicMessage: 'alert not found' });
}

/** Listing, reading and triaging alerts: the SOC analyst's daily loop. */
export function alertRoutes(deps: { store: Store; alerts: ApiDeps['alerts'] }): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/alerts',
      operationId: 'listAlerts',
      summary: 'List alerts, newest first, filtered; follow nextCursor for the next page.',
      tag: 'alerts',
      access: 'viewer',
      query: AlertFilterSchema,
      responses: { 200: { description: 'One page of alerts.', schema: AlertPageSchema } },
      handler: async ({ query }) => {
        const page = await deps.store.listAlerts(query);
        return { status: 200, json: page.nextCursor === undefined ? { alerts: page.alerts } : page };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/alerts/{id}',
      operationId: 'getAlert',
      summary: 'One alert with a few of the events that triggered it.',
      tag: 'alerts',
      access: 'analyst',
      params: AlertIdParams,
      errors: [404],
      responses: { 200: { description: 'The alert and its sample events.', schema: AlertDetailSchema } },
      handler: async ({ params }) => {
        const alert = await deps.store.getAlert(params.id);
        if (!alert) throw alertNotFound();
        const sampleEvents = alert.sampleEventIds.length > 0 ? await deps.store.getEvents(alert.sampleEventIds) : [];
        return { status: 200, json: { alert, sampleEvents } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/alerts/bulk',
      operationId: 'bulkTriageAlerts',
      summary: 'Triage up to 500 alerts at once: one status (and note) for each id.',
      description:
        'Each alert goes through the same triage as PATCH /v1/alerts/{id} (new version, SIEM notification, ' +
        'suppression rule for false_positive), one after another in the order given; repeated ids count once.',
      tag: 'alerts',
      access: 'analyst',
      body: jsonBody(AlertBulkPatchSchema),
      responses: { 200: { description: 'The updated alerts, and the ids that name no alert.', schema: AlertBulkResultSchema } },
      handler: async ({ body }) => {
        const updated: Alert[] = [];
        const notFound: string[] = [];
        for (const id of new Set(body.ids)) {
          const alert = await deps.alerts.patch(id, { status: body.status, ...(body.note === undefined ? {} : { note: body.note }) });
          if (alert) updated.push(alert);
          else notFound.push(id);
        }
        return { status: 200, json: { updated, notFound } };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/alerts/{id}',
      operationId: 'patchAlert',
      summary: 'Triage an alert: change its status and/or note.',
      tag: 'alerts',
      access: 'analyst',
      params: AlertIdParams,
      body: jsonBody(AlertPatchSchema),
      errors: [404],
      responses: { 200: { description: 'The updated alert.', schema: AlertSchema } },
      handler: async ({ params, body }) => {
        const alert = await deps.alerts.patch(params.id, body);
        if (!alert) throw alertNotFound();
        return { status: 200, json: alert };
      },
    }),
  ];
}

import { z } from 'zod';
import { InventoryDetailSchema, InventoryEntrySchema, InventoryFilterSchema, type InventoryEntry, type SpecSummary } from '../../../libs/contracts/inventory.js';
import { VigilError } from '../../../libs/errors/index.js';
import { observedOpenApi } from '../../../libs/inventory/index.js';
import type { Store } from '../../../libs/store/types.js';
import { defineRoute, type Route } from '../route.js';

/** What the inventory and spec routes need besides the store (services/inventory in `vigil start`). */
export interface InventoryApi {
  staleDays: number;
  putSpec(service: string, text: string, origin: 'config' | 'api', at: string): Promise<SpecSummary>;
  deleteSpec(service: string, at: string): Promise<boolean>;
}

export const InventoryPageSchema = z.object({ routes: z.array(InventoryEntrySchema), nextCursor: z.string().optional() });
const ObservedOpenApiSchema = z.object({ openapi: z.string(), info: z.record(z.string(), z.unknown()), paths: z.record(z.string(), z.unknown()) }).loose();

/** Routes read in one go for the generated OpenAPI document. */
const OPENAPI_MAX_ROUTES = 5000;

/** The API inventory: routes seen in traffic judged against declared specs (docs/inventory.md). */
export function inventoryRoutes(deps: { store: Store; inventory: InventoryApi; version: string }): Route[] {
  const opts = { staleDays: deps.inventory.staleDays };
  return [
    defineRoute({
      method: 'get',
      path: '/v1/inventory',
      operationId: 'getInventory',
      summary: 'Discovered routes, busiest first: methods, shadow/zombie/unauthenticated/PHI flags, volume, principals, auth schemes, status mix.',
      description: 'Filters combine with AND; pass nextCursor back as cursor for the next page.',
      tag: 'inventory',
      access: 'viewer',
      query: InventoryFilterSchema,
      responses: { 200: { description: 'A page of the route inventory.', schema: InventoryPageSchema } },
      handler: async ({ query }) => {
        const page = await deps.store.listInventory(query, opts);
        return { status: 200, json: { routes: page.routes, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) } };
      },
    }),
    // NOTE: before /v1/inventory/{routeId}, which would otherwise take "openapi.json" as a route id.
    defineRoute({
      method: 'get',
      path: '/v1/inventory/openapi.json',
      operationId: 'getObservedOpenApi',
      summary: 'OpenAPI 3.1 generated from observed traffic: templates, methods, path and query parameters, status codes.',
      tag: 'inventory',
      access: 'viewer',
      query: z.object({ service: z.string().min(1).max(256).optional() }),
      responses: { 200: { description: 'The observed API as OpenAPI 3.1.', schema: ObservedOpenApiSchema } },
      handler: async ({ query }) => {
        const routes: InventoryEntry[] = [];
        let cursor: string | undefined;
        do {
          const page = await deps.store.listInventory(
            { limit: 1000, ...(query.service === undefined ? {} : { service: query.service }), ...(cursor === undefined ? {} : { cursor }) },
            opts,
          );
          routes.push(...page.routes);
          cursor = page.nextCursor;
        } while (cursor !== undefined && routes.length < OPENAPI_MAX_ROUTES);
        const title = query.service === undefined ? 'Observed API' : `Observed API of ${query.service}`;
        return { status: 200, json: observedOpenApi(routes, { title, version: deps.version }) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/inventory/{routeId}',
      operationId: 'getInventoryRoute',
      summary: 'One route: its inventory entry, hourly volume and latency/size percentiles over the retained events.',
      tag: 'inventory',
      access: 'viewer',
      params: z.object({ routeId: z.string().min(1).max(64) }),
      errors: [404],
      responses: { 200: { description: 'The route.', schema: InventoryDetailSchema } },
      handler: async ({ params }) => {
        const found = await deps.store.getInventoryRoute(params.routeId, opts);
        if (!found) throw new VigilError('not_found', 'route not found', { publicMessage: 'route not found' });
        const state = JSON.parse(found.state) as { hourly?: [number, number][] };
        const volume = [...(state.hourly ?? [])].sort((a, b) => a[0] - b[0]).map(([hour, requests]) => ({ hour: new Date(hour).toISOString(), requests }));
        const stats = await deps.store.inventoryRouteStats(found.entry.service, found.entry.observedTemplates);
        return { status: 200, json: { ...found.entry, volume, ...stats } };
      },
    }),
  ];
}

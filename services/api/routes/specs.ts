import { z } from 'zod';
import { SpecSummarySchema } from '../../../libs/contracts/inventory.js';
import { VigilError } from '../../../libs/errors/index.js';
import type { Logger } from '../../../libs/log/index.js';
import type { Store } from '../../../libs/store/types.js';
import { defineRoute, type Route } from '../route.js';
import type { InventoryApi } from './inventory.js';

const ServiceParams = z.object({ service: z.string().min(1).max(256) });
const SpecText = z.string({ error: 'send the spec as the request body (JSON or YAML text)' }).min(1, 'empty body: send the spec (JSON or YAML text)');

/** Declared surfaces (OpenAPI 3.0/3.1, FHIR CapabilityStatement) per service; admin only. */
export function specRoutes(deps: { store: Store; inventory: InventoryApi; logger: Logger }): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/specs',
      operationId: 'listSpecs',
      summary: 'Loaded specs, one per service: kind, title, version, operation counts, origin (config or api).',
      tag: 'specs',
      access: 'admin',
      responses: { 200: { description: 'Every live spec.', schema: z.object({ specs: z.array(SpecSummarySchema) }) } },
      handler: async () => ({ status: 200, json: { specs: (await deps.store.listSpecs()).map((s) => s.summary) } }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/specs/{service}',
      operationId: 'putSpec',
      summary: "Load or replace a service's declared surface: an OpenAPI 3.0/3.1 document (JSON or YAML) or a FHIR CapabilityStatement (JSON).",
      description: 'The service is the gateway service name (else the host) that events carry. The inventory is re-judged at once.',
      tag: 'specs',
      access: 'admin',
      params: ServiceParams,
      body: {
        schema: SpecText,
        parser: 'text',
        // YAML is accepted under any content type (application/yaml, text/yaml): the body is read as text.
        content: { 'application/json': z.record(z.string(), z.unknown()), 'text/plain': z.string() },
      },
      responses: { 200: { description: 'What was loaded.', schema: SpecSummarySchema } },
      errors: [413],
      handler: async ({ params, body, auth }) => {
        const summary = await deps.inventory.putSpec(params.service, body, 'api', new Date().toISOString());
        deps.logger.info({ service: params.service, kind: summary.kind, operations: summary.operations, by: auth?.keyId }, 'spec_put');
        return { status: 200, json: summary };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/specs/{service}',
      operationId: 'deleteSpec',
      summary: "Remove a service's spec: its routes are no longer judged shadow or undocumented.",
      tag: 'specs',
      access: 'admin',
      params: ServiceParams,
      errors: [404],
      responses: { 204: { description: 'Deleted.' } },
      handler: async ({ params, auth }) => {
        if (!(await deps.inventory.deleteSpec(params.service, new Date().toISOString()))) {
          throw new VigilError('not_found', 'spec not found', { publicMessage: 'no spec for this service' });
        }
        deps.logger.info({ service: params.service, by: auth?.keyId }, 'spec_deleted');
        return { status: 204 };
      },
    }),
  ];
}

import { describe, expect, it } from 'vitest';
import type { InventoryEntry } from '../contracts/inventory.js';
import { observedOpenApi, uniqueParams } from './observed-openapi.js';

const entry = (over: Partial<InventoryEntry>): InventoryEntry => ({
  id: 'rte_1', service: 'fhir', template: '/fhir/Patient/{id}', methods: ['GET'], shadow: false, zombie: false, unauthenticated: false, returnsPhi: false,
  zombieReasons: [], specKnown: false, declared: null, undeclaredMethods: [], undocumentedParams: [], queryParams: [], observedTemplates: ['/fhir/Patient/{id}'],
  requests: 3, principals: { count: 1, exact: true }, apps: { count: 0, exact: true }, authSchemes: { bearer: 3 }, statusMix: { '2xx': 3 },
  statuses: { GET: { '200': 2, '404': 1 } }, cohorts: [], firstSeen: null, lastSeen: null, ...over,
});

describe('observedOpenApi', () => {
  it('names repeated path parameters uniquely', () => {
    expect(uniqueParams('/fhir/Patient/{id}/_history/{id}')).toEqual({ path: '/fhir/Patient/{id}/_history/{id2}', names: ['id', 'id2'] });
  });

  it('describes each template and method with path and query parameters and the statuses answered, merging services (deprecated only when all are)', () => {
    const doc = observedOpenApi(
      [entry({ queryParams: ['_count'], zombieReasons: ['deprecated'] }), entry({ id: 'rte_2', service: 'other', statuses: { GET: { '200': 1 } }, shadow: true })],
      { title: 'Observed API', version: '1' },
    );
    expect(doc.paths).toEqual({
      '/fhir/Patient/{id}': {
        get: {
          operationId: 'getFhirPatientId',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, { name: '_count', in: 'query', required: false, schema: { type: 'string' } }],
          responses: { '200': { description: 'Observed 3 times.', 'x-vigil-count': 3 }, '404': { description: 'Observed 1 time.', 'x-vigil-count': 1 } },
          'x-vigil-services': ['fhir', 'other'],
          'x-vigil-route-ids': ['rte_1', 'rte_2'],
          'x-vigil-shadow': true,
          'x-vigil-unauthenticated': false,
        },
      },
    });
  });
});

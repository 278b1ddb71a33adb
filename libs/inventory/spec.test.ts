import { describe, expect, it } from 'vitest';
import { VigilError } from '../errors/index.js';
import { parseSpec } from './spec.js';

const YAML_SPEC = `
openapi: 3.0.3
info: { title: Portal, version: "2.1" }
servers:
  - url: https://api.example.org/api
components:
  parameters:
    page: { name: page, in: query, schema: { type: integer } }
paths:
  /v1/users/{userId}:
    parameters:
      - $ref: '#/components/parameters/page'
    get:
      operationId: getUserV1
      deprecated: true
      parameters:
        - { name: fields, in: query }
        - { name: userId, in: path, required: true }
  /v2/users/{userId}:
    get: { operationId: getUser }
    delete: { operationId: deleteUser }
  /v2/users/me:
    get: { operationId: getMe }
`;

describe('parseSpec', () => {
  it('reads an OpenAPI YAML document with server base path, path-level $ref parameters and deprecated operations', () => {
    const spec = parseSpec('portal', YAML_SPEC);
    expect({ kind: spec.kind, title: spec.title, version: spec.version, operations: spec.operations, deprecated: spec.deprecatedOperations }).toEqual({
      kind: 'openapi', title: 'Portal', version: '2.1', operations: 4, deprecated: 1,
    });
    expect(spec.openapi?.operations[0]).toEqual({ method: 'GET', path: '/api/v1/users/{userId}', operationId: 'getUserV1', deprecated: true, queryParams: ['fields', 'page'] });
  });

  it('reads a JSON OpenAPI 3.1 document without servers at the root', () => {
    const spec = parseSpec('x', JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/ping': { get: {} } } }));
    expect(spec.openapi).toEqual({ basePaths: [''], operations: [{ method: 'GET', path: '/ping', deprecated: false, queryParams: [] }] });
  });

  it('reads a FHIR CapabilityStatement: types, interactions, search parameters, operations and the base from implementation.url', () => {
    const spec = parseSpec('fhir', JSON.stringify({
      resourceType: 'CapabilityStatement', name: 'Hospital', fhirVersion: '4.0.1', implementation: { url: 'https://fhir.example.org/fhir/r4' },
      rest: [{
        mode: 'server',
        resource: [{ type: 'Patient', interaction: [{ code: 'read' }, { code: 'search-type' }], searchParam: [{ name: 'name' }], operation: [{ name: 'everything' }] }],
        interaction: [{ code: 'transaction' }],
        operation: [{ name: '$export' }],
      }],
    }));
    expect(spec.kind).toBe('fhir');
    expect(spec.operations).toBe(5);
    expect(spec.fhir?.basePath).toBe('/fhir/r4');
    expect([...(spec.fhir?.types.get('Patient')?.operations ?? [])]).toEqual(['everything']);
    expect([...(spec.fhir?.systemOperations ?? [])]).toEqual(['export']);
  });

  it.each([
    ['swagger: "2.0"\npaths: {}', 'Swagger 2.0 is not supported: convert it to OpenAPI 3 (e.g. with swagger2openapi)'],
    ['{"resourceType": "Patient"}', 'a FHIR Patient is not a CapabilityStatement'],
    ['- a\n- b', 'spec must be an object (an OpenAPI document or a FHIR CapabilityStatement)'],
    ['openapi: 3.0.0\ninfo: {}', 'OpenAPI document has no "paths" object'],
    ['{"openapi": ', 'spec is neither JSON nor YAML: Unexpected end of JSON input'],
  ])('refuses %j with a message the user can act on', (text, message) => {
    const err = (() => {
      try {
        parseSpec('s', text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('bad_request');
    expect((err as VigilError).message).toBe(message);
  });
});

import { describe, expect, it } from 'vitest';
import { createMatcher } from './match.js';
import { parseSpec } from './spec.js';

const openapi = createMatcher(
  parseSpec('portal', JSON.stringify({
    openapi: '3.1.0',
    info: { title: 'Portal', version: '1' },
    servers: [{ url: '/api' }],
    paths: {
      '/v2/users/{userId}': { get: { operationId: 'getUser', parameters: [{ name: 'fields', in: 'query' }, { name: 'filter', in: 'query', style: 'deepObject' }] } },
      '/v2/users/me': { get: { operationId: 'getMe' } },
      '/v2/files/{name}.json': { get: { operationId: 'getFile' } },
    },
  })),
);

const fhir = createMatcher(
  parseSpec('fhir', JSON.stringify({
    resourceType: 'CapabilityStatement',
    implementation: { url: 'https://h.example.org/fhir' },
    rest: [{
      mode: 'server',
      resource: [
        { type: 'Patient', interaction: [{ code: 'read' }, { code: 'vread' }, { code: 'search-type' }, { code: 'history-instance' }], searchParam: [{ name: 'name' }, { name: 'birthdate' }], operation: [{ name: 'everything' }] },
        { type: 'Observation', interaction: [{ code: 'read' }, { code: 'search-type' }, { code: 'create' }], searchParam: [{ name: 'patient' }, { name: 'code' }] },
      ],
      interaction: [{ code: 'transaction' }],
      operation: [{ name: 'export' }],
    }],
  })),
);

describe('OpenAPI matching', () => {
  it('prefers the literal path: /users/me is its own operation, not /users/{userId}', () => {
    expect(openapi.match('GET', '/api/v2/users/me', [])?.operationId).toBe('getMe');
    expect(openapi.match('GET', '/api/v2/users/{id}', [])?.operationId).toBe('getUser');
  });

  it('matches a literal the templater kept against a declared parameter and applies the server base path', () => {
    expect(openapi.match('GET', '/api/v2/users/alice', [])?.path).toBe('/api/v2/users/{userId}');
    expect(openapi.match('GET', '/v2/users/{id}', [])).toBeUndefined();
  });

  it('matches partly templated segments', () => {
    expect(openapi.match('GET', '/api/v2/files/report.json', [])?.operationId).toBe('getFile');
    expect(openapi.match('GET', '/api/v2/files/report.xml', [])).toBeUndefined();
  });

  it('says which method is undeclared on a declared path', () => {
    expect(openapi.match('DELETE', '/api/v2/users/{id}', [])).toEqual({
      path: '/api/v2/users/{userId}', pathMethods: ['GET'], methodDeclared: false, deprecated: false, undocumentedParams: [],
    });
  });

  it('reports query parameters the operation does not document, accepting deepObject keys of a declared one', () => {
    expect(openapi.match('GET', '/api/v2/users/{id}', ['debug', 'fields', 'filter[status]'])?.undocumentedParams).toEqual(['debug']);
  });
});

describe('FHIR CapabilityStatement matching', () => {
  it.each([
    ['GET', '/fhir/Patient/{id}', 'read', true],
    ['GET', '/fhir/Patient/{id}/_history/{id}', 'vread', true],
    ['GET', '/fhir/Patient/{id}/_history', 'history-instance', true],
    ['GET', '/fhir/Patient', 'search-type', true],
    ['POST', '/fhir/Patient/_search', 'search-type', true],
    ['GET', '/fhir/Patient/{id}/$everything', '$everything', true],
    ['GET', '/fhir/$export', '$export', true],
    ['POST', '/fhir', 'batch/transaction', true],
    ['GET', '/fhir/Patient/{id}/Observation', 'search-compartment', true],
    ['POST', '/fhir/Observation', 'create', true],
    ['DELETE', '/fhir/Patient/{id}', 'delete', false],
    ['PUT', '/fhir/Observation/{id}', 'update', false],
    ['GET', '/fhir/Patient/$match', '$match', false],
    ['GET', '/fhir/metadata', 'capabilities', true],
  ])('%s %s is %s (declared: %s)', (method, template, interaction, declared) => {
    const m = fhir.match(method, template, []);
    expect([m?.interaction, m?.methodDeclared]).toEqual([interaction, declared]);
  });

  it('does not match a resource type the server does not declare, nor paths outside the base', () => {
    expect(fhir.match('GET', '/fhir/Encounter/{id}', [])).toBeUndefined();
    expect(fhir.match('GET', '/api/Patient/{id}', [])).toBeUndefined();
  });

  it('checks search parameters against the type, with modifiers, chains and the common FHIR parameters allowed', () => {
    expect(fhir.match('GET', '/fhir/Patient', ['_count', 'birthdate', 'name:exact', 'ssn', '_include'])?.undocumentedParams).toEqual(['ssn']);
    expect(fhir.match('GET', '/fhir/Patient/{id}/Observation', ['code', 'patient.name', 'secret'])?.undocumentedParams).toEqual(['secret']);
    expect(fhir.match('GET', '/fhir/Patient/{id}', ['_format', 'debug'])?.undocumentedParams).toEqual(['debug']);
  });
});

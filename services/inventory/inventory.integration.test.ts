import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../libs/contracts/index.js';
import type { InventoryDetail, InventoryEntry, SpecSummary } from '../../libs/contracts/inventory.js';
import { BASE_MS, removeDataDir, silentLogger, tempDataDir } from '../../libs/store/test-support/fixtures.js';
import { createApiApp } from '../api/app.js';
import { createCore, type Core } from '../core.js';
import { createOrdinals } from '../ingest/ordinals.js';

const HOST = 'fhir.example.org';
const CAPABILITY = {
  resourceType: 'CapabilityStatement', name: 'Hospital', fhirVersion: '4.0.1', implementation: { url: `https://${HOST}/fhir` },
  rest: [{ mode: 'server', resource: [{ type: 'Patient', interaction: [{ code: 'read' }, { code: 'search-type' }], searchParam: [{ name: 'name' }] }] }],
};
const at = (s: number) => new Date(BASE_MS + s * 1000).toISOString();
const line = (s: number, method: string, path: string, opts: { query?: string; auth?: boolean; status?: number } = {}) =>
  JSON.stringify({
    time: at(s), method, host: HOST, path, ...(opts.query ? { query: opts.query } : {}), status: opts.status ?? 200,
    requestHeaders: opts.auth === false ? {} : { 'x-authenticated-userid': 'alice' }, responseHeaders: {}, responseBytes: 1000 + s, latencyMs: 10 + s, clientIp: '198.51.100.23',
  });
const FIRST = [
  line(1, 'GET', '/fhir/Patient/123'),
  line(2, 'GET', '/fhir/Patient/456', { auth: false }),
  line(3, 'GET', '/fhir/Patient', { query: 'name=x&ssn=1' }),
  line(4, 'DELETE', '/fhir/Patient/123'),
  line(5, 'GET', '/fhir/metadata', { auth: false }),
].join('\n');

let dir: string;
let config: Config;
let core: Core;
let server: Server;
let base: string;
const keys: Record<string, string> = {};

async function open(): Promise<void> {
  core = await createCore(config, { logger: silentLogger });
  const app = createApiApp(
    { maxBodyBytes: 1024 * 1024, trustProxy: false },
    {
      store: core.store, logger: silentLogger, registry: core.registry, keys: core.keys,
      ingest: (body, format, source) => core.pipeline.ingestBody(body, format, source, createOrdinals()),
      alerts: core.alerts, suppressions: core.suppressor,
      inventory: { staleDays: config.inventory.staleDays, putSpec: core.inventory.putSpec, deleteSpec: core.inventory.deleteSpec },
      ready: () => core.store.ping(), version: '0.0.0-test', audit: { log: core.audit, tokenizer: core.tokenizer },
    },
  );
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const role of ['admin', 'viewer'] as const) keys[role] = (await core.keys.create(role, `test ${role}`)).key;
}

async function shut(): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
  await core.close();
}

const call = (path: string, o: { as?: string; method?: string; body?: string; type?: string } = {}) =>
  fetch(base + path, { method: o.method ?? 'GET', headers: { authorization: `Bearer ${keys[o.as ?? 'viewer'] ?? ''}`, ...(o.type ? { 'content-type': o.type } : {}) }, ...(o.body === undefined ? {} : { body: o.body }) });
const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

beforeAll(async () => {
  dir = await tempDataDir('inventory');
  const specFile = join(dir, 'capability.json');
  await writeFile(specFile, JSON.stringify(CAPABILITY));
  config = ConfigSchema.parse({
    dataDir: dir, logLevel: 'silent', privacy: { tokenizationKey: 'ab'.repeat(32) }, clickhouse: { database: 'inventory_it' },
    inventory: { specs: [{ service: HOST, file: specFile }] },
  });
  await open();
  await core.pipeline.ingestBody(FIRST, 'vigil', 'test', createOrdinals());
}, 60_000);

afterAll(async () => {
  await shut();
  await removeDataDir(dir);
});

describe('inventory through the pipeline, the store and the API', () => {
  it('lists every route busiest first with its flags', async () => {
    const res = await call('/v1/inventory?limit=10');
    expect(res.status).toBe(200);
    const { routes } = await json<{ routes: InventoryEntry[] }>(res);
    expect(routes.map((r) => [r.template, r.methods, r.requests, r.shadow, r.unauthenticated, r.undocumentedParams])).toEqual([
      ['/fhir/Patient/{id}', ['DELETE', 'GET'], 3, true, true, []],
      ['/fhir/Patient', ['GET'], 1, false, false, ['ssn']],
      ['/fhir/metadata', ['GET'], 1, false, true, []],
    ]);
    expect(routes[0]?.declared).toEqual({ path: '/fhir/Patient/{id}', methods: ['GET'], operationIds: [], deprecated: false, interactions: ['delete', 'read'] });
  });

  it('filters by flag and pages with a cursor', async () => {
    const shadow = await json<{ routes: InventoryEntry[] }>(await call('/v1/inventory?shadow=true'));
    expect(shadow.routes.map((r) => r.template)).toEqual(['/fhir/Patient/{id}']);
    const first = await json<{ routes: InventoryEntry[]; nextCursor?: string }>(await call('/v1/inventory?limit=2'));
    expect(first.routes).toHaveLength(2);
    const second = await json<{ routes: InventoryEntry[]; nextCursor?: string }>(await call(`/v1/inventory?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? '')}`));
    expect([second.routes.map((r) => r.template), second.nextCursor]).toEqual([['/fhir/metadata'], undefined]);
    expect((await call('/v1/inventory?shadow=maybe')).status).toBe(400);
  });

  it('shows one route with hourly volume and percentiles from the retained events', async () => {
    const list = await json<{ routes: InventoryEntry[] }>(await call('/v1/inventory?limit=1'));
    const detail = await json<InventoryDetail>(await call(`/v1/inventory/${list.routes[0]?.id ?? ''}`));
    expect(detail.volume).toEqual([{ hour: new Date(BASE_MS).toISOString(), requests: 3 }]);
    expect(detail.latencyMs?.p50).toBe(12);
    expect((await call('/v1/inventory/rte_nope')).status).toBe(404);
  });

  it('raised one alert per route and finding kind', async () => {
    const { alerts } = await core.store.listAlerts({ limit: 100 });
    expect(alerts.map((a) => [a.detector, a.owasp, a.route, a.principal]).sort()).toEqual([
      ['inventory/shadow-route', 'API9:2023', '/fhir/Patient/{id}', `service:${HOST}`],
      ['inventory/unauthenticated-data', 'API2:2023', '/fhir/Patient/{id}', `service:${HOST}`],
      ['inventory/undocumented-param', 'API9:2023', '/fhir/Patient', `service:${HOST}`],
    ]);
  });

  it('generates OpenAPI 3.1 from observed traffic', async () => {
    const doc = await json<{ openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters: { name: string; in: string }[] }>> }>(await call('/v1/inventory/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(['/fhir/metadata', '/fhir/Patient', '/fhir/Patient/{id}']);
    expect(Object.keys(doc.paths['/fhir/Patient/{id}'] ?? {})).toEqual(['delete', 'get']);
    expect(doc.paths['/fhir/Patient']?.get?.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['query:name', 'query:ssn']);
  });

  it('lists, replaces and deletes specs as admin only, with clear errors', async () => {
    expect((await call('/v1/specs')).status).toBe(403);
    const listed = await json<{ specs: SpecSummary[] }>(await call('/v1/specs', { as: 'admin' }));
    expect(listed.specs.map((s) => [s.service, s.kind, s.origin, s.operations])).toEqual([[HOST, 'fhir', 'config', 2]]);
    const yaml = 'openapi: 3.1.0\ninfo: {title: Portal, version: "1"}\npaths:\n  /users/{id}:\n    get: {deprecated: true}\n';
    const put = await call('/v1/specs/portal', { as: 'admin', method: 'PUT', body: yaml, type: 'application/yaml' });
    expect(put.status).toBe(200);
    expect(await json<SpecSummary>(put)).toMatchObject({ service: 'portal', kind: 'openapi', title: 'Portal', operations: 1, deprecatedOperations: 1, origin: 'api' });
    const bad = await call('/v1/specs/portal', { as: 'admin', method: 'PUT', body: 'swagger: "2.0"', type: 'text/plain' });
    expect([bad.status, (await json<{ error: { message: string } }>(bad)).error.message]).toEqual([400, 'Swagger 2.0 is not supported: convert it to OpenAPI 3 (e.g. with swagger2openapi)']);
    expect((await call('/v1/specs/portal', { as: 'admin', method: 'DELETE' })).status).toBe(204);
    expect((await call('/v1/specs/portal', { as: 'admin', method: 'DELETE' })).status).toBe(404);
    const api = await json<{ paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>> }>(await call('/openapi.json'));
    expect(Object.keys(api.paths['/v1/specs/{service}'] ?? {})).toEqual(['put', 'delete']);
    expect(Object.keys(api.paths['/v1/specs/{service}']?.put?.requestBody?.content ?? {})).toEqual(['application/json', 'text/plain']);
  });

  it('survives a restart: a replay of the same lines changes nothing, new traffic adds to the stored counts', async () => {
    await shut();
    await open();
    await core.pipeline.ingestBody(FIRST, 'vigil', 'test', createOrdinals());
    await core.pipeline.ingestBody(line(100, 'GET', '/fhir/Patient/789'), 'vigil', 'test', createOrdinals());
    const { routes } = await json<{ routes: InventoryEntry[] }>(await call('/v1/inventory?limit=10'));
    expect(routes.map((r) => [r.template, r.requests])).toEqual([['/fhir/Patient/{id}', 4], ['/fhir/Patient', 1], ['/fhir/metadata', 1]]);
    const { alerts } = await core.store.listAlerts({ limit: 100 });
    expect(alerts.map((a) => a.count)).toEqual([1, 1, 1]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_RANK, type Role } from '../../libs/contracts/index.js';
import { makeAlert, makeEvent } from '../../libs/store/test-support/fixtures.js';
import { startHarness, type Harness } from './test-support/harness.js';

/**
 * The access table of the API, written out by hand: who may call what, and what an allowed caller
 * gets with the filler below. It is deliberately NOT read from /openapi.json or the route table, so
 * a wrong `access:` in services/api/routes/*.ts fails this test.
 * Roles (issue 6): viewer reads alerts and inventory; analyst also triages alerts and reads
 * evidence (alert detail with sample events, principal timelines, suppression rules); admin also
 * manages keys, destinations, configuration and reads the audit log.
 */
interface Row {
  min: Role | 'public';
  /** Exact status for every caller allowed in, with these params and this body. */
  ok: number;
  params?: Record<string, string>;
  json?: unknown;
  text?: string;
  /** Extra request headers (the event stream needs Accept: text/event-stream). */
  headers?: Record<string, string>;
}

const EXISTING_ALERT = 'walk-alert';
const NO_SUCH_KEY = '0000000000000000';

const ACCESS: Record<string, Row> = {
  'GET /healthz': { min: 'public', ok: 200 },
  'GET /readyz': { min: 'public', ok: 200 },
  'GET /metrics': { min: 'viewer', ok: 200 },
  'GET /openapi.json': { min: 'viewer', ok: 200 },
  'GET /v1/alerts': { min: 'viewer', ok: 200 },
  'GET /v1/inventory': { min: 'viewer', ok: 200 },
  'GET /v1/alerts/{id}': { min: 'analyst', ok: 200, params: { id: EXISTING_ALERT } },
  'PATCH /v1/alerts/{id}': { min: 'analyst', ok: 200, params: { id: EXISTING_ALERT }, json: { note: 'role walk' } },
  'GET /v1/suppressions': { min: 'analyst', ok: 200 },
  'POST /v1/suppressions': { min: 'analyst', ok: 201, json: { principal: 'user:walker', reason: 'role walk' } },
  'DELETE /v1/suppressions/{id}': { min: 'analyst', ok: 404, params: { id: 'no-such-rule' } },
  'GET /v1/principals/{principal}': { min: 'analyst', ok: 200, params: { principal: 'user:alice' } },
  'POST /v1/ingest': { min: 'analyst', ok: 202, text: '{"request":{"method":"GET","uri":"/fhir/Patient/1"}}' },
  'GET /v1/keys': { min: 'admin', ok: 200 },
  'POST /v1/keys': { min: 'admin', ok: 201, json: { role: 'viewer', label: 'role walk' } },
  'POST /v1/keys/{id}/rotate': { min: 'admin', ok: 404, params: { id: NO_SUCH_KEY }, json: {} },
  'DELETE /v1/keys/{id}': { min: 'admin', ok: 404, params: { id: NO_SUCH_KEY } },
  'GET /v1/audit': { min: 'admin', ok: 200 },
  'GET /v1/objects/{type}/{id}/access': { min: 'admin', ok: 200, params: { type: 'Patient', id: '123' } },
  'GET /v1/inventory/{routeId}': { min: 'viewer', ok: 404, params: { routeId: 'rte_nope' } },
  'GET /v1/inventory/openapi.json': { min: 'viewer', ok: 200 },
  'GET /v1/specs': { min: 'admin', ok: 200 },
  'PUT /v1/specs/{service}': { min: 'admin', ok: 200, params: { service: 'walk-api' }, json: { openapi: '3.1.0', info: { title: 'walk', version: '1' }, paths: {} } },
  'DELETE /v1/specs/{service}': { min: 'admin', ok: 404, params: { service: 'no-such-service' } },
  'GET /v1/destinations': { min: 'admin', ok: 200 },
  'POST /v1/destinations': {
    min: 'admin',
    ok: 201,
    json: { name: 'walk', type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'walk-secret-0123456789', allowPrivateNetwork: true },
  },
  'PATCH /v1/destinations/{id}': { min: 'admin', ok: 404, params: { id: 'no-such-destination' }, json: { name: 'renamed' } },
  'DELETE /v1/destinations/{id}': { min: 'admin', ok: 404, params: { id: 'no-such-destination' } },
  'POST /v1/destinations/{id}/test': { min: 'admin', ok: 404, params: { id: 'no-such-destination' } },
  'GET /v1/deliveries': { min: 'admin', ok: 200 },
  'POST /v1/deliveries/{id}/retry': { min: 'admin', ok: 404, params: { id: 'no-such-delivery' } },
  // Console (issue 7). The session routes are public: they check the credential in the body or the
  // cookie themselves, so a bearer header changes nothing.
  'POST /v1/session': { min: 'public', ok: 401, json: { apiKey: `vgl_${'A'.repeat(43)}` } },
  'GET /v1/session': { min: 'public', ok: 401 },
  'DELETE /v1/session': { min: 'public', ok: 204 },
  'GET /v1/session/sso': { min: 'public', ok: 200 },
  'GET /v1/alerts/stream': { min: 'viewer', ok: 200, headers: { accept: 'text/event-stream' } },
  'POST /v1/alerts/bulk': { min: 'analyst', ok: 200, json: { ids: [EXISTING_ALERT], status: 'acknowledged' } },
  'GET /v1/alerts/{id}/activity': { min: 'analyst', ok: 200, params: { id: EXISTING_ALERT } },
  'GET /v1/overview': { min: 'viewer', ok: 200 },
};

const CALLERS: (Role | null)[] = [null, 'viewer', 'analyst', 'admin'];

function expected(row: Row, as: Role | null): number {
  if (row.min === 'public') return row.ok;
  if (as === null) return 401;
  return ROLE_RANK[as] < ROLE_RANK[row.min] ? 403 : row.ok;
}

let h: Harness;

beforeAll(async () => {
  h = await startHarness('roles');
  await h.store.insertEvents([makeEvent(1)]);
  await h.store.upsertAlerts([makeAlert(EXISTING_ALERT)]);
  await h.alerts.load();
});

afterAll(async () => {
  await h.close();
});

describe('role walk over /openapi.json', () => {
  it('knows every operation the API serves, and the API serves every operation it knows', async () => {
    const res = await h.call('/openapi.json', { as: 'admin' });
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const unknown = served.filter((op) => !(op in ACCESS));
    // A new route must be added to ACCESS above with its minimum role: say which.
    expect(unknown, `routes missing from the ACCESS table in services/api/roles.integration.test.ts: ${unknown.join(', ')}`).toEqual([]);
    expect(Object.keys(ACCESS).filter((op) => !served.includes(op))).toEqual([]);
  });

  it('answers each operation with the exact status for no credentials, viewer, analyst and admin', async () => {
    const res = await h.call('/openapi.json', { as: 'admin' });
    const doc = (await res.json()) as { paths: Record<string, Record<string, { 'x-vigil-role'?: string }>> };
    const got: string[] = [];
    const want: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const op = `${method.toUpperCase()} ${path}`;
        const row = ACCESS[op];
        if (!row) throw new Error(`${op} is served but not in the ACCESS table of services/api/roles.integration.test.ts; add it`);
        const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(row.params?.[name] ?? `no-such-${name}`));
        for (const as of CALLERS) {
          const r = await h.call(url, {
            as,
            method: method.toUpperCase(),
            ...(row.json !== undefined ? { json: row.json } : {}),
            ...(row.text !== undefined ? { body: row.text, headers: { 'content-type': 'application/json' } } : {}),
            ...(row.headers !== undefined ? { headers: row.headers } : {}),
          });
          // An event stream never ends by itself: its status is all this walk needs.
          if (r.headers.get('content-type')?.startsWith('text/event-stream')) await r.body?.cancel();
          else await r.arrayBuffer();
          got.push(`${op} as ${as ?? 'nobody'}: ${r.status}`);
          want.push(`${op} as ${as ?? 'nobody'}: ${expected(row, as)}`);
        }
      }
    }
    expect(got).toEqual(want);
  });

  it('states each operation’s minimum role in the spec as x-vigil-role, matching the table', async () => {
    const res = await h.call('/openapi.json', { as: 'admin' });
    const doc = (await res.json()) as { paths: Record<string, Record<string, { 'x-vigil-role': string }>> };
    const roles = Object.fromEntries(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => [`${m.toUpperCase()} ${path}`, op['x-vigil-role']])),
    );
    expect(roles).toEqual(Object.fromEntries(Object.entries(ACCESS).map(([op, row]) => [op, row.min])));
  });

  it('tells a caller below the minimum role which role the route needs', async () => {
    const res = await h.call('/v1/principals/user%3Aalice', { as: 'viewer' });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: { code: 'forbidden', message: 'this route needs the analyst role or higher; this key is viewer' },
    });
  });
});

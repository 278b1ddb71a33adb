import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './test-support/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('access');
});

afterAll(async () => {
  await h.close();
});

interface Spec {
  paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

const EXPECTED_OPERATIONS = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /v1/alerts',
  'GET /v1/alerts/{id}',
  'PATCH /v1/alerts/{id}',
  'GET /v1/suppressions',
  'POST /v1/suppressions',
  'DELETE /v1/suppressions/{id}',
  'GET /v1/principals/{principal}',
  'GET /v1/inventory',
  'POST /v1/ingest',
  'GET /v1/keys',
  'POST /v1/keys',
  'DELETE /v1/keys/{id}',
  'POST /v1/keys/{id}/rotate',
  'GET /v1/audit',
  'GET /v1/objects/{type}/{id}/access',
  'GET /v1/inventory/{routeId}',
  'GET /v1/inventory/openapi.json',
  'GET /v1/specs',
  'PUT /v1/specs/{service}',
  'DELETE /v1/specs/{service}',
  'GET /v1/destinations',
  'POST /v1/destinations',
  'PATCH /v1/destinations/{id}',
  'DELETE /v1/destinations/{id}',
  'POST /v1/destinations/{id}/test',
  'GET /v1/deliveries',
  'POST /v1/deliveries/{id}/retry',
  'POST /v1/session',
  'GET /v1/session',
  'DELETE /v1/session',
  'GET /v1/alerts/stream',
  'POST /v1/alerts/bulk',
  'GET /v1/alerts/{id}/activity',
  'GET /v1/overview',
  'GET /openapi.json',
  'GET /v1/session/sso',
];

/** Without credentials: health checks answer, the console's session routes handle themselves, the rest is 401. */
const ANONYMOUS_STATUS: Record<string, number> = {
  'GET /healthz': 200,
  'GET /readyz': 200,
  'POST /v1/session': 400,
  'GET /v1/session': 401,
  'DELETE /v1/session': 204,
  // Public: the sign-in page asks it before anyone is signed in (no SSO in this harness: enabled false).
  'GET /v1/session/sso': 200,
};

async function spec(): Promise<Spec> {
  const res = await h.call('/openapi.json', { as: 'viewer' });
  expect(res.status).toBe(200);
  return (await res.json()) as Spec;
}

describe('authentication', () => {
  it('answers 401 with WWW-Authenticate: Bearer when no key is sent', async () => {
    const res = await h.call('/v1/alerts', { as: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toEqual({
      error: {
        code: 'unauthorized',
        message: 'missing or malformed Authorization header; send "Authorization: Bearer <api key>"',
      },
    });
  });

  it('answers 401 for a well-formed key that does not exist', async () => {
    const res = await h.call('/v1/alerts', { as: null, headers: { authorization: `Bearer vgl_${'A'.repeat(43)}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: 'invalid or revoked API key' } });
  });

  it('answers 401 for another scheme, even with a valid key', async () => {
    const res = await h.call('/v1/alerts', { as: null, headers: { authorization: `Basic ${h.key.admin}` } });
    expect(res.status).toBe(401);
  });

  it('needs a key for unknown routes too, then answers a JSON 404', async () => {
    expect((await h.call('/v1/nothing-here', { as: null })).status).toBe(401);
    const res = await h.call('/v1/nothing-here', { as: 'viewer' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no such route' } });
  });

  it('answers 400, not 500, for a malformed %-escape in a path parameter', async () => {
    const res = await h.call('/v1/principals/user%3Aal%E0%A4', { as: 'viewer' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'bad_request', message: 'bad request' } });
  });

  it('serves health checks without a key', async () => {
    const health = await h.call('/healthz', { as: null });
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await h.call('/readyz', { as: null });
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    expect(health.headers.get('x-powered-by')).toBeNull();
  });

  it('walks every operation in /openapi.json without credentials and gets 401 for all but health checks and the session routes', async () => {
    const doc = await spec();
    const answers: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        // Any concrete value fills a path parameter: auth is checked before the handler runs.
        const url = path.replace(/\{[^}]+\}/g, 'x');
        const res = await h.call(url, { as: null, method: method.toUpperCase(), body: method === 'get' ? undefined : '{}' });
        answers.push(`${method.toUpperCase()} ${path} ${res.status}`);
      }
    }
    expect(answers.sort()).toEqual(
      EXPECTED_OPERATIONS.map((op) => `${op} ${ANONYMOUS_STATUS[op] ?? 401}`).sort(),
    );
  });
});

describe('OpenAPI document', () => {
  it('lists every route with its method, bearer security, and Alert among the components', async () => {
    const doc = await spec();
    const ops = Object.entries(doc.paths).flatMap(([path, o]) => Object.keys(o).map((m) => `${m.toUpperCase()} ${path}`));
    expect(ops.sort()).toEqual([...EXPECTED_OPERATIONS].sort());
    expect(Object.keys(doc.components.schemas.Alert?.properties ?? {})).toContain('sampleEventIds');
    expect(doc.paths['/v1/alerts']?.get?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/healthz']?.get?.security).toEqual([]);
    expect(Object.keys(doc.paths['/v1/alerts/{id}']?.patch?.responses ?? {})).toEqual(['200', '400', '401', '403', '404', '429', '500']);
    expect(doc.paths['/v1/alerts']?.get?.responses['200']).toEqual({
      description: 'One page of alerts.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/AlertPage' } } },
    });
  });

  it('documents the alert filter as query parameters', async () => {
    const doc = await spec();
    const op = doc.paths['/v1/alerts']?.get as unknown as { parameters: { name: string; in: string }[] };
    expect(op.parameters.map((p) => `${p.in}:${p.name}`)).toEqual([
      'query:status',
      'query:severity',
      'query:detector',
      'query:principal',
      'query:since',
      'query:until',
      'query:limit',
      'query:cursor',
      'query:owasp',
      'query:sort',
      'query:order',
    ]);
  });
});

describe('roles and keys', () => {
  it('forbids viewers and analysts to manage keys', async () => {
    const asViewer = await h.call('/v1/keys', { as: 'viewer', method: 'POST', json: { role: 'admin' } });
    expect(asViewer.status).toBe(403);
    expect(((await asViewer.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await h.call('/v1/keys', { as: 'analyst' })).status).toBe(403);
  });

  it('creates a key that authenticates at once, lists it without its hash, and revokes it', async () => {
    const created = await h.call('/v1/keys', { as: 'admin', method: 'POST', json: { role: 'viewer', label: 'grafana' } });
    expect(created.status).toBe(201);
    const nk = (await created.json()) as { key: string; id: string; role: string; prefix: string };
    expect(Object.keys(nk).sort()).toEqual(['id', 'key', 'prefix', 'role']);
    expect([nk.role, nk.prefix]).toEqual(['viewer', nk.key.slice(0, 12)]);

    const withNewKey = { as: null, headers: { authorization: `Bearer ${nk.key}` } } as const;
    expect((await h.call('/v1/alerts', withNewKey)).status).toBe(200);
    expect((await h.call('/v1/keys', withNewKey)).status).toBe(403);

    await h.keys.flush();
    const listed = (await (await h.call('/v1/keys', { as: 'admin' })).json()) as { keys: Record<string, unknown>[] };
    const row = listed.keys.find((k) => k.id === nk.id);
    // lastUsedAt: the two calls above used the key (written asynchronously, at most once a minute).
    expect(row).toEqual({ id: nk.id, prefix: nk.prefix, role: 'viewer', label: 'grafana', createdAt: row?.createdAt, lastUsedAt: row?.lastUsedAt });
    expect(Date.parse(String(row?.lastUsedAt))).toBeGreaterThanOrEqual(Date.parse(String(row?.createdAt)));
    expect(listed.keys.every((k) => !('hash' in k))).toBe(true);

    const revoked = await h.call(`/v1/keys/${nk.id}`, { as: 'admin', method: 'DELETE' });
    expect(revoked.status).toBe(204);
    expect((await h.call('/v1/alerts', withNewKey)).status).toBe(401);
    expect((await h.call(`/v1/keys/${nk.id}`, { as: 'admin', method: 'DELETE' })).status).toBe(404);
  });

  it('rejects a key request with an unknown role', async () => {
    const res = await h.call('/v1/keys', { as: 'admin', method: 'POST', json: { role: 'root' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^role: /);
  });

  it('rejects malformed JSON without echoing it', async () => {
    const res = await h.call('/v1/keys', {
      as: 'admin',
      method: 'POST',
      body: '{"role": "admin", secret-stuff',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'bad_request', message: 'body: malformed JSON' } });
  });
});

describe('metrics', () => {
  it('exposes request durations by route template to any role', async () => {
    await h.call('/v1/alerts/some-id', { as: 'analyst' });
    const res = await h.call('/metrics', { as: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('vigil_http_request_duration_seconds_count{method="GET",route="/v1/alerts/{id}",status="404"} 1');
    expect(text).not.toContain('some-id');
  });
});

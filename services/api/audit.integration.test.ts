import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../libs/contracts/index.js';
import { startHarness, type Harness } from './test-support/harness.js';

let h: Harness;
const ids: Record<string, string> = {};
/** X-Request-Id of each call of the sequence, in order. */
const requestIds: string[] = [];
let createdKeyId = '';
let rotatedKeyId = '';
let previousExpiresAt = '';

const RAW_PATIENT = 'Patient/4711';
const RAW_PRINCIPAL = 'user:mrn-99887766';

async function step(path: string, opts: Parameters<Harness['call']>[1], status: number): Promise<unknown> {
  const res = await h.call(path, opts);
  expect(res.status, `${opts?.method ?? 'GET'} ${path}`).toBe(status);
  requestIds.push(res.headers.get('x-request-id') ?? 'missing');
  const text = await res.text();
  return text ? (JSON.parse(text) as unknown) : undefined;
}

beforeAll(async () => {
  h = await startHarness('audit');
  for (const role of ['viewer', 'analyst', 'admin'] as const) ids[role] = (await h.keys.authenticate(h.key[role]))?.keyId ?? '';
  await step(`/v1/alerts?principal=${encodeURIComponent(RAW_PRINCIPAL)}&limit=5`, { as: 'viewer' }, 200);
  await step('/v1/alerts', { as: null }, 401);
  await step('/v1/alerts', { as: null, headers: { authorization: `Bearer vgl_${'A'.repeat(43)}` } }, 401);
  await step('/v1/keys', { as: 'viewer' }, 403);
  await step(`/v1/principals/${encodeURIComponent(RAW_PATIENT)}`, { as: 'analyst' }, 404);
  createdKeyId = ((await step('/v1/keys', { as: 'admin', method: 'POST', json: { role: 'viewer', name: 'grafana' } }, 201)) as { id: string }).id;
  const rotated = (await step(`/v1/keys/${createdKeyId}/rotate`, { as: 'admin', method: 'POST', json: { graceSeconds: 0 } }, 201)) as {
    id: string;
    previousExpiresAt: string;
  };
  rotatedKeyId = rotated.id;
  previousExpiresAt = rotated.previousExpiresAt;
  await step(`/v1/keys/${rotatedKeyId}`, { as: 'admin', method: 'DELETE' }, 204);
});

afterAll(async () => {
  await h.close();
});

async function audit(query = ''): Promise<{ records: AuditRecord[]; nextCursor?: string }> {
  const res = await h.call(`/v1/audit${query}`, { as: 'admin' });
  expect(res.status).toBe(200);
  return (await res.json()) as { records: AuditRecord[]; nextCursor?: string };
}

type Row = Omit<AuditRecord, 'time' | 'sourceIp'>;

function row(n: number, over: Partial<Row>): Row {
  return {
    requestId: requestIds[n] ?? '',
    action: 'request',
    actor: '',
    role: '',
    authMethod: 'none',
    method: 'GET',
    route: '/v1/alerts',
    params: {},
    query: {},
    status: 200,
    outcome: 'success',
    target: '',
    detail: '',
    ...over,
  };
}

describe('audit trail', () => {
  it('records every call of the sequence, newest first, with key changes, the 401s and the 403 as explicit rows', async () => {
    const { records, nextCursor } = await audit();
    expect(nextCursor).toBeUndefined();
    const admin = { actor: ids.admin, role: 'admin', authMethod: 'api_key' as const };
    const keyCall = { ...admin, method: 'POST', status: 201, route: '/v1/keys' };
    const expected: Row[] = [
      row(7, { ...admin, method: 'DELETE', route: '/v1/keys/{id}', params: { id: rotatedKeyId }, status: 204 }),
      row(7, { ...admin, method: 'DELETE', route: '/v1/keys/{id}', params: { id: rotatedKeyId }, status: 204, action: 'key_revoked', target: rotatedKeyId }),
      row(6, { ...keyCall, route: '/v1/keys/{id}/rotate', params: { id: createdKeyId } }),
      row(6, {
        ...keyCall,
        route: '/v1/keys/{id}/rotate',
        params: { id: createdKeyId },
        action: 'key_rotated',
        target: createdKeyId,
        detail: `replaced by ${rotatedKeyId}, old key valid until ${previousExpiresAt}`,
      }),
      row(5, keyCall),
      row(5, { ...keyCall, action: 'key_created', target: createdKeyId, detail: 'role viewer' }),
      row(4, {
        actor: ids.analyst,
        role: 'analyst',
        authMethod: 'api_key',
        route: '/v1/principals/{principal}',
        params: { principal: h.tokenizer.token('principal', RAW_PATIENT) },
        status: 404,
        outcome: 'client_error',
      }),
      row(3, { actor: ids.viewer, role: 'viewer', authMethod: 'api_key', route: '/v1/keys', status: 403, outcome: 'denied' }),
      row(2, { authMethod: 'api_key', status: 401, outcome: 'unauthenticated', detail: 'unknown or revoked key' }),
      row(2, { authMethod: 'api_key', status: 401, outcome: 'unauthenticated', detail: 'unknown or revoked key', action: 'auth_failed' }),
      row(1, { status: 401, outcome: 'unauthenticated' }),
      row(0, {
        actor: ids.viewer,
        role: 'viewer',
        authMethod: 'api_key',
        query: { principal: h.tokenizer.token('principal', RAW_PRINCIPAL), limit: '5' },
      }),
    ];
    // Within one request the rows sort by action, descending: request, then key_* or auth_failed.
    expect(records.map(({ time: _t, sourceIp: _s, ...r }) => r)).toEqual(expected);
    expect(new Set(records.map((r) => r.sourceIp))).toEqual(new Set(['127.0.0.1']));
    const times = records.map((r) => Date.parse(r.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('never stores the raw patient id or principal, only their tokens', async () => {
    const text = JSON.stringify(await audit());
    // As an id it stands alone ("Patient/4711", "4711"): the same digits inside a random request
    // id (a UUID) are chance, and made this flaky.
    expect(text).not.toMatch(/(^|[^0-9a-f-])4711($|[^0-9a-f-])/);
    expect(text).not.toContain('mrn-99887766');
    expect(text).toContain(h.tokenizer.token('principal', RAW_PATIENT));
  });

  it('filters by outcome, actor and route, and pages with the cursor', async () => {
    expect((await audit('?outcome=denied')).records.map((r) => [r.route, r.status, r.actor])).toEqual([['/v1/keys', 403, ids.viewer]]);
    expect((await audit(`?actor=${ids.analyst}`)).records.map((r) => r.route)).toEqual(['/v1/principals/{principal}']);
    expect((await audit('?route=%2Fv1%2Fkeys&action=key_created')).records.map((r) => r.target)).toEqual([createdKeyId]);

    const all = (await audit('?route=%2Fv1%2Falerts')).records;
    const pages: AuditRecord[][] = [];
    let cursor: string | undefined;
    do {
      const page = await audit(`?route=%2Fv1%2Falerts&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(page.records);
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([2, 2]);
    expect(pages.flat()).toEqual(all);
  });

  it('rejects a bad cursor and a bad time with 400', async () => {
    const bad = await h.call('/v1/audit?cursor=bm9wZQ', { as: 'admin' });
    expect([bad.status, await bad.json()]).toEqual([400, { error: { code: 'bad_request', message: 'cursor: not a cursor from a previous page' } }]);
    expect((await h.call('/v1/audit?since=yesterday', { as: 'admin' })).status).toBe(400);
  });

  it('lets only admins read the audit log', async () => {
    expect((await h.call('/v1/audit', { as: 'analyst' })).status).toBe(403);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAlert } from '../../libs/store/test-support/fixtures.js';
import { startHarness, type Harness } from './test-support/harness.js';

/** Console sessions: cookie attributes, CSRF and Origin checks, logout, expiry, and bearer untouched. */
let h: Harness;
/** The sessions' clock (ms), moved by the tests; keys and everything else use the wall clock. */
let clock = Date.parse('2026-06-01T08:00:00.000Z');
const TTL = 28_800;
const IDLE = 1_800;
const ALERT = 'session-alert';

beforeAll(async () => {
  h = await startHarness('session', { session: { ttlSeconds: TTL, idleSeconds: IDLE, now: () => clock } });
  await h.store.upsertAlerts([makeAlert(ALERT)]);
  await h.alerts.load();
});

afterAll(async () => {
  await h.close();
});

interface SessionInfo {
  role: string;
  actor: string;
  csrfToken: string;
  expiresAt: string;
}

async function keyId(label: string): Promise<string> {
  return (await h.keys.list()).find((k) => k.label === label)?.id ?? '';
}

async function login(body: unknown): Promise<{ res: Response; cookie: string; info: SessionInfo }> {
  const res = await h.call('/v1/session', { as: null, method: 'POST', json: body });
  const set = res.headers.getSetCookie()[0] ?? '';
  const info = (await res.json()) as SessionInfo;
  return { res, cookie: set.split(';')[0] ?? '', info };
}

const withCookie = (cookie: string, headers: Record<string, string> = {}) => ({ as: null, headers: { cookie, ...headers } }) as const;

describe('POST /v1/session', () => {
  it('signs in with an API key: exact body and cookie attributes, no token kept in the answer', async () => {
    const { res, info } = await login({ apiKey: h.key.analyst });
    expect(res.status).toBe(200);
    const set = res.headers.getSetCookie();
    expect(set).toHaveLength(1);
    expect(set[0]).toMatch(/^vigil_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=28800$/);
    expect(info).toEqual({ role: 'analyst', actor: await keyId('test analyst'), csrfToken: info.csrfToken, expiresAt: '2026-06-01T16:00:00.000Z' });
    expect(info.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(info)).not.toContain(h.key.analyst);
  });

  it('refuses a bad key with the bearer message, and a body with both or neither credential', async () => {
    const bad = await h.call('/v1/session', { as: null, method: 'POST', json: { apiKey: `vgl_${'A'.repeat(43)}` } });
    expect([bad.status, bad.headers.getSetCookie(), await bad.json()]).toEqual([401, [], { error: { code: 'unauthorized', message: 'invalid or revoked API key' } }]);
    const both = await h.call('/v1/session', { as: null, method: 'POST', json: { apiKey: h.key.viewer, token: 'x' } });
    expect(both.status).toBe(400);
    const neither = await h.call('/v1/session', { as: null, method: 'POST', json: {} });
    expect(neither.status).toBe(400);
  });
});

describe('cookie authentication', () => {
  it('serves GET routes and GET /v1/session with the cookie alone', async () => {
    const { cookie, info } = await login({ apiKey: h.key.analyst });
    const alerts = await h.call('/v1/alerts', withCookie(cookie));
    expect(alerts.status).toBe(200);
    const again = await h.call('/v1/session', withCookie(cookie));
    expect([again.status, await again.json()]).toEqual([200, info]);
  });

  it('refuses a change without or with a wrong X-CSRF-Token (403 csrf), and accepts the right one', async () => {
    const { cookie, info } = await login({ apiKey: h.key.analyst });
    const patch = { method: 'PATCH', json: { note: 'from the console' } };
    const none = await h.call(`/v1/alerts/${ALERT}`, { ...withCookie(cookie), ...patch });
    expect([none.status, await none.json()]).toEqual([
      403,
      { error: { code: 'csrf', message: 'missing or wrong X-CSRF-Token header; send the csrfToken of GET /v1/session with every change' } },
    ]);
    const wrong = await h.call(`/v1/alerts/${ALERT}`, { ...withCookie(cookie, { 'x-csrf-token': `${info.csrfToken.slice(1)}A` }), ...patch });
    expect(wrong.status).toBe(403);
    const right = await h.call(`/v1/alerts/${ALERT}`, { ...withCookie(cookie, { 'x-csrf-token': info.csrfToken }), ...patch });
    expect(right.status).toBe(200);
    expect(((await right.json()) as { note: string }).note).toBe('from the console');
  });

  it('refuses a change from a foreign Origin even with the token, and accepts its own origin', async () => {
    const { cookie, info } = await login({ apiKey: h.key.analyst });
    const patch = { method: 'PATCH', json: { note: 'origin check' } };
    const foreign = await h.call(`/v1/alerts/${ALERT}`, { ...withCookie(cookie, { 'x-csrf-token': info.csrfToken, origin: 'https://evil.example' }), ...patch });
    expect([foreign.status, await foreign.json()]).toEqual([403, { error: { code: 'csrf', message: 'cross-origin request refused: Origin is not this server' } }]);
    const own = await h.call(`/v1/alerts/${ALERT}`, { ...withCookie(cookie, { 'x-csrf-token': info.csrfToken, origin: h.base }), ...patch });
    expect(own.status).toBe(200);
  });

  it('keeps roles: a viewer session may read alerts but not triage', async () => {
    const { cookie, info } = await login({ apiKey: h.key.viewer });
    expect((await h.call('/v1/alerts', withCookie(cookie))).status).toBe(200);
    const res = await h.call(`/v1/alerts/${ALERT}`, { ...withCookie(cookie, { 'x-csrf-token': info.csrfToken }), method: 'PATCH', json: { note: 'no' } });
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([403, 'forbidden']);
  });

  it('leaves bearer requests alone: no CSRF token needed, and the bearer wins over a dead cookie', async () => {
    const res = await h.call(`/v1/alerts/${ALERT}`, { as: 'analyst', method: 'PATCH', json: { note: 'bearer' }, headers: { cookie: 'vigil_session=not-a-session' } });
    expect(res.status).toBe(200);
  });

  it('answers 401 for an unknown cookie', async () => {
    const res = await h.call('/v1/alerts', withCookie('vigil_session=AAAA'));
    expect([res.status, await res.json()]).toEqual([401, { error: { code: 'unauthorized', message: 'session expired or signed out; sign in again' } }]);
  });
});

describe('session end', () => {
  it('logs out: 403 without the token, then 204, the cookie cleared and the session dead server-side', async () => {
    const { cookie, info } = await login({ apiKey: h.key.admin });
    expect((await h.call('/v1/session', { ...withCookie(cookie), method: 'DELETE' })).status).toBe(403);
    const out = await h.call('/v1/session', { ...withCookie(cookie, { 'x-csrf-token': info.csrfToken }), method: 'DELETE' });
    expect([out.status, out.headers.getSetCookie()]).toEqual([204, ['vigil_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0']]);
    expect((await h.call('/v1/alerts', withCookie(cookie))).status).toBe(401);
    expect((await h.call('/v1/session', withCookie(cookie))).status).toBe(401);
  });

  it('ends an idle session after sessionIdleSeconds, and any session after sessionTtlSeconds', async () => {
    const idle = await login({ apiKey: h.key.viewer });
    clock += (IDLE - 1) * 1000;
    expect((await h.call('/v1/alerts', withCookie(idle.cookie))).status).toBe(200);
    clock += IDLE * 1000;
    expect((await h.call('/v1/alerts', withCookie(idle.cookie))).status).toBe(401);

    const busy = await login({ apiKey: h.key.viewer });
    const end = Date.parse(busy.info.expiresAt);
    // Used every 20 minutes, it outlives the idle timeout but not the absolute lifetime.
    while (clock + 1_200_000 < end) {
      clock += 1_200_000;
      expect((await h.call('/v1/alerts', withCookie(busy.cookie))).status).toBe(200);
    }
    clock = end;
    expect((await h.call('/v1/alerts', withCookie(busy.cookie))).status).toBe(401);
  });

  it('ends the sessions of a key revoked after sign-in within 30 seconds', async () => {
    const made = await h.keys.create('viewer', 'revoked later');
    const { cookie } = await login({ apiKey: made.key });
    expect((await h.call('/v1/alerts', withCookie(cookie))).status).toBe(200);
    await h.keys.revoke(made.record.id);
    clock += 30_000;
    expect((await h.call('/v1/alerts', withCookie(cookie))).status).toBe(401);
  });

  it('writes login and logout audit rows naming the key', async () => {
    const { cookie, info } = await login({ apiKey: h.key.analyst });
    await h.call('/v1/session', { ...withCookie(cookie, { 'x-csrf-token': info.csrfToken }), method: 'DELETE' });
    await h.audit.flush();
    const id = await keyId('test analyst');
    const rows = (await h.store.listAuditRecords({ actor: id, limit: 1000 })).records.filter((r) => r.action === 'login' || r.action === 'logout');
    expect(rows.slice(0, 2).map((r) => [r.action, r.route, r.target, r.detail, r.status])).toEqual([
      ['logout', '/v1/session', id, 'console session', 204],
      ['login', '/v1/session', id, 'console session', 200],
    ]);
  });
});

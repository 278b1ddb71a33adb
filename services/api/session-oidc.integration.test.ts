import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier } from '../../libs/auth/index.js';
import { startTestIdp, type TestIdp } from '../../libs/auth/test-support/idp.js';
import { OidcConfigSchema } from '../../libs/contracts/index.js';
import { silentLogger } from '../../libs/store/test-support/fixtures.js';
import { startHarness, type Harness } from './test-support/harness.js';

/** Console sign-in with an SSO token from a local OpenID provider: the session ends with the token. */
let h: Harness;
let idp: TestIdp;
let clock = Date.now();

beforeAll(async () => {
  idp = await startTestIdp();
  const oidc = createOidcVerifier(
    OidcConfigSchema.parse({ issuer: idp.issuer, audience: 'vigil', roleMapping: { 'soc-analysts': 'analyst', 'soc-admins': 'admin' } }),
    { logger: silentLogger },
  );
  h = await startHarness('session_oidc', { oidc, session: { ttlSeconds: 28_800, idleSeconds: 1_800, now: () => clock } });
});

afterAll(async () => {
  await h.close();
  await idp.close();
});

describe('POST /v1/session with an SSO token', () => {
  it('opens a session that ends when the token expires, not 8 hours later', async () => {
    const exp = Math.floor(Date.now() / 1000) + 300;
    clock = (exp - 120) * 1000;
    const token = await idp.sign({ sub: 'dr-house', roles: ['soc-analysts'], exp });
    const res = await h.call('/v1/session', { as: null, method: 'POST', json: { token } });
    const body = (await res.json()) as { csrfToken: string };
    expect([res.status, body]).toEqual([200, { role: 'analyst', actor: 'oidc:dr-house', csrfToken: body.csrfToken, expiresAt: new Date(exp * 1000).toISOString() }]);
    const set = res.headers.getSetCookie()[0] ?? '';
    expect(set).toMatch(/^vigil_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=120$/);
    const cookie = set.split(';')[0] ?? '';
    expect((await h.call('/v1/suppressions', { as: null, headers: { cookie } })).status).toBe(200);
    clock = exp * 1000;
    expect((await h.call('/v1/suppressions', { as: null, headers: { cookie } })).status).toBe(401);
  });

  it('refuses a token with no mapped role (403) and an expired one (401), with the bearer messages', async () => {
    const unmapped = await h.call('/v1/session', { as: null, method: 'POST', json: { token: await idp.sign({ sub: 'nurse-joy', roles: ['nurses'] }) } });
    expect([unmapped.status, await unmapped.json(), unmapped.headers.getSetCookie()]).toEqual([
      403,
      { error: { code: 'forbidden', message: "no Vigil role is mapped from the token's roles claim; ask an admin to map one of your groups" } },
      [],
    ]);
    const expired = await h.call('/v1/session', { as: null, method: 'POST', json: { token: await idp.sign({ roles: ['soc-admins'], exp: Math.floor(Date.now() / 1000) - 3600 }) } });
    expect([expired.status, await expired.json()]).toEqual([401, { error: { code: 'unauthorized', message: 'invalid bearer token: token expired' } }]);
  });
});

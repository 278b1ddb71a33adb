import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier } from '../../libs/auth/index.js';
import { OidcConfigSchema, type AuditRecord } from '../../libs/contracts/index.js';
import { silentLogger } from '../../libs/store/test-support/fixtures.js';
import { startTestIdp, type TestIdp } from '../../libs/auth/test-support/idp.js';
import { startHarness, type Harness } from './test-support/harness.js';

let h: Harness;
let idp: TestIdp;

beforeAll(async () => {
  idp = await startTestIdp();
  const oidc = createOidcVerifier(
    OidcConfigSchema.parse({ issuer: idp.issuer, audience: 'vigil', roleMapping: { 'soc-analysts': 'analyst', 'soc-admins': 'admin' } }),
    { logger: silentLogger },
  );
  h = await startHarness('oidc', { oidc });
});

afterAll(async () => {
  await h.close();
  await idp.close();
});

const bearer = (token: string) => ({ as: null, headers: { authorization: `Bearer ${token}` } }) as const;

describe('SSO bearer tokens on the API', () => {
  it('serves an analyst token on analyst routes and refuses it admin routes', async () => {
    const token = await idp.sign({ sub: 'dr-house', roles: ['soc-analysts'] });
    expect((await h.call('/v1/suppressions', bearer(token))).status).toBe(200);
    const keys = await h.call('/v1/keys', bearer(token));
    expect([keys.status, await keys.json()]).toEqual([
      403,
      { error: { code: 'forbidden', message: 'this route needs the admin role or higher; this key is analyst' } },
    ]);
  });

  it('answers 401 naming the failed check, and 403 when no role is mapped', async () => {
    const expired = await h.call('/v1/alerts', bearer(await idp.sign({ roles: ['soc-admins'], exp: Math.floor(Date.now() / 1000) - 3600 })));
    expect([expired.status, expired.headers.get('www-authenticate'), await expired.json()]).toEqual([
      401,
      'Bearer',
      { error: { code: 'unauthorized', message: 'invalid bearer token: token expired' } },
    ]);
    const unmapped = await h.call('/v1/alerts', bearer(await idp.sign({ sub: 'nurse-joy', roles: ['nurses'] })));
    expect([unmapped.status, await unmapped.json()]).toEqual([
      403,
      { error: { code: 'forbidden', message: "no Vigil role is mapped from the token's roles claim; ask an admin to map one of your groups" } },
    ]);
  });

  it('keeps API keys working beside SSO', async () => {
    expect((await h.call('/v1/alerts', { as: 'viewer' })).status).toBe(200);
  });

  it('audits the first call of a token as a login, once, and failed tokens as auth_failed', async () => {
    const token = await idp.sign({ sub: 'dr-cuddy', roles: ['soc-admins'] });
    await (await h.call('/v1/alerts', bearer(token))).arrayBuffer();
    await (await h.call('/v1/inventory', bearer(token))).arrayBuffer();
    const res = await h.call('/v1/audit?actor=oidc%3Adr-cuddy', bearer(token));
    const { records } = (await res.json()) as { records: AuditRecord[] };
    expect(records.map((r) => [r.action, r.route, r.role, r.authMethod, r.target])).toEqual([
      ['request', '/v1/inventory', 'admin', 'oidc', ''],
      ['request', '/v1/alerts', 'admin', 'oidc', ''],
      ['login', '/v1/alerts', 'admin', 'oidc', 'oidc:dr-cuddy'],
    ]);
    const failed = (await (await h.call('/v1/audit?action=auth_failed', bearer(token))).json()) as { records: AuditRecord[] };
    expect(failed.records.map((r) => [r.actor, r.status, r.detail])).toEqual([
      ['oidc:nurse-joy', 403, "no Vigil role is mapped from the token's roles claim"],
      ['', 401, 'token expired'],
    ]);
  });
});

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleSso, createOidcVerifier } from '../../libs/auth/index.js';
import { startTestIdp, type TestIdp } from '../../libs/auth/test-support/idp.js';
import { OidcConfigSchema } from '../../libs/contracts/index.js';
import { silentLogger } from '../../libs/store/test-support/fixtures.js';
import { startHarness, type Harness } from './test-support/harness.js';

/** GET /v1/session/sso both ways, and the code + PKCE exchange the console performs, against a local IdP. */
let sso: Harness;
let idp: TestIdp;
const consoleDir = mkdtempSync(join(tmpdir(), 'vigil-sso-console-'));

beforeAll(async () => {
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>Vigil</title>');
  idp = await startTestIdp();
  const cfg = OidcConfigSchema.parse({ issuer: idp.issuer, audience: 'vigil-console', roleMapping: { 'soc-analysts': 'analyst' }, consoleClientId: 'vigil-console' });
  sso = await startHarness('session_sso', {
    consoleDir,
    oidc: createOidcVerifier(cfg, { logger: silentLogger }),
    consoleSso: createConsoleSso(cfg, { logger: silentLogger }),
  });
});

afterAll(async () => {
  await sso.close();
  await idp.close();
  rmSync(consoleDir, { recursive: true, force: true });
});

describe('GET /v1/session/sso', () => {
  it('answers {"enabled": false} when no console client id is configured (SSO tokens still accepted)', async () => {
    const cfg = OidcConfigSchema.parse({ issuer: idp.issuer, audience: 'vigil' });
    expect(await createConsoleSso(cfg, { logger: silentLogger }).describe()).toEqual({ enabled: false });
    expect(createConsoleSso(cfg, { logger: silentLogger }).connectOrigins()).toEqual([]);
  });

  it('names the discovered endpoints and the public client, fetching discovery once', async () => {
    const first = await sso.call('/v1/session/sso', { as: null });
    const second = await sso.call('/v1/session/sso', { as: null });
    expect([first.status, await first.json()]).toEqual([
      200,
      {
        enabled: true,
        authorizationEndpoint: `${idp.issuer}/protocol/openid-connect/auth`,
        tokenEndpoint: `${idp.issuer}/protocol/openid-connect/token`,
        clientId: 'vigil-console',
        scope: 'openid profile',
        sessionToken: 'id_token',
      },
    ]);
    expect(second.status).toBe(200);
    // One discovery, started when the app was built (the JWKS verifier has not been asked yet).
    expect(idp.hits.discovery).toBe(1);
  });

  it("lets the console page connect to the token endpoint's origin (CSP connect-src)", async () => {
    const res = await sso.call('/console/', { as: null });
    expect(res.headers.get('content-security-policy')).toContain(`connect-src 'self' ${new URL(idp.issuer).origin};`);
  });

  it('asks for the access token when the accepted audience is not the client id', async () => {
    const cfg = OidcConfigSchema.parse({ issuer: idp.issuer, audience: 'vigil-api', consoleClientId: 'vigil-console', consoleScope: 'openid vigil' });
    expect(await createConsoleSso(cfg, { logger: silentLogger }).describe()).toMatchObject({ scope: 'openid vigil', sessionToken: 'access_token' });
  });

  it('fails with a clear error when the identity provider does not answer, and retries later', async () => {
    const cfg = OidcConfigSchema.parse({ issuer: 'http://127.0.0.1:9/realms/none', audience: 'vigil-console', consoleClientId: 'vigil-console' });
    const down = createConsoleSso(cfg, { logger: silentLogger });
    await expect(down.describe()).rejects.toThrow();
    expect(down.connectOrigins()).toEqual([]);
  });
});

describe('authorization code with PKCE against the test IdP', () => {
  const redirectUri = 'http://127.0.0.1:1/console/';
  async function authorize(challenge: string): Promise<URL> {
    const url = new URL(`${idp.issuer}/protocol/openid-connect/auth`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: 'vigil-console', redirect_uri: redirectUri, scope: 'openid', state: 's-1', code_challenge: challenge, code_challenge_method: 'S256' })) url.searchParams.set(k, v);
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location') ?? '');
  }
  const redeem = (code: string, verifier: string) =>
    fetch(`${idp.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: 'vigil-console', code_verifier: verifier }),
    });
  const verifier = 'v'.repeat(43);
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  it("signs in with the id_token the console gets for its code and verifier, with the mapped role", async () => {
    idp.loginClaims = { sub: 'dr-cuddy', roles: ['soc-analysts'] };
    const back = await authorize(challenge);
    expect([back.origin + back.pathname, back.searchParams.get('state')]).toEqual(['http://127.0.0.1:1/console/', 's-1']);
    const res = await redeem(back.searchParams.get('code') ?? '', verifier);
    const body = (await res.json()) as { id_token: string };
    expect(res.status).toBe(200);
    const login = await sso.call('/v1/session', { as: null, method: 'POST', json: { token: body.id_token } });
    expect([login.status, ((await login.json()) as { role: string; actor: string }).actor]).toEqual([200, 'oidc:dr-cuddy']);
  });

  it('refuses a code redeemed with the wrong verifier, and the code cannot be reused', async () => {
    const back = await authorize(challenge);
    const code = back.searchParams.get('code') ?? '';
    const wrong = await redeem(code, 'w'.repeat(43));
    expect([wrong.status, await wrong.json()]).toEqual([400, { error: 'invalid_grant', error_description: 'code_verifier does not match the challenge' }]);
    const again = await redeem(code, verifier);
    expect([again.status, await again.json()]).toEqual([400, { error: 'invalid_grant', error_description: 'unknown or used code' }]);
  });
});

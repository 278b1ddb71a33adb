import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcConfigSchema } from '../contracts/index.js';
import { createLogger } from '../log/index.js';
import { claimAt, createOidcVerifier, looksLikeJwt, mapRole, type OidcVerifier } from './oidc.js';
import { startTestIdp, unsignedToken, type TestIdp } from './test-support/idp.js';

const logger = createLogger({ level: 'silent' });
const MAPPING = { 'soc-viewers': 'viewer', 'soc-analysts': 'analyst', 'soc-admins': 'admin' } as const;

let idp: TestIdp;
let verifier: OidcVerifier;
const now = (): number => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  idp = await startTestIdp();
  // No jwksUri: discovered from the issuer, as in production.
  verifier = createOidcVerifier(OidcConfigSchema.parse({ issuer: idp.issuer, audience: 'vigil', roleMapping: MAPPING }), { logger });
});

afterAll(async () => {
  await idp.close();
});

async function reason(token: string, v: OidcVerifier = verifier): Promise<string> {
  const r = await v.verify(token);
  return r.ok ? `ok ${r.auth.role}` : `${r.status} ${r.reason}`;
}

describe('OIDC bearer tokens', () => {
  it('accepts a valid RS256 token and maps its roles claim to the highest role', async () => {
    const r = await verifier.verify(await idp.sign({ roles: ['soc-viewers', 'soc-analysts', 'unmapped'] }));
    expect(r.ok && { auth: r.auth, subject: r.subject }).toEqual({ auth: { keyId: 'oidc:alice', role: 'analyst', method: 'oidc' }, subject: 'alice' });
    expect(await reason(await idp.sign({ roles: ['soc-admins', 'soc-viewers'] }))).toBe('ok admin');
  });

  it('accepts ES256 and discovers the JWKS once', async () => {
    expect(await reason(await idp.sign({ roles: 'soc-viewers' }, { alg: 'ES256' }))).toBe('ok viewer');
    expect(idp.hits.discovery).toBe(1);
    expect(idp.hits.jwks).toBe(1);
  });

  it('rejects a wrong signature, issuer, audience, an unknown kid and alg none with 401', async () => {
    const roles = ['soc-admins'];
    expect(await reason(await idp.sign({ roles }, { key: idp.strangerKey }))).toBe('401 token signature invalid');
    expect(await reason(await idp.sign({ roles, iss: 'https://evil.example.org/realms/soc' }))).toBe('401 token issuer not accepted');
    expect(await reason(await idp.sign({ roles, aud: 'another-app' }))).toBe('401 token audience not accepted');
    expect(await reason(await idp.sign({ roles }, { kid: 'rotated-away' }))).toBe('401 no signing key of the identity provider matches the token');
    expect(await reason(unsignedToken({ sub: 'alice', aud: 'vigil', iss: idp.issuer, exp: now() + 300, roles }))).toBe('401 token algorithm not accepted');
  });

  it('rejects an HMAC token signed with a guessable secret', async () => {
    const token = await new SignJWT({ sub: 'alice', aud: 'vigil', iss: idp.issuer, roles: ['soc-admins'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'rs1' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await reason(token)).toBe('401 token algorithm not accepted');
  });

  it('applies the clock tolerance (60 s by default) to exp and nbf', async () => {
    const roles = ['soc-viewers'];
    expect(await reason(await idp.sign({ roles, exp: now() - 30 }))).toBe('ok viewer');
    expect(await reason(await idp.sign({ roles, exp: now() - 120 }))).toBe('401 token expired');
    expect(await reason(await idp.sign({ roles, nbf: now() + 30 }))).toBe('ok viewer');
    expect(await reason(await idp.sign({ roles, nbf: now() + 120 }))).toBe('401 token not yet valid');
  });

  it('answers 403 for a valid token whose claim maps to no role, naming the claim', async () => {
    const r = await verifier.verify(await idp.sign({ roles: ['nurses'] }));
    expect(r).toEqual({ ok: false, status: 403, reason: "no Vigil role is mapped from the token's roles claim", subject: 'alice' });
  });

  it('reads a dotted role claim and an explicit jwksUri', async () => {
    const v = createOidcVerifier(
      OidcConfigSchema.parse({
        issuer: idp.issuer,
        audience: 'vigil,other',
        jwksUri: `${idp.issuer}/protocol/openid-connect/certs`,
        roleClaim: 'realm_access.roles',
        roleMapping: JSON.stringify(MAPPING),
      }),
      { logger },
    );
    const before = idp.hits.discovery;
    expect(await reason(await idp.sign({ realm_access: { roles: ['soc-analysts'] } }), v)).toBe('ok analyst');
    expect(idp.hits.discovery).toBe(before);
  });

  it('answers 401 while the identity provider cannot be reached, and recovers', async () => {
    const v = createOidcVerifier(OidcConfigSchema.parse({ issuer: 'http://127.0.0.1:9/realms/none', audience: 'vigil' }), { logger });
    expect(await reason(await idp.sign({ roles: ['soc-admins'] }), v)).toBe('401 identity provider unavailable');
  });
});

describe('claim helpers', () => {
  it('tells JWTs from Vigil keys', () => {
    expect(looksLikeJwt('eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.')).toBe(true);
    expect(looksLikeJwt(`vgl_${'A'.repeat(43)}`)).toBe(false);
  });

  it('prefers a claim whose own name contains dots, and maps strings or lists', () => {
    expect(claimAt({ 'https://x.org/roles': ['a'], https: {} }, 'https://x.org/roles')).toEqual(['a']);
    expect(claimAt({ realm_access: { roles: ['b'] } }, 'realm_access.roles')).toEqual(['b']);
    expect(claimAt({ realm_access: ['b'] }, 'realm_access.roles')).toBeUndefined();
    expect(mapRole('soc-viewers', MAPPING)).toBe('viewer');
    expect(mapRole(['toString', 'constructor'], MAPPING)).toBeUndefined();
    expect(mapRole(42, MAPPING)).toBeUndefined();
  });
});

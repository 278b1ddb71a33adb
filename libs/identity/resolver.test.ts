import { describe, expect, it } from 'vitest';
import type { ApiEvent, Config, Principal } from '../contracts/index.js';
import { createTokenizer, textKey } from '../privacy/index.js';
import { apiKeyCacheKey, bearerCacheKey, createPrincipalResolver, isUserNamed } from './resolver.js';

const tokenizer = createTokenizer(Buffer.alloc(32, 1));
const identity: Config['identity'] = {
  userHeaders: ['x-authenticated-userid', 'x-user-id'],
  apiKeyHeaders: ['apikey', 'x-api-key'],
  userFields: ['user_id', 'remote_user'],
};
const resolveIdentity = createPrincipalResolver(identity, { tokenizer });
const resolve = (e: ApiEvent): Principal => resolveIdentity(e).principal;

function jwt(payload: Record<string, unknown>, opts: { pad?: boolean } = {}): string {
  const enc = (o: unknown): string => {
    const s = Buffer.from(JSON.stringify(o)).toString('base64url');
    return opts.pad === true ? s.padEnd(Math.ceil(s.length / 4) * 4, '=') : s;
  };
  return `${enc({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${enc(payload)}.c2lnbmF0dXJl`;
}

function ev(over: Partial<ApiEvent> = {}): ApiEvent {
  return { time: '2026-11-01T10:00:00Z', method: 'GET', path: '/fhir/Patient/1', status: 200, requestHeaders: {}, responseHeaders: {}, clientIp: '10.0.0.9', ...over };
}
const bearer = (token: string): Partial<ApiEvent> => ({ requestHeaders: { authorization: `Bearer ${token}` } });

describe('createPrincipalResolver: bearer JWTs', () => {
  it('names a SMART user token by sub, keeping the client as app and tokenizing patient and fhirUser', () => {
    const token = jwt({
      iss: 'https://idp.example.org',
      sub: 'alice',
      client_id: 'ehr-web',
      scope: 'openid fhirUser patient/*.read',
      patient: '123',
      fhirUser: 'https://ehr.example.org/fhir/Practitioner/9',
    });
    expect(resolve(ev(bearer(token)))).toEqual({
      id: 'user:alice',
      kind: 'user',
      app: 'ehr-web',
      issuer: 'https://idp.example.org',
      scopes: ['openid', 'fhirUser', 'patient/*.read'],
      patient: tokenizer.token('Patient', '123'),
      fhirUser: `Practitioner/${tokenizer.token('Practitioner', '9')}`,
      authScheme: 'bearer',
      credentialFingerprint: tokenizer.fingerprint(token),
    });
  });

  it('adds the roles of role claims to the scopes as role:<name> (a Keycloak token)', () => {
    const token = jwt({
      iss: 'https://sso.example.org/realms/acme',
      sub: 'u-42',
      azp: 'pc-web',
      scope: 'openid profile',
      realm_access: { roles: ['staff', 'clinic-admin'] },
      resource_access: { 'pc-web': { roles: ['billing'] } },
    });
    expect(resolve(ev(bearer(token)))).toEqual({
      id: 'user:u-42',
      kind: 'user',
      app: 'pc-web',
      issuer: 'https://sso.example.org/realms/acme',
      scopes: ['openid', 'profile', 'role:billing', 'role:clinic-admin', 'role:staff'],
      authScheme: 'bearer',
      credentialFingerprint: tokenizer.fingerprint(token),
    });
  });

  it('names a client-credentials token (sub equals client id) as the app, reading azp and an scp array', () => {
    const token = jwt({ iss: 'https://idp', sub: 'svc-batch', azp: 'svc-batch', scp: ['system/*.read'] });
    expect(resolve(ev(bearer(token)))).toEqual({
      id: 'app:svc-batch',
      kind: 'app',
      app: 'svc-batch',
      issuer: 'https://idp',
      scopes: ['system/*.read'],
      authScheme: 'bearer',
      credentialFingerprint: tokenizer.fingerprint(token),
    });
  });

  it('decodes padded payloads and relative fhirUser references, and prefers the JWT client over the consumer as app', () => {
    const token = jwt({ sub: 'bob', client_id: 'portal-app', fhirUser: 'Patient/123' }, { pad: true });
    const p = resolve(ev({ ...bearer(token), consumer: { username: 'portal' } }));
    expect(p.id).toBe('user:bob');
    expect(p.app).toBe('portal-app');
    expect(p.fhirUser).toBe(`Patient/${tokenizer.token('Patient', '123')}`);
  });

  it('takes the app from the Kong consumer when the JWT has only a sub', () => {
    const token = jwt({ sub: 'alice' });
    expect(resolve(ev({ ...bearer(token), consumer: { username: 'portal', id: 'c-1' } }))).toEqual({
      id: 'user:alice',
      kind: 'user',
      app: 'portal',
      scopes: [],
      authScheme: 'bearer',
      credentialFingerprint: tokenizer.fingerprint(token),
    });
  });

  it('fingerprints an opaque bearer token as key:<fingerprint> when nothing else names the caller', () => {
    const token = 'opaque-8f3a9c1d2e';
    expect(resolve(ev(bearer(token)))).toEqual({
      id: `key:${tokenizer.fingerprint(token)}`,
      kind: 'apikey',
      scopes: [],
      authScheme: 'bearer',
      credentialFingerprint: tokenizer.fingerprint(token),
    });
  });

  it('prefers a gateway user header over an opaque bearer token, keeping the token fingerprint', () => {
    const p = resolve(ev({ requestHeaders: { authorization: 'Bearer opaque-1', 'x-authenticated-userid': 'carol' } }));
    expect(p).toEqual({ id: 'user:carol', kind: 'user', scopes: [], authScheme: 'gateway', credentialFingerprint: tokenizer.fingerprint('opaque-1') });
  });

  it.each(['REDACTED', 'Bearer REDACTED', '[REDACTED]', '***'])('treats a redacted Authorization header (%s) as absent', (value) => {
    const p = resolve(ev({ requestHeaders: { authorization: value }, consumer: { username: 'portal' } }));
    expect(p).toEqual({ id: 'consumer:portal', kind: 'consumer', scopes: [], authScheme: 'gateway' });
  });

  it('never puts the raw token into the principal', () => {
    const token = jwt({ sub: 'alice', client_id: 'ehr-web', patient: '123' });
    const json = JSON.stringify(resolve(ev(bearer(token))));
    expect(json).not.toContain(token);
    expect(json).not.toContain(token.split('.')[1]);
    expect(json).not.toContain('"123"');
  });
});

describe('createPrincipalResolver: other identities, most specific first', () => {
  it('uses the first configured user header present, with the consumer as app', () => {
    const p = resolve(ev({ requestHeaders: { 'x-user-id': 'u-2', 'x-authenticated-userid': 'u-1' }, consumer: { customId: 'portal' } }));
    expect(p).toEqual({ id: 'user:u-1', kind: 'user', app: 'portal', scopes: [], authScheme: 'gateway' });
  });

  it('falls back to configured mirror fields, skipping the nginx "-" placeholder', () => {
    const p = resolve(ev({ fields: { user_id: '-', remote_user: 'dave' } }));
    expect(p).toEqual({ id: 'user:dave', kind: 'user', scopes: [], authScheme: 'gateway' });
  });

  it('keeps only the user name of Basic credentials', () => {
    const basic = Buffer.from('erin:s3cret-pw').toString('base64');
    const p = resolve(ev({ requestHeaders: { authorization: `Basic ${basic}` } }));
    expect(p).toEqual({ id: 'user:erin', kind: 'user', scopes: [], authScheme: 'basic' });
    expect(JSON.stringify(p)).not.toContain('s3cret');
  });

  it('fingerprints an API key header and names the consumer as app', () => {
    const p = resolve(ev({ requestHeaders: { 'x-api-key': 'pk_live_abc123' }, consumer: { username: 'partner' } }));
    expect(p).toEqual({
      id: `key:${tokenizer.fingerprint('pk_live_abc123')}`,
      kind: 'apikey',
      app: 'partner',
      scopes: [],
      authScheme: 'apikey',
      credentialFingerprint: tokenizer.fingerprint('pk_live_abc123'),
    });
  });

  it('finds an API key in the apikey or api_key query parameter', () => {
    expect(resolve(ev({ query: '_count=10&api_key=qk-1' })).id).toBe(`key:${tokenizer.fingerprint('qk-1')}`);
    expect(resolve(ev({ query: 'apikey=qk%2F2' })).id).toBe(`key:${tokenizer.fingerprint('qk/2')}`);
  });

  it('names the Kong consumer by username, else custom id, else id, else the authenticated entity', () => {
    expect(resolve(ev({ consumer: { id: 'c-9', customId: 'cust-9' } })).id).toBe('consumer:cust-9');
    expect(resolve(ev({ consumer: { id: 'c-9' } })).id).toBe('consumer:c-9');
    expect(resolve(ev({ authenticatedEntity: { id: 'cred-1', consumerId: 'c-7' } }))).toEqual({
      id: 'consumer:c-7',
      kind: 'consumer',
      scopes: [],
      authScheme: 'gateway',
    });
  });

  it('falls back to the client IP', () => {
    expect(resolve(ev())).toEqual({ id: 'ip:10.0.0.9', kind: 'ip', scopes: [], authScheme: 'none' });
  });
});

describe('createPrincipalResolver: repeated tokens', () => {
  it('resolves the same token identically on later events without sharing mutable scopes', () => {
    const token = jwt({ sub: 'alice', scope: 'a b' });
    const first = resolve(ev(bearer(token)));
    first.scopes.push('mutated');
    expect(resolve(ev(bearer(token)))).toEqual({ id: 'user:alice', kind: 'user', scopes: ['a', 'b'], authScheme: 'bearer', credentialFingerprint: tokenizer.fingerprint(token) });
  });

  it('keeps two tokens that share their cache key apart, however they alternate', () => {
    // Same length and 32-character tail, different subjects: one cache key, the whole token decides.
    const tail = '.'.padEnd(33, 'x');
    const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = enc({ alg: 'RS256' });
    const alice = `${head}.${enc({ sub: 'alice' })}${tail}`;
    const bob = `${head}.${enc({ sub: 'bobby' })}${tail}`;
    expect(bearerCacheKey(alice)).toBe(bearerCacheKey(bob));
    const fresh = createPrincipalResolver(identity, { tokenizer });
    const ids = [alice, bob, alice, alice, bob].map((t) => fresh(ev(bearer(t))).principal.id);
    expect(ids).toEqual(['user:alice', 'user:bobby', 'user:alice', 'user:alice', 'user:bobby']);
    expect(fresh(ev(bearer(bob))).principal.credentialFingerprint).toBe(tokenizer.fingerprint(bob));
  });
});

describe('createPrincipalResolver: repeated API keys', () => {
  // Two keys of one length whose cache keys are equal: the first pair a search over
  // `pk_${i.toString(36).padStart(8, '0')}` finds (at i = 2,242,198), checked below.
  const collidingKeys = (): [string, string] => ['pk_0000k65v', 'pk_0001c23a'];

  it('gives every event of a key its fingerprint, and keeps two keys that share a cache key apart however they alternate', () => {
    const [a, b] = collidingKeys();
    expect(a).not.toBe(b);
    expect(apiKeyCacheKey(a)).toBe(apiKeyCacheKey(b));
    const fresh = createPrincipalResolver(identity, { tokenizer });
    const key = (k: string) => fresh(ev({ requestHeaders: { 'x-api-key': k } })).principal;
    const seen = [a, b, a, a, b].map((k) => [key(k).id, key(k).credentialFingerprint]);
    const [fa, fb] = [tokenizer.fingerprint(a), tokenizer.fingerprint(b)];
    expect(fa).not.toBe(fb);
    expect(seen).toEqual([
      [`key:${fa}`, fa],
      [`key:${fb}`, fb],
      [`key:${fa}`, fa],
      [`key:${fa}`, fa],
      [`key:${fb}`, fb],
    ]);
  });

  it('takes the bearer token as the credential when a request sends an API key beside it', () => {
    const token = jwt({ sub: 'alice' });
    expect(resolve(ev({ requestHeaders: { authorization: `Bearer ${token}`, 'x-api-key': 'pk_live_123' } }))).toEqual({
      id: 'user:alice',
      kind: 'user',
      scopes: [],
      credentialFingerprint: tokenizer.fingerprint(token),
      authScheme: 'bearer',
    });
    expect(resolve(ev({ requestHeaders: { authorization: 'Bearer opaque-abcdef-123456', 'x-api-key': 'pk_live_123' } })).id).toBe(`key:${tokenizer.fingerprint('opaque-abcdef-123456')}`);
  });
});

describe('createPrincipalResolver: credential expiry', () => {
  it('gives the bearer JWT exp and iat in epoch ms beside the principal, which stays without them', () => {
    const token = jwt({ sub: 'alice', iat: 1_794_996_400, exp: 1_795_000_000 });
    expect(resolveIdentity(ev(bearer(token)))).toEqual({
      principal: { id: 'user:alice', kind: 'user', scopes: [], credentialFingerprint: tokenizer.fingerprint(token), authScheme: 'bearer' },
      credentialExpiresAt: 1_795_000_000_000,
      credentialIssuedAt: 1_794_996_400_000,
    });
  });

  it('keeps it for a JWT whose user a header names, and has none for opaque tokens, API keys or an exp that is not a number', () => {
    expect(resolveIdentity(ev({ requestHeaders: { authorization: `Bearer ${jwt({ iss: 'x', exp: 1_700_000_000 })}`, 'x-user-id': 'bob' } })).credentialExpiresAt).toBe(1_700_000_000_000);
    expect(resolveIdentity(ev(bearer('opaque-token-abcdef'))).credentialExpiresAt).toBeUndefined();
    expect(resolveIdentity(ev({ requestHeaders: { apikey: 'k-123456' } })).credentialExpiresAt).toBeUndefined();
    expect(resolveIdentity(ev(bearer(jwt({ sub: 'carol', exp: '1700000000' })))).credentialExpiresAt).toBeUndefined();
    expect(resolveIdentity(ev(bearer(jwt({ sub: 'dave' })))).credentialExpiresAt).toBeUndefined();
  });
});

describe('createPrincipalResolver: login sessions', () => {
  const iss = 'https://sso.example.org/realms/care';
  const fp = (sid: string, sub = 'alice') => tokenizer.fingerprint(`session\u0000${iss}\u0000${sub}\u0000${sid}`);

  it('gives every access token of one login session (sid, or Keycloak session_state) the same session fingerprint, and another session another', () => {
    const first = resolve(ev(bearer(jwt({ iss, sub: 'alice', sid: 's-1', jti: 'a', exp: 1_795_000_000 }))));
    const refreshed = resolve(ev(bearer(jwt({ iss, sub: 'alice', sid: 's-1', jti: 'b', exp: 1_795_000_300 }))));
    const laptop = resolve(ev(bearer(jwt({ iss, sub: 'alice', sid: 's-2', jti: 'c' }))));
    const keycloak = resolve(ev(bearer(jwt({ iss, sub: 'alice', session_state: 's-1' }))));
    expect([first.sessionFingerprint, refreshed.sessionFingerprint, laptop.sessionFingerprint, keycloak.sessionFingerprint]).toEqual([fp('s-1'), fp('s-1'), fp('s-2'), fp('s-1')]);
    expect(first.credentialFingerprint).not.toBe(refreshed.credentialFingerprint);
    // The same sid of another user (or issuer) is another session; the claim itself is never kept.
    expect(resolve(ev(bearer(jwt({ iss, sub: 'bob', sid: 's-1' })))).sessionFingerprint).toBe(fp('s-1', 'bob'));
    expect(JSON.stringify(first)).not.toContain('s-1');
  });

  it('has none without a session claim, for opaque tokens and API keys, or a sid that is neither a string nor a number', () => {
    expect(resolve(ev(bearer(jwt({ iss, sub: 'alice' })))).sessionFingerprint).toBeUndefined();
    expect(resolve(ev(bearer('opaque-token-abcdef'))).sessionFingerprint).toBeUndefined();
    expect(resolve(ev({ requestHeaders: { apikey: 'k-123456' } })).sessionFingerprint).toBeUndefined();
    expect(resolve(ev(bearer(jwt({ iss, sub: 'alice', sid: { id: 's-1' } })))).sessionFingerprint).toBeUndefined();
  });
});

describe('bearerCacheKey', () => {
  it('reads the length and the last 32 characters only', () => {
    const tail = 'b'.repeat(32);
    expect(bearerCacheKey(`${'a'.repeat(10)}${tail}`)).toBe(bearerCacheKey(`${'z'.repeat(10)}${tail}`));
    expect(bearerCacheKey(`${'a'.repeat(10)}${tail}`)).not.toBe(bearerCacheKey(`${'a'.repeat(11)}${tail}`));
    expect(bearerCacheKey(`${'a'.repeat(10)}${tail}`)).not.toBe(bearerCacheKey(`${'a'.repeat(10)}${'b'.repeat(31)}c`));
    expect(bearerCacheKey('short-token')).toBe(textKey('short-token', 0, 11));
  });
});

describe('isUserNamed', () => {
  it('is true exactly when the id is user: followed by the app name', () => {
    expect(isUserNamed('user:alice', 'alice')).toBe(true);
    expect(isUserNamed('user:alice', 'alic')).toBe(false);
    expect(isUserNamed('user:alice', 'lice')).toBe(false);
    expect(isUserNamed('app:alice', 'alice')).toBe(false);
    expect(isUserNamed('xuser:alice', 'alice')).toBe(false);
    expect(isUserNamed('user:', '')).toBe(true);
    expect(isUserNamed('ip:10.0.0.1', 'alice')).toBe(false);
  });
});

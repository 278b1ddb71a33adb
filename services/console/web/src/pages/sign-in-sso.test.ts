import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { beginSso, finishSso, randomToken, s256, SSO_STORAGE_KEY, ssoReturn, type SsoSettings } from './sign-in-sso.js';

/** A Storage over a Map (the browser's sessionStorage in the e2e test). */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  };
}

const sso: SsoSettings = {
  enabled: true,
  authorizationEndpoint: 'https://idp.example.org/auth?kc_idp_hint=soc',
  tokenEndpoint: 'https://idp.example.org/token',
  clientId: 'vigil-console',
  scope: 'openid profile',
  sessionToken: 'id_token',
};

describe('console SSO (PKCE)', () => {
  it('computes the S256 challenge as node:crypto does (base64url of SHA-256, no padding)', async () => {
    const verifier = 'dBjftJeZ4CVP-mJ92K1YL7oEh_Iq5tn0Q5Dfx2kNhXY';
    expect(await s256(verifier)).toBe(createHash('sha256').update(verifier).digest('base64url'));
    expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('builds the authorization URL and keeps only verifier and state', async () => {
    const storage = memoryStorage();
    const url = new URL(await beginSso(sso, 'https://vigil.example.org', storage));
    const kept = JSON.parse(storage.getItem(SSO_STORAGE_KEY) ?? '') as { verifier: string; state: string };
    expect(Object.keys(kept).sort()).toEqual(['state', 'verifier']);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      kc_idp_hint: 'soc',
      response_type: 'code',
      client_id: 'vigil-console',
      redirect_uri: 'https://vigil.example.org/console/',
      scope: 'openid profile',
      state: kept.state,
      code_challenge: await s256(kept.verifier),
      code_challenge_method: 'S256',
    });
  });

  it('refuses a wrong state without calling the token endpoint, and forgets the verifier', async () => {
    const storage = memoryStorage();
    await beginSso(sso, 'https://vigil.example.org', storage);
    const calls: string[] = [];
    const fetchSpy = ((url: string) => {
      calls.push(url);
      return Promise.reject(new Error('not called'));
    }) as unknown as typeof fetch;
    await expect(finishSso({ code: 'c', state: 'forged' }, sso, { origin: 'https://vigil.example.org', storage, fetch: fetchSpy })).rejects.toThrow(
      "the identity provider's answer does not match this tab's sign-in (state mismatch); start again",
    );
    expect([calls, storage.length]).toEqual([[], 0]);
  });

  it('reads the answer from the query string', () => {
    expect(ssoReturn('?code=abc&state=s1')).toEqual({ code: 'abc', state: 's1' });
    expect(ssoReturn('?error=access_denied&error_description=user+cancelled&state=s1')).toEqual({ state: 's1', error: 'user cancelled' });
    expect(ssoReturn('')).toBeUndefined();
  });
});

/**
 * "Sign in with SSO": OAuth 2.0 authorization code with PKCE (RFC 7636, S256) as a public client.
 * No client secret and no token ever in a URL: the IdP sends back only a one-time code, which is
 * worth nothing without the verifier kept in this tab's sessionStorage. That verifier and the state
 * are the only things stored, and they are removed as soon as the IdP's answer arrives.
 * No lit here, so the helpers run under vitest in Node.
 */

/** GET /v1/session/sso, when enabled. */
export interface SsoSettings {
  enabled: true;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  clientId: string;
  scope: string;
  sessionToken: 'id_token' | 'access_token';
}

export const SSO_STORAGE_KEY = 'vigil.sso.pkce';

export class SsoError extends Error {
  override name = 'SsoError';
}

const b64url = (bytes: Uint8Array): string => {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** 32 random bytes as base64url: a 43-character code_verifier (RFC 7636 4.1) or state. */
export function randomToken(bytes = 32): string {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** code_challenge = BASE64URL(SHA-256(code_verifier)) (RFC 7636 4.2, method S256). */
export async function s256(verifier: string): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** Where the IdP sends the browser back: the console's own root, without query or hash. */
export const redirectUri = (origin: string): string => `${origin}/console/`;

/** Starts a sign-in: stores verifier and state in this tab, returns the authorization URL to go to. */
export async function beginSso(sso: SsoSettings, origin: string, storage: Storage): Promise<string> {
  const verifier = randomToken();
  const state = randomToken(16);
  storage.setItem(SSO_STORAGE_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(sso.authorizationEndpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', sso.clientId);
  url.searchParams.set('redirect_uri', redirectUri(origin));
  url.searchParams.set('scope', sso.scope);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', await s256(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  return url.href;
}

/** The IdP's answer in the page URL (?code&state or ?error&state); undefined when there is none. */
export function ssoReturn(search: string): { code?: string; state: string; error?: string } | undefined {
  const q = new URLSearchParams(search);
  const code = q.get('code');
  const error = q.get('error');
  if (code === null && error === null) return undefined;
  const err = error === null ? undefined : (q.get('error_description') ?? error);
  return { ...(code === null ? {} : { code }), state: q.get('state') ?? '', ...(err === undefined ? {} : { error: err }) };
}

/**
 * Finishes a sign-in: checks state against the stored one (removing it either way), redeems the code
 * at the token endpoint with the verifier and returns the token POST /v1/session expects.
 */
export async function finishSso(
  answer: { code?: string; state: string; error?: string },
  sso: SsoSettings,
  deps: { origin: string; storage: Storage; fetch: typeof fetch },
): Promise<string> {
  const raw = deps.storage.getItem(SSO_STORAGE_KEY);
  deps.storage.removeItem(SSO_STORAGE_KEY);
  const kept = raw === null ? undefined : (JSON.parse(raw) as { verifier?: unknown; state?: unknown });
  if (typeof kept?.verifier !== 'string' || typeof kept.state !== 'string') {
    throw new SsoError('this browser tab did not start an SSO sign-in (or already finished it); start again with "Sign in with SSO"');
  }
  // The state ties the answer to the request this tab made: anything else may be a forged login.
  if (answer.state !== kept.state) throw new SsoError('the identity provider\'s answer does not match this tab\'s sign-in (state mismatch); start again');
  if (answer.error !== undefined) throw new SsoError(`the identity provider refused: ${answer.error}`);
  if (answer.code === undefined) throw new SsoError('the identity provider sent no authorization code');
  const res = await deps.fetch(sso.tokenEndpoint, {
    method: 'POST',
    credentials: 'omit',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: answer.code, redirect_uri: redirectUri(deps.origin), client_id: sso.clientId, code_verifier: kept.verifier }),
  });
  const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!res.ok) {
    const why = typeof json?.error_description === 'string' ? json.error_description : typeof json?.error === 'string' ? json.error : `HTTP ${res.status}`;
    throw new SsoError(`the identity provider did not issue a token: ${why}`);
  }
  const token = json?.[sso.sessionToken];
  if (typeof token !== 'string' || token === '') throw new SsoError(`the identity provider's answer has no ${sso.sessionToken}`);
  return token;
}

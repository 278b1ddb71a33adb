import type { ApiEvent, TokenGrant } from '../contracts/index.js';
import type { Tokenizer } from '../privacy/index.js';

/** Token responses are small; a larger body is not one (and is not parsed). */
const MAX_GRANT_BODY = 16 * 1024;

/**
 * A mirrored OAuth 2.0 token response that ties an access token to one patient (SMART App Launch:
 * the token endpoint answers `{"access_token", "patient", "scope", ...}`), as a binding the BOLA
 * patient-context detector can use for opaque tokens, which carry no claims of their own.
 * Returns the token's principal id (`key:<fingerprint>`, as libs/identity names an opaque bearer
 * token), the tokenized patient and the granted scopes; never the token itself.
 * NOTE: recognised by shape, not by path: token endpoints live at many paths (/token,
 * /oauth2/token, /auth/realms/x/protocol/openid-connect/token).
 */
export function readTokenGrant(ev: Pick<ApiEvent, 'method' | 'status' | 'responseBody'>, tokenizer: Pick<Tokenizer, 'token' | 'fingerprint'>): TokenGrant | undefined {
  const body = ev.responseBody;
  if (body === undefined || ev.status !== 200 || ev.method.toUpperCase() !== 'POST') return undefined;
  if (body.length > MAX_GRANT_BODY || !body.includes('"access_token"') || !body.includes('"patient"')) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const { access_token: token, patient, scope } = doc as Record<string, unknown>;
  if (typeof token !== 'string' || token === '' || typeof patient !== 'string' || patient === '') return undefined;
  return {
    principal: `key:${tokenizer.fingerprint(token)}`,
    patient: tokenizer.token('Patient', patient),
    scopes: typeof scope === 'string' ? scope.split(/\s+/).filter(Boolean) : [],
  };
}

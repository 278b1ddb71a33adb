import type { ApiEvent, Config, Principal } from '../contracts/index.js';
import { createBoundedCache } from '../cache/index.js';
import type { Tokenizer } from '../privacy/index.js';
import { jwtIdentity, type JwtIdentity } from './claims.js';
import { findApiKey, identityValue, parseAuthorization } from './credentials.js';
import { decodeJwtPayload } from './jwt.js';

export type PrincipalResolver = (ev: ApiEvent) => Principal;

/**
 * Names who made a request, preferring the most specific identity, because BOLA is judged per
 * user: user identities first, then credentials, then the gateway's app, then the client IP.
 *
 *  1. Bearer JWT: `user:<sub>` (sub present and not the client id), else `app:<client_id>`.
 *  2. Configured user headers, then user fields: `user:<value>` (scheme `gateway`).
 *  3. Basic auth: `user:<username>`.
 *  4. Bearer token without identity claims (opaque): `key:<fingerprint>`.
 *  5. API key header or `apikey`/`api_key` query parameter: `key:<fingerprint>`.
 *  6. Kong consumer (username, custom_id, id), else authenticated entity: `consumer:<name>`.
 *  7. `ip:<client ip>`.
 *
 * NOTE: an opaque bearer token ranks below user headers (unlike a JWT) because proxies such as
 * oauth2-proxy forward the token and set the user header: the header names the user, while a
 * fingerprint names one token, which changes on every refresh.
 * The gateway consumer becomes `app` when a more specific identity was found, so the user and the
 * application stay apart (JWT sub alice via consumer "portal": id user:alice, app portal).
 * Raw credentials never leave this function: only their keyed fingerprints do.
 */
export function createPrincipalResolver(cfg: Config['identity'], deps: { tokenizer: Tokenizer }): PrincipalResolver {
  const { tokenizer } = deps;
  const userHeaders = cfg.userHeaders.map((h) => h.toLowerCase());
  const apiKeyHeaders = cfg.apiKeyHeaders.map((h) => h.toLowerCase());
  const userFields = cfg.userFields;

  /**
   * A session sends the same bearer token on every request; decoding it and computing its keyed
   * fingerprint cost ~7 µs. NOTE: keyed by the token itself: it stays in process memory (like the
   * raw ids in the tokenizer's memo), is never stored, logged or sent, and hashing it first to
   * avoid that cost ~2 µs per event, a tenth of the whole normalization.
   */
  const bearerCache = createBoundedCache<BearerInfo>(4096);
  function bearerInfo(token: string): BearerInfo {
    const hit = bearerCache.get(token);
    if (hit !== undefined) return hit;
    const claims = decodeJwtPayload(token);
    const info: BearerInfo = { fingerprint: tokenizer.fingerprint(token), jwt: claims === undefined ? undefined : jwtIdentity(claims, tokenizer) };
    bearerCache.set(token, info);
    return info;
  }

  return function resolvePrincipal(ev: ApiEvent): Principal {
    const headers = ev.requestHeaders;
    const auth = parseAuthorization(headers.authorization);
    const bearer = auth?.scheme === 'bearer' ? bearerInfo(auth.token) : undefined;
    const bearerFp = bearer?.fingerprint;
    const jwt = bearer?.jwt;
    const apiKey = findApiKey(headers, apiKeyHeaders, ev.query);
    const apiKeyFp = apiKey === undefined ? undefined : tokenizer.fingerprint(apiKey);
    const gatewayApp = gatewayAppOf(ev);

    const base = baseOf(jwt, bearerFp ?? apiKeyFp);
    const make = (id: string, kind: Principal['kind'], authScheme: Principal['authScheme'], app: string | undefined): Principal => {
      const p: Principal = { id, kind, ...base, authScheme };
      // An app named like the user (Kong basic-auth consumer "alice" for user alice) adds nothing.
      if (app !== undefined && id !== `user:${app}`) p.app = app;
      return p;
    };

    if (jwt?.sub !== undefined && jwt.sub !== jwt.clientId) return make(`user:${jwt.sub}`, 'user', 'bearer', jwt.clientId ?? gatewayApp);
    if (jwt?.clientId !== undefined) return make(`app:${jwt.clientId}`, 'app', 'bearer', jwt.clientId);

    const user = firstUser(headers, userHeaders, ev.fields, userFields);
    if (user !== undefined) return make(`user:${user}`, 'user', 'gateway', gatewayApp);
    if (auth?.scheme === 'basic') return make(`user:${auth.username}`, 'user', 'basic', gatewayApp);
    if (bearerFp !== undefined) return make(`key:${bearerFp}`, 'apikey', 'bearer', gatewayApp);
    if (apiKeyFp !== undefined) return make(`key:${apiKeyFp}`, 'apikey', 'apikey', gatewayApp);
    if (gatewayApp !== undefined) return make(`consumer:${gatewayApp}`, 'consumer', 'gateway', undefined);
    return make(`ip:${ev.clientIp}`, 'ip', 'none', undefined);
  };
}

interface BearerInfo {
  fingerprint: string;
  /** Undefined for opaque tokens. Shared between events: never mutate. */
  jwt: JwtIdentity | undefined;
}

function baseOf(jwt: JwtIdentity | undefined, credentialFingerprint: string | undefined): Omit<Principal, 'id' | 'kind' | 'authScheme'> {
  // Copied: JwtIdentity is cached and shared between events.
  const base: Omit<Principal, 'id' | 'kind' | 'authScheme'> = { scopes: jwt === undefined ? [] : [...jwt.scopes] };
  if (jwt?.issuer !== undefined) base.issuer = jwt.issuer;
  if (jwt?.patient !== undefined) base.patient = jwt.patient;
  if (jwt?.fhirUser !== undefined) base.fhirUser = jwt.fhirUser;
  if (credentialFingerprint !== undefined) base.credentialFingerprint = credentialFingerprint;
  return base;
}

/** Kong consumer by its most readable name, else the consumer behind the authenticated entity. */
function gatewayAppOf(ev: ApiEvent): string | undefined {
  const c = ev.consumer;
  const name = identityValue(c?.username) ?? identityValue(c?.customId) ?? identityValue(c?.id);
  if (name !== undefined) return name;
  const e = ev.authenticatedEntity;
  return identityValue(e?.consumerId) ?? identityValue(e?.id);
}

function firstUser(
  headers: Readonly<Record<string, string>>,
  headerNames: readonly string[],
  fields: Readonly<Record<string, string>> | undefined,
  fieldNames: readonly string[],
): string | undefined {
  for (const name of headerNames) {
    const v = identityValue(headers[name]);
    if (v !== undefined) return v;
  }
  if (fields === undefined) return undefined;
  for (const name of fieldNames) {
    const v = identityValue(fields[name]);
    if (v !== undefined) return v;
  }
  return undefined;
}

import type { ApiEvent, Config, Principal } from '../contracts/index.js';
import { createBoundedCache } from '../cache/index.js';
import { textKey, type Tokenizer } from '../privacy/index.js';
import { jwtIdentity, type JwtIdentity } from './claims.js';
import { findApiKey, identityValue, parseAuthorization } from './credentials.js';
import { decodeJwtPayload } from './jwt.js';

/** Who made a request, and what the credential itself says beyond naming them. */
export interface Identity {
  principal: Principal;
  /**
   * Epoch ms at which the bearer JWT expires (`exp`), when it has one. In memory only: the
   * principal is stored, and an expiry would split one principal's rows by token.
   */
  credentialExpiresAt?: number;
  /** Epoch ms at which it was issued (`iat`), when it says. In memory only, like the expiry. */
  credentialIssuedAt?: number;
}

export type PrincipalResolver = (ev: ApiEvent) => Identity;

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
/**
 * Bearer tokens remembered. It must hold every session active at once: the two generations keep
 * between half and all of it, so 4,096 thrashed at 3,000 concurrently active users (12 % of
 * events missed, each miss a decode and an HMAC). At ~1 KB per JWT, 16,384 costs up to ~16 MB.
 */
const BEARER_CACHE_SIZE = 16_384;
/** API keys remembered: one per partner system or service account, far fewer than sessions. */
const API_KEY_CACHE_SIZE = 4_096;

export function createPrincipalResolver(cfg: Config['identity'], deps: { tokenizer: Tokenizer }): PrincipalResolver {
  const { tokenizer } = deps;
  const userHeaders = cfg.userHeaders.map((h) => h.toLowerCase());
  const apiKeyHeaders = cfg.apiKeyHeaders.map((h) => h.toLowerCase());
  const userFields = cfg.userFields;

  /**
   * A session sends the same bearer token on every request; decoding it and computing its keyed
   * fingerprint cost ~7 µs. NOTE: the token stays in process memory (like the raw ids in the
   * tokenizer's memo), is never stored, logged or sent.
   * Keyed by a number for the token's length and last characters (bearerCacheKey), not the token:
   * every event brings a fresh copy of it, and hashing all of it for the Map cost ~0.7 µs per
   * event. A hit counts only when the whole token is equal, so tokens that share a key (by chance
   * or crafted) never share an identity: the newer one replaces the entry.
   */
  const bearerCache = createBoundedCache<BearerInfo, number>(BEARER_CACHE_SIZE);
  function bearerInfo(token: string): BearerInfo {
    const key = bearerCacheKey(token);
    const hit = bearerCache.get(key);
    if (hit !== undefined && hit.token === token) return hit;
    const claims = decodeJwtPayload(token);
    const jwt = claims === undefined ? undefined : jwtIdentity(claims, tokenizer);
    const fingerprint = tokenizer.fingerprint(token);
    const info: BearerInfo = { token, fingerprint, keyId: `key:${fingerprint}`, jwt, jwtId: jwt === undefined ? undefined : jwtPrincipalId(jwt) };
    bearerCache.set(key, info);
    return info;
  }

  /**
   * API keys remembered, for the same reason as bearer tokens: a partner system sends its key on
   * every request, and its keyed fingerprint (an HMAC, ~1.3 µs) was computed for every event.
   * Keyed like the bearer cache (a number for the text; a hit only when the whole key is equal).
   */
  const apiKeyCache = createBoundedCache<ApiKeyInfo, number>(API_KEY_CACHE_SIZE);
  function apiKeyInfo(key: string): ApiKeyInfo {
    const k = apiKeyCacheKey(key);
    const hit = apiKeyCache.get(k);
    if (hit !== undefined && hit.key === key) return hit;
    const fingerprint = tokenizer.fingerprint(key);
    const info: ApiKeyInfo = { key, fingerprint, id: `key:${fingerprint}` };
    apiKeyCache.set(k, info);
    return info;
  }

  return function resolveIdentity(ev: ApiEvent): Identity {
    const auth = parseAuthorization(ev.requestHeaders.authorization);
    const bearer = auth?.scheme === 'bearer' ? bearerInfo(auth.token) : undefined;
    const principal = resolvePrincipal(ev, auth, bearer);
    // The expiry belongs to the credential that named the principal: a JWT behind a user header
    // (oauth2-proxy) still is that user's credential, so it counts whenever a bearer JWT was sent.
    const jwt = bearer?.jwt;
    if (jwt?.expiresAt === undefined) return { principal };
    return jwt.issuedAt === undefined ? { principal, credentialExpiresAt: jwt.expiresAt } : { principal, credentialExpiresAt: jwt.expiresAt, credentialIssuedAt: jwt.issuedAt };
  };

  function resolvePrincipal(ev: ApiEvent, auth: ReturnType<typeof parseAuthorization>, bearer: BearerInfo | undefined): Principal {
    const headers = ev.requestHeaders;
    const bearerFp = bearer?.fingerprint;
    const jwt = bearer?.jwt;
    const jwtId = bearer?.jwtId;
    // NOTE: a bearer token is the credential whenever one was sent (cfp below), so an API key
    // beside it is neither looked for nor fingerprinted.
    const rawKey = bearerFp === undefined ? findApiKey(headers, apiKeyHeaders, ev.query) : undefined;
    const apiKey = rawKey === undefined ? undefined : apiKeyInfo(rawKey);
    const apiKeyFp = apiKey?.fingerprint;
    const gatewayApp = gatewayAppOf(ev);
    const cfp = bearerFp ?? apiKeyFp;
    // principalOf is called directly rather than through a closure over jwt and cfp: one
    // allocation less per event.
    if (jwt !== undefined && jwtId !== undefined) {
      return jwtId.kind === 'user' ? principalOf(jwtId.id, 'user', jwt, cfp, 'bearer', jwt.clientId ?? gatewayApp) : principalOf(jwtId.id, 'app', jwt, cfp, 'bearer', jwt.clientId);
    }

    const user = firstUser(headers, userHeaders, ev.fields, userFields);
    if (user !== undefined) return principalOf(`user:${user}`, 'user', jwt, cfp, 'gateway', gatewayApp);
    if (auth?.scheme === 'basic') return principalOf(`user:${auth.username}`, 'user', jwt, cfp, 'basic', gatewayApp);
    if (bearer !== undefined) return principalOf(bearer.keyId, 'apikey', jwt, cfp, 'bearer', gatewayApp);
    if (apiKey !== undefined) return principalOf(apiKey.id, 'apikey', jwt, cfp, 'apikey', gatewayApp);
    if (gatewayApp !== undefined) return principalOf(`consumer:${gatewayApp}`, 'consumer', jwt, cfp, 'gateway', undefined);
    return principalOf(`ip:${ev.clientIp}`, 'ip', jwt, cfp, 'none', undefined);
  }
}

/** The tail of a JWT is its signature and of an opaque token random: distinct between tokens in practice. */
const BEARER_KEY_CHARS = 32;

export function bearerCacheKey(token: string): number {
  return textKey(token, Math.max(0, token.length - BEARER_KEY_CHARS), token.length);
}

/** Any text: an API key is short, so all of it makes the key (the length as the seed, like bearerCacheKey). */
export function apiKeyCacheKey(key: string): number {
  return textKey(key, 0, key.length);
}

interface ApiKeyInfo {
  /** The whole key, compared on every hit. */
  key: string;
  fingerprint: string;
  /** `key:<fingerprint>`, one string for every event of the key (see BearerInfo.jwtId). */
  id: string;
}

interface BearerInfo {
  /** The whole token, compared on every hit: the cache key is only its tail. */
  token: string;
  fingerprint: string;
  /** `key:<fingerprint>`: the principal of an opaque token no user header names. */
  keyId: string;
  /** Undefined for opaque tokens. Shared between events: never mutate. */
  jwt: JwtIdentity | undefined;
  /**
   * The principal the JWT names by itself, built once per token. NOTE: every event of the session
   * then carries the very same id string, so the detectors' ~15 lookups by principal per event
   * find their key by identity instead of hashing a fresh copy and comparing it character by
   * character (~1 µs per event in memory, docs/performance.md, eleventh pass).
   */
  jwtId: { id: string; kind: 'user' | 'app' } | undefined;
}

/** `user:<sub>` unless the subject is the client itself, else `app:<client_id>`; undefined: neither claim. */
function jwtPrincipalId(jwt: JwtIdentity): BearerInfo['jwtId'] {
  if (jwt.sub !== undefined && jwt.sub !== jwt.clientId) return { id: `user:${jwt.sub}`, kind: 'user' };
  if (jwt.clientId !== undefined) return { id: `app:${jwt.clientId}`, kind: 'app' };
  return undefined;
}

/**
 * NOTE: keys are added in one fixed order (id, kind, scopes, issuer, patient, fhirUser,
 * credentialFingerprint, sessionFingerprint, authScheme, app): the principal is stored and hashed as JSON.
 */
function principalOf(
  id: string,
  kind: Principal['kind'],
  jwt: JwtIdentity | undefined,
  credentialFingerprint: string | undefined,
  authScheme: Principal['authScheme'],
  app: string | undefined,
): Principal {
  // Scopes copied: JwtIdentity is cached and shared between events. The cast: authScheme is set
  // below, after the optional keys, to keep the order.
  const p = { id, kind, scopes: jwt === undefined ? [] : [...jwt.scopes] } as Principal;
  if (jwt?.issuer !== undefined) p.issuer = jwt.issuer;
  if (jwt?.patient !== undefined) p.patient = jwt.patient;
  if (jwt?.fhirUser !== undefined) p.fhirUser = jwt.fhirUser;
  if (credentialFingerprint !== undefined) p.credentialFingerprint = credentialFingerprint;
  if (jwt?.sessionFingerprint !== undefined) p.sessionFingerprint = jwt.sessionFingerprint;
  p.authScheme = authScheme;
  // An app named like the user (Kong basic-auth consumer "alice" for user alice) adds nothing.
  if (app !== undefined && !isUserNamed(id, app)) p.app = app;
  return p;
}

/** id === `user:${app}`, without building that string for every event. */
export function isUserNamed(id: string, app: string): boolean {
  return id.length === app.length + 5 && id.startsWith('user:') && id.endsWith(app);
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

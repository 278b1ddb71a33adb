import { createHash } from 'node:crypto';
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose';
import { createOutboundFetch, type OutboundFetch } from '../outbound/index.js';
import { ROLE_RANK, type OidcConfig, type Role } from '../contracts/index.js';
import type { Logger } from '../log/index.js';
import type { Authenticated } from './keys.js';

/** Compact JWS: three base64url parts (the signature is empty for alg "none", which we still reject). */
const JWT_SHAPE = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;
/** The IdP's discovery document and JWKS must answer within this long. */
const FETCH_TIMEOUT_MS = 5_000;
/** A JWKS refetch for an unknown kid happens at most this often (jose's cooldown). */
const JWKS_COOLDOWN_MS = 30_000;
/** Keys are refetched at least this often, so a revoked signing key stops working. */
const JWKS_MAX_AGE_MS = 10 * 60_000;

export type OidcCheck =
  | { ok: true; auth: Authenticated; subject: string; tokenId: string; expiresAt: number }
  | { ok: false; status: 401 | 403; reason: string; subject?: string };

export interface OidcVerifier {
  verify(token: string): Promise<OidcCheck>;
}

/** A bearer value shaped like a JWT (API keys start with vgl_ and have no dots). */
export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token);
}

/** `realm_access.roles` -> payload.realm_access.roles; a claim whose own name has dots wins. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (path in payload) return payload[path];
  let node: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The highest role any claim value maps to; undefined when none maps. */
export function mapRole(claim: unknown, mapping: Record<string, Role>): Role | undefined {
  const values = Array.isArray(claim) ? claim : [claim];
  let best: Role | undefined;
  for (const v of values) {
    if (typeof v !== 'string' || !Object.hasOwn(mapping, v)) continue;
    const role = mapping[v] as Role;
    if (best === undefined || ROLE_RANK[role] > ROLE_RANK[best]) best = role;
  }
  return best;
}

/** What a client may be told about a rejected token: which check failed, never the token. */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'token issuer not accepted';
    if (err.claim === 'aud') return 'token audience not accepted';
    if (err.claim === 'nbf') return 'token not yet valid';
    return `token claim ${err.claim} invalid`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no signing key of the identity provider matches the token';
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'token algorithm not accepted';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return 'identity provider keys unavailable';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'token malformed';
  return 'token rejected';
}

/**
 * Verifies SSO bearer tokens: signature against the issuer's JWKS (jose's remote set: cached,
 * refetched on an unknown kid at most every 30 s), iss, aud, exp and nbf with the configured clock
 * tolerance, and the role claim mapped through `roleMapping`.
 * The discovery document and the JWKS are fetched through libs/outbound like every outbound call
 * (timeouts, TLS verification, redirects never followed). Private addresses are allowed: the IdP is
 * an admin-configured URL, usually inside the hospital's network.
 */
export function createOidcVerifier(cfg: OidcConfig, deps: { logger: Logger; fetch?: OutboundFetch }): OidcVerifier {
  const doFetch = deps.fetch ?? createOutboundFetch({ timeoutMs: FETCH_TIMEOUT_MS, allowPrivateNetwork: true, maxResponseBytes: 1024 * 1024 });
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  async function discover(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    let uri = cfg.jwksUri;
    if (uri === undefined) {
      const url = `${cfg.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const res = await doFetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      const doc = (await res.json().catch(() => undefined)) as { issuer?: unknown; jwks_uri?: unknown } | undefined;
      if (!res.ok || typeof doc?.jwks_uri !== 'string') throw new Error(`OIDC discovery at ${url} answered ${res.status} without a jwks_uri`);
      // OpenID Connect Discovery 1.0 section 4.3: the document must name the issuer we asked.
      if (doc.issuer !== cfg.issuer) throw new Error(`OIDC discovery at ${url} names issuer ${String(doc.issuer)}, not ${cfg.issuer}`);
      uri = doc.jwks_uri;
    }
    return createRemoteJWKSet(new URL(uri), { timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: JWKS_MAX_AGE_MS, [customFetch]: doFetch });
  }

  async function keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    jwks ??= discover();
    try {
      return await jwks;
    } catch (err) {
      // Not cached: the next request retries discovery (the IdP may have been briefly down).
      jwks = undefined;
      throw err;
    }
  }

  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        const set = await keySet();
        ({ payload } = await jwtVerify(token, set, {
          issuer: cfg.issuer,
          audience: cfg.audience,
          algorithms: cfg.algorithms,
          clockTolerance: cfg.clockToleranceSeconds,
        }));
      } catch (err) {
        const reason = reasonOf(err);
        if (reason === 'token rejected' || reason === 'identity provider keys unavailable') {
          deps.logger.warn({ err }, 'oidc_verification_error');
        }
        return { ok: false, status: 401, reason: reason === 'token rejected' && !(err instanceof errors.JOSEError) ? 'identity provider unavailable' : reason };
      }
      const subject = payload.sub;
      if (typeof subject !== 'string' || subject === '') return { ok: false, status: 401, reason: 'token has no subject' };
      const role = mapRole(claimAt(payload, cfg.roleClaim), cfg.roleMapping);
      if (role === undefined) {
        return { ok: false, status: 403, reason: `no Vigil role is mapped from the token's ${cfg.roleClaim} claim`, subject };
      }
      return {
        ok: true,
        auth: { keyId: `oidc:${subject}`, role, method: 'oidc' },
        subject,
        tokenId: createHash('sha256').update(token).digest('hex').slice(0, 32),
        expiresAt: (payload.exp ?? 0) * 1000,
      };
    },
  };
}

import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { createBoundedCache, type BoundedCache } from '../../libs/cache/index.js';
import { makeFinding } from '../credential-stuffing/finding.js';
import { describeDuration } from '../duration.js';
import { served } from '../framework.js';

/**
 * Bearer JWTs an API still answers long after their `exp`. An API that does not enforce `exp` lets
 * its clients overrun it: a session keeps its token until the next refresh, minutes to about one
 * token lifetime late. A token served more than a whole lifetime (`exp - iat`) after it expired was
 * not kept by a working session; it was kept somewhere (a log, a device backup, a proxy) and
 * replayed, which is how stolen tokens come back.
 */
export interface ExpiryState {
  /**
   * Route keys (`METHOD service route`) seen answering 2xx to a request without credentials:
   * public, so a stale token sent along to them proves nothing. Learned from traffic (a memo:
   * not saved; a restart relearns it from the next anonymous call).
   */
  publicRoutes: BoundedCache<true>;
  /** Tokens (credential fingerprint, else principal id) already reported: one finding per token. */
  reported: BoundedCache<true>;
}

const ROUTE_CAP = 20_000;
const TOKEN_CAP = 50_000;

export function newExpiryState(): ExpiryState {
  return { publicRoutes: createBoundedCache<true>(ROUTE_CAP), reported: createBoundedCache<true>(TOKEN_CAP) };
}

export interface ExpiryConfig {
  expiredGraceSeconds: number;
  assumedTokenLifetimeSeconds: number;
}

/** The token's own lifetime when it says (`exp - iat`), else the assumed one. */
function lifetimeMs(event: NormalizedEvent, expiresAt: number, cfg: ExpiryConfig): number {
  const issuedAt = event.credentialIssuedAt;
  return issuedAt !== undefined && issuedAt < expiresAt ? expiresAt - issuedAt : cfg.assumedTokenLifetimeSeconds * 1000;
}

export function checkExpiry(detector: { name: string; owasp: string }, event: NormalizedEvent, state: ExpiryState, cfg: ExpiryConfig): Finding | undefined {
  if (!served(event.status)) return undefined;
  // NOTE: the route key is built only for anonymous requests and expired tokens, not for every event.
  if (event.principal.authScheme === 'none') {
    const routeKey = routeKeyOf(event);
    if (state.publicRoutes.get(routeKey) === undefined) state.publicRoutes.set(routeKey, true);
    return undefined;
  }
  const expiresAt = event.credentialExpiresAt;
  if (expiresAt === undefined || event.ts <= expiresAt) return undefined;
  // The grace absorbs clock differences between the issuer, the gateway and Vigil.
  const lifetime = lifetimeMs(event, expiresAt, cfg);
  const allowedMs = Math.max(cfg.expiredGraceSeconds * 1000, lifetime);
  if (event.ts <= expiresAt + allowedMs) return undefined;
  if (state.publicRoutes.get(routeKeyOf(event)) !== undefined) return undefined;
  const token = event.principal.credentialFingerprint ?? event.principal.id;
  if (state.reported.get(token) !== undefined) return undefined;
  state.reported.set(token, true);
  const expiredSeconds = Math.round((event.ts - expiresAt) / 1000);
  return makeFinding(detector.name, detector.owasp, event, {
    severity: 'high',
    summary: `${event.principal.id} was served ${event.method} ${event.route} (${event.status}) with a bearer token that had expired ${describeDuration(expiredSeconds)} earlier, more than its lifetime of ${describeDuration(Math.round(lifetime / 1000))}`,
    evidence: {
      pattern: 'expired_token_accepted',
      confidence: 0.9,
      scope: 'token',
      ...(event.principal.credentialFingerprint === undefined ? {} : { credentialFingerprint: event.principal.credentialFingerprint }),
      expiredAt: new Date(expiresAt).toISOString(),
      expiredSeconds,
      allowedSeconds: Math.round(allowedMs / 1000),
      lifetimeSeconds: Math.round(lifetime / 1000),
      lifetimeFrom: event.credentialIssuedAt !== undefined && event.credentialIssuedAt < expiresAt ? 'iat' : 'assumed',
      status: event.status,
    },
  });
}

function routeKeyOf(event: NormalizedEvent): string {
  return `${event.method} ${event.service} ${event.route}`;
}

import type { OidcConfig } from '../contracts/index.js';
import type { Logger } from '../log/index.js';
import { createOutboundFetch, type OutboundFetch } from '../outbound/index.js';

/** The IdP's discovery document must answer within this long. */
const FETCH_TIMEOUT_MS = 5_000;

/** What the console needs for "Sign in with SSO" (authorization code + PKCE, public client). */
export type ConsoleSso =
  | { enabled: false }
  | {
      enabled: true;
      authorizationEndpoint: string;
      tokenEndpoint: string;
      clientId: string;
      scope: string;
      /** Which token of the IdP's answer goes to POST /v1/session: the one whose `aud` Vigil accepts. */
      sessionToken: 'id_token' | 'access_token';
    };

export interface ConsoleSsoProvider {
  /** Settings for the sign-in page; endpoints from the issuer's discovery document (cached, refetched after a failure). */
  describe: () => Promise<ConsoleSso>;
  /**
   * Origins the console page must be allowed to connect to (CSP connect-src): the token endpoint's,
   * once discovery has answered. Synchronous for the header middleware; a call before that starts discovery.
   */
  connectOrigins: () => string[];
}

/** https, or http on loopback only (a local IdP in development and tests). */
function endpoint(v: unknown, name: string, issuer: string): string {
  const u = typeof v === 'string' && URL.canParse(v) ? new URL(v) : undefined;
  if (u === undefined || !(u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)))) {
    throw new Error(`OIDC discovery of ${issuer} names no usable ${name} (an https URL)`);
  }
  return u.href;
}

/**
 * Console single sign-on (OAuth 2.0 authorization code with PKCE, RFC 7636): tells the sign-in page
 * where to send the browser. Vigil never sees the code or the IdP's tokens except the one token the
 * browser hands to POST /v1/session, which libs/auth/oidc.ts verifies as any bearer JWT.
 * NOTE: the discovery document is fetched here as libs/auth/oidc.ts fetches it (same URL, issuer
 * check, timeout, no redirects), separately, so that JWKS lookups and the sign-in page do not wait
 * on each other; both cache it.
 */
export function createConsoleSso(cfg: OidcConfig, deps: { logger: Logger; fetch?: OutboundFetch }): ConsoleSsoProvider {
  // Through libs/outbound like every outbound call; the IdP is admin-configured, often private.
  const doFetch = deps.fetch ?? createOutboundFetch({ timeoutMs: FETCH_TIMEOUT_MS, allowPrivateNetwork: true, maxResponseBytes: 1024 * 1024 });
  let described: Promise<ConsoleSso> | undefined;
  let tokenOrigin: string | undefined;

  async function discover(clientId: string): Promise<ConsoleSso> {
    const url = `${cfg.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const res = await doFetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    const doc = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!res.ok || typeof doc !== 'object' || doc === null) throw new Error(`OIDC discovery at ${url} answered ${res.status} without a JSON document`);
    // OpenID Connect Discovery 1.0 section 4.3: the document must name the issuer we asked.
    if (doc.issuer !== cfg.issuer) throw new Error(`OIDC discovery at ${url} names issuer ${String(doc.issuer)}, not ${cfg.issuer}`);
    const tokenEndpoint = endpoint(doc.token_endpoint, 'token_endpoint', cfg.issuer);
    const authorizationEndpoint = endpoint(doc.authorization_endpoint, 'authorization_endpoint', cfg.issuer);
    tokenOrigin = new URL(tokenEndpoint).origin;
    // An id_token's aud is always the client id; an access token's aud is whatever the IdP was told to put there.
    const sessionToken = cfg.audience.includes(clientId) ? 'id_token' : 'access_token';
    return { enabled: true, authorizationEndpoint, tokenEndpoint, clientId, scope: cfg.consoleScope, sessionToken };
  }

  async function describe(): Promise<ConsoleSso> {
    const clientId = cfg.consoleClientId;
    if (clientId === undefined) return { enabled: false };
    described ??= discover(clientId);
    try {
      return await described;
    } catch (err) {
      // Not cached: the next sign-in page retries (the IdP may have been briefly down).
      described = undefined;
      throw err;
    }
  }

  return {
    describe,
    connectOrigins() {
      if (tokenOrigin === undefined && cfg.consoleClientId !== undefined) {
        describe().catch((err: unknown) => deps.logger.warn({ err }, 'oidc_console_discovery_failed'));
      }
      return tokenOrigin === undefined ? [] : [tokenOrigin];
    },
  };
}

import type { Request } from 'express';
import { ROLE_RANK, type AuthMethod, type Role } from '../../libs/contracts/index.js';
import { hashApiKey, looksLikeJwt, type Authenticated, type KeyCheck, type KeyService, type OidcVerifier } from '../../libs/auth/index.js';
import { createBoundedCache } from '../../libs/cache/index.js';
import type { Logger } from '../../libs/log/index.js';
import { VigilError } from '../../libs/errors/index.js';
import { CSRF_HEADER, SESSION_COOKIE, csrfMatches, ownOrigin, readCookie, type Session, type SessionStore } from './session.js';

/** `Bearer <token>`; the scheme is case-insensitive (RFC 9110 section 11.1). */
const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i;
/** SSO tokens already seen (for the one `login` audit row per token); bounded, oldest generation dropped. */
const SEEN_TOKENS = 10_000;

/** What the audit trail hears from authentication; never the credential itself. */
export interface AuthEvents {
  /** Credentials accepted (before the role check, so a 403 row still names its caller). */
  authenticated(req: Request, auth: Authenticated): void;
  /** First request of an SSO token in this process. */
  loggedIn(req: Request, auth: Authenticated): void;
  /** Credentials presented and refused. `actor` is a key id or oidc:<sub> when known, else ''. */
  failed(req: Request, info: { actor: string; method: AuthMethod; reason: string }): void;
}

/** A checked credential: who, until when at the latest (SSO token expiry, ms), and the key's hash for re-checks. */
export interface Credential {
  auth: Authenticated;
  notAfter?: number;
  keyHash?: string;
}

export interface RequestAuth {
  /** Resolves the caller or throws `unauthorized` (`forbidden` for an SSO user with no mapped role); never reads the body. */
  authenticate(req: Request, route: string): Promise<Authenticated>;
  /**
   * Checks an API key or SSO token given in a body (POST /v1/session) exactly as a bearer value,
   * with the same refusals; no `login` audit row (the session route writes its own).
   */
  credential(req: Request, token: string, route: string): Promise<Credential>;
  /** Throws `forbidden` when `auth.role` ranks below `min`. */
  authorize(auth: Authenticated, min: Role): void;
}

function keyRefusal(r: Exclude<KeyCheck, { ok: true }>): VigilError {
  if (r.reason === 'expired') {
    const hint = r.replacedBy ? 'it was rotated; use its replacement key' : 'ask an admin for a new key';
    return new VigilError('unauthorized', `API key ${r.keyId} expired`, { publicMessage: `API key expired at ${r.expiredAt}; ${hint}` });
  }
  return new VigilError('unauthorized', 'unknown or revoked API key', { publicMessage: 'invalid or revoked API key' });
}

/** Methods that change nothing, so a cookie alone may carry them (no CSRF token needed). */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * The browser-side defences for a request authenticated by the session cookie: a write must carry
 * the session's CSRF token (a page on another site cannot read it), and an `Origin` header, when the
 * browser sends one, must be this API's own. Bearer requests never come here: a browser does not
 * attach an Authorization header by itself, so they cannot be forged cross-site.
 */
export function checkCookieWrite(req: Request, session: Session): void {
  if (SAFE_METHODS.has(req.method)) return;
  const origin = req.get('origin');
  if (origin !== undefined && origin !== ownOrigin(req)) {
    throw new VigilError('csrf', `cross-origin ${req.method} refused`, { publicMessage: 'cross-origin request refused: Origin is not this server' });
  }
  if (!csrfMatches(req.get(CSRF_HEADER), session.csrfToken)) {
    throw new VigilError('csrf', 'missing or wrong CSRF token', {
      publicMessage: 'missing or wrong X-CSRF-Token header; send the csrfToken of GET /v1/session with every change',
    });
  }
}

export function createRequestAuth(deps: { keys: KeyService; logger: Logger; oidc?: OidcVerifier; events?: AuthEvents; sessions?: SessionStore }): RequestAuth {
  const seen = createBoundedCache<true>(SEEN_TOKENS);

  async function viaOidc(req: Request, token: string, route: string, opts: { session?: boolean } = {}): Promise<{ auth: Authenticated; expiresAt: number }> {
    if (!deps.oidc) {
      deps.events?.failed(req, { actor: '', method: 'oidc', reason: 'single sign-on not configured' });
      throw new VigilError('unauthorized', 'JWT without OIDC config', {
        publicMessage: 'this bearer token is a JWT but single sign-on (auth.oidc) is not configured; use an API key',
      });
    }
    const r = await deps.oidc.verify(token);
    if (!r.ok) {
      const actor = r.subject === undefined ? '' : `oidc:${r.subject}`;
      deps.events?.failed(req, { actor, method: 'oidc', reason: r.reason });
      deps.logger.warn({ ip: req.ip, method: req.method, route, reason: r.reason }, 'api_auth_failed');
      if (r.status === 403) throw new VigilError('forbidden', r.reason, { publicMessage: `${r.reason}; ask an admin to map one of your groups` });
      throw new VigilError('unauthorized', r.reason, { publicMessage: `invalid bearer token: ${r.reason}` });
    }
    deps.events?.authenticated(req, r.auth);
    // A console sign-in writes its own `login` row (services/api/routes/session.ts).
    if (!opts.session && seen.get(r.tokenId) === undefined) {
      seen.set(r.tokenId, true);
      deps.events?.loggedIn(req, r.auth);
    }
    return { auth: r.auth, expiresAt: r.expiresAt };
  }

  /** A bearer value (API key or SSO token) to its caller, or the same refusals bearer auth gives. */
  async function viaCredential(req: Request, token: string, route: string, opts: { session?: boolean } = {}): Promise<Credential> {
    if (looksLikeJwt(token)) {
      const r = await viaOidc(req, token, route, opts);
      return { auth: r.auth, notAfter: r.expiresAt };
    }
    const r = await deps.keys.check(token);
    if (!r.ok) {
      // A security tool's own failed logins are worth a line: never the key, and the route
      // template rather than the path, which can hold principal ids.
      deps.logger.warn({ ip: req.ip, method: req.method, route, reason: r.reason }, 'api_auth_failed');
      deps.events?.failed(req, { actor: r.reason === 'expired' ? r.keyId : '', method: 'api_key', reason: r.reason === 'expired' ? 'expired' : 'unknown or revoked key' });
      throw keyRefusal(r);
    }
    deps.events?.authenticated(req, r.auth);
    return { auth: r.auth, ...(r.auth.method === 'api_key' ? { keyHash: hashApiKey(token) } : {}) };
  }

  async function viaSession(req: Request, sessions: SessionStore, cookie: string): Promise<Authenticated> {
    const session = cookie === '' ? undefined : await sessions.get(cookie);
    if (!session) {
      deps.events?.failed(req, { actor: '', method: 'none', reason: 'unknown or expired session' });
      throw new VigilError('unauthorized', 'unknown or expired session', { publicMessage: 'session expired or signed out; sign in again' });
    }
    deps.events?.authenticated(req, session.auth);
    checkCookieWrite(req, session);
    return { ...session.auth };
  }

  return {
    async authenticate(req, route) {
      const header = req.get('authorization');
      // The console's cookie, only when no Authorization header is sent: an explicit bearer wins.
      const cookie = header === undefined && deps.sessions ? readCookie(req, SESSION_COOKIE) : undefined;
      if (cookie !== undefined && deps.sessions) return viaSession(req, deps.sessions, cookie);
      const match = header === undefined ? null : BEARER.exec(header);
      const token = match?.[1];
      if (token === undefined) {
        throw new VigilError('unauthorized', 'no bearer token', {
          publicMessage: 'missing or malformed Authorization header; send "Authorization: Bearer <api key>"',
        });
      }
      return (await viaCredential(req, token, route)).auth;
    },

    credential: (req, token, route) => viaCredential(req, token, route, { session: true }),

    authorize(auth, min) {
      if (ROLE_RANK[auth.role] < ROLE_RANK[min]) {
        throw new VigilError('forbidden', `role ${auth.role} below ${min}`, {
          publicMessage: `this route needs the ${min} role or higher; this key is ${auth.role}`,
        });
      }
    },
  };
}

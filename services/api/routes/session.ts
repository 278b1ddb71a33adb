import type { Request } from 'express';
import { z } from 'zod';
import type { Authenticated, ConsoleSsoProvider } from '../../../libs/auth/index.js';
import { RoleSchema } from '../../../libs/contracts/index.js';
import { VigilError } from '../../../libs/errors/index.js';
import { checkCookieWrite, type RequestAuth } from '../auth.js';
import type { ApiAudit } from '../audit.js';
import { defineRoute, jsonBody, type Route } from '../route.js';
import { SESSION_COOKIE, clearedSessionCookie, readCookie, sessionCookie, type Session, type SessionStore } from '../session.js';

/** Exactly one credential: an API key or an SSO (OIDC) token; either is checked as a bearer value would be. */
export const SessionLoginSchema = z.union([
  z.object({ apiKey: z.string().min(1).max(512) }).strict(),
  z.object({ token: z.string().min(1).max(16_384) }).strict(),
]);

export const SessionInfoSchema = z.object({
  role: RoleSchema,
  /** Key id or `oidc:<subject>`, as the audit trail names the caller. */
  actor: z.string(),
  /** Send as X-CSRF-Token with every cookie-authenticated change. */
  csrfToken: z.string(),
  /** ISO 8601: the session's absolute end (an idle timeout may end it sooner). */
  expiresAt: z.string(),
});

/** GET /v1/session/sso: whether the console offers "Sign in with SSO", and where the browser goes. */
export const SsoInfoSchema = z.union([
  z.object({ enabled: z.literal(false) }),
  z.object({
    enabled: z.literal(true),
    authorizationEndpoint: z.url(),
    tokenEndpoint: z.url(),
    /** Public client id: the console uses PKCE (S256) and has no client secret. */
    clientId: z.string(),
    scope: z.string(),
    /** Which token of the IdP's answer the console sends to POST /v1/session: the one whose aud Vigil accepts. */
    sessionToken: z.enum(['id_token', 'access_token']),
  }),
]);

const info = (s: Session) => ({ role: s.auth.role, actor: s.auth.keyId, csrfToken: s.csrfToken, expiresAt: new Date(s.expiresAt).toISOString() });

function noSession(): VigilError {
  return new VigilError('unauthorized', 'no live session', { publicMessage: 'no session: sign in with POST /v1/session' });
}

/**
 * Console sign-in, session check and sign-out. Public routes (they handle credentials themselves);
 * POST is behind the per-IP failed-login limiter (app.ts). The key or token is only checked, never
 * kept: the browser gets an HttpOnly cookie naming an in-memory session (services/api/session.ts).
 */
export function sessionRoutes(deps: {
  sessions: SessionStore;
  auth: RequestAuth;
  audit: Pick<ApiAudit, 'action' | 'events'>;
  /** Marks the request authenticated (rate limiter and audit row), as the auth middleware does. */
  authenticated: (req: Request, auth: Authenticated) => void;
  /** Served over TLS: the cookie gets `Secure` (also when a trusted proxy says the request was https). */
  tls: boolean;
  now?: () => number;
  /** Console SSO (auth.oidc.consoleClientId); absent: SSO is off. */
  sso?: ConsoleSsoProvider;
}): Route[] {
  const now = deps.now ?? (() => Date.now());
  const secure = (req: Request): boolean => deps.tls || req.secure;
  const current = async (req: Request): Promise<Session | undefined> => {
    const id = readCookie(req, SESSION_COOKIE);
    return id === undefined || id === '' ? undefined : deps.sessions.get(id);
  };
  return [
    defineRoute({
      method: 'post',
      path: '/v1/session',
      operationId: 'createSession',
      summary: 'Sign in to the console with an API key or an SSO token; sets the HttpOnly session cookie.',
      tag: 'session',
      access: 'public',
      body: jsonBody(SessionLoginSchema),
      errors: [401, 403, 429],
      responses: { 200: { description: 'Signed in; the cookie vigil_session is set.', schema: SessionInfoSchema } },
      handler: async ({ body, req }) => {
        const cred = await deps.auth.credential(req, 'apiKey' in body ? body.apiKey : body.token, '/v1/session');
        deps.authenticated(req, cred.auth);
        const { id, session } = deps.sessions.create(cred.auth, {
          ...(cred.notAfter === undefined ? {} : { notAfter: cred.notAfter }),
          ...(cred.keyHash === undefined ? {} : { keyHash: cred.keyHash }),
        });
        deps.audit.action(req, 'login', cred.auth.keyId, 'console session');
        req.res?.append('Set-Cookie', sessionCookie(id, (session.expiresAt - now()) / 1000, secure(req)));
        return { status: 200, json: info(session) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/session',
      operationId: 'getSession',
      summary: 'The signed-in console session (cookie): role, actor, CSRF token, expiry.',
      tag: 'session',
      access: 'public',
      errors: [401],
      responses: { 200: { description: 'The live session.', schema: SessionInfoSchema } },
      handler: async ({ req }) => {
        const s = await current(req);
        if (!s) throw noSession();
        deps.authenticated(req, s.auth);
        return { status: 200, json: info(s) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/session/sso',
      operationId: 'getSessionSso',
      summary: 'Whether the console offers "Sign in with SSO" (authorization code + PKCE) and the endpoints and public client id it uses.',
      tag: 'session',
      access: 'public',
      errors: [502],
      responses: { 200: { description: 'SSO off, or its settings (no secret: the console is a public client).', schema: SsoInfoSchema } },
      handler: async () => {
        if (!deps.sso) return { status: 200, json: { enabled: false } };
        try {
          return { status: 200, json: await deps.sso.describe() };
        } catch (err) {
          throw new VigilError('destination_unreachable', 'OIDC discovery for console SSO failed', {
            cause: err,
            publicMessage: 'single sign-on is configured but the identity provider could not be asked for its endpoints; sign in with an API key or try again',
          });
        }
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/session',
      operationId: 'deleteSession',
      summary: 'Sign out: ends the session server-side and clears the cookie (needs X-CSRF-Token while signed in).',
      tag: 'session',
      access: 'public',
      errors: [403],
      responses: { 204: { description: 'Signed out (also when no session was live).' } },
      handler: async ({ req }) => {
        const id = readCookie(req, SESSION_COOKIE);
        const s = await current(req);
        if (s && id !== undefined) {
          deps.authenticated(req, s.auth);
          // Signing someone out is a change too: a foreign page must not be able to do it.
          checkCookieWrite(req, s);
          deps.sessions.revoke(id);
          deps.audit.action(req, 'logout', s.auth.keyId, 'console session');
        }
        req.res?.append('Set-Cookie', clearedSessionCookie(secure(req)));
        return { status: 204 };
      },
    }),
  ];
}

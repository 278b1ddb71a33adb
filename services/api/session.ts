import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Authenticated } from '../../libs/auth/index.js';

/** The console's session cookie; HttpOnly, so page scripts (and any XSS) never see it. */
export const SESSION_COOKIE = 'vigil_session';
/** The header a cookie-authenticated write must carry, holding the session's csrfToken. */
export const CSRF_HEADER = 'x-csrf-token';
/** Sessions per process; the oldest is signed out when a new one would exceed it. */
export const DEFAULT_MAX_SESSIONS = 10_000;
/** How often an API-key session re-reads its key (revocation, expiry), like the key service's cache. */
const REVALIDATE_MS = 30_000;

export interface SessionConfig {
  /** Absolute lifetime (api.sessionTtlSeconds, default 8 h). */
  ttlSeconds: number;
  /** Sliding idle timeout (api.sessionIdleSeconds, default 30 min). */
  idleSeconds: number;
  maxSessions?: number;
}

export interface Session {
  auth: Authenticated;
  csrfToken: string;
  /** Absolute end (ms): created + ttl, or earlier when the credential itself ends sooner. */
  expiresAt: number;
  lastSeenAt: number;
  /** SHA-256 of the API key the session was made with (what api_keys stores; never the key). */
  keyHash?: string;
  checkedAt: number;
}

/** Whether the credential behind a session still holds: false when its key was revoked or expired. */
export type KeyRevalidator = (keyHash: string, at: number) => Promise<boolean>;

export interface SessionStore {
  /** A new session; `id` goes into the cookie and is never stored (the map is keyed by its hash). */
  create(auth: Authenticated, opts?: { notAfter?: number; keyHash?: string }): { id: string; session: Session };
  /** The live session for a cookie value, touched (idle timeout slides); undefined when unknown, expired or idle. */
  get(id: string): Promise<Session | undefined>;
  /** Ends a session at once; false when there was none. */
  revoke(id: string): boolean;
  size(): number;
}

/**
 * Console sessions, held in this process's memory on purpose: a session is a short-lived grant on
 * top of a credential that is already stored (an API key) or self-contained (an OIDC token), so
 * keeping it in ClickHouse would add a write per login and a read per request for nothing an
 * analyst cannot redo in seconds. Consequences, documented in docs/console.md: a restart signs
 * every console user out, and behind a load balancer with several API instances a session only
 * exists on the instance that created it, so the balancer must pin clients (sticky sessions) or
 * users sign in again when moved. Bounded (maxSessions) and expiring (absolute ttl + idle timeout),
 * swept on every creation, so memory stays flat whatever clients do.
 */
export function createSessionStore(cfg: SessionConfig, deps: { now?: () => number; revalidate?: KeyRevalidator } = {}): SessionStore {
  const now = deps.now ?? (() => Date.now());
  const max = cfg.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const sessions = new Map<string, Session>();
  const keyOf = (id: string): string => createHash('sha256').update(id, 'utf8').digest('base64url');
  const live = (s: Session, at: number): boolean => at < s.expiresAt && at - s.lastSeenAt < cfg.idleSeconds * 1000;

  function sweep(at: number): void {
    for (const [k, s] of sessions) if (!live(s, at)) sessions.delete(k);
    // Still full: the oldest session (Map order is creation order) makes room.
    while (sessions.size >= max) {
      const oldest = sessions.keys().next();
      if (oldest.done) break;
      sessions.delete(oldest.value);
    }
  }

  return {
    create(auth, opts = {}) {
      const at = now();
      sweep(at);
      const id = randomBytes(32).toString('base64url');
      const session: Session = {
        auth: { ...auth },
        csrfToken: randomBytes(32).toString('base64url'),
        expiresAt: Math.min(at + cfg.ttlSeconds * 1000, opts.notAfter ?? Infinity),
        lastSeenAt: at,
        checkedAt: at,
        ...(opts.keyHash === undefined ? {} : { keyHash: opts.keyHash }),
      };
      sessions.set(keyOf(id), session);
      return { id, session };
    },

    async get(id) {
      const k = keyOf(id);
      const s = sessions.get(k);
      if (!s) return undefined;
      const at = now();
      if (!live(s, at)) {
        sessions.delete(k);
        return undefined;
      }
      if (s.keyHash !== undefined && deps.revalidate && at - s.checkedAt >= REVALIDATE_MS) {
        // A key revoked or expired after sign-in ends its sessions within REVALIDATE_MS.
        if (!(await deps.revalidate(s.keyHash, at))) {
          sessions.delete(k);
          return undefined;
        }
        s.checkedAt = at;
      }
      s.lastSeenAt = at;
      return s;
    },

    revoke(id) {
      return sessions.delete(keyOf(id));
    },

    size: () => sessions.size,
  };
}

/** The value of one cookie from the Cookie header (no cookie-parser: one name is all we read). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Constant-time comparison of the CSRF header with the session's token. */
export function csrfMatches(sent: string | undefined, expected: string): boolean {
  if (sent === undefined) return false;
  const a = Buffer.from(sent, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `Set-Cookie` for a new session: HttpOnly, SameSite=Strict, Path=/, Secure over TLS, Max-Age in seconds. */
export function sessionCookie(id: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}

/** `Set-Cookie` that makes the browser drop the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/** The API's own origin as a browser would send it in `Origin` (scheme from TLS or a trusted proxy). */
export function ownOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? ''}`;
}

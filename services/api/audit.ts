import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { outcomeOf, type AuditAction, type AuditRecord, type AuthMethod } from '../../libs/contracts/index.js';
import type { AuditLog, Authenticated } from '../../libs/auth/index.js';
import type { Tokenizer } from '../../libs/privacy/index.js';
import type { AuthEvents } from './auth.js';

/**
 * Parameter and query names whose values are Vigil's own vocabulary (filters, paging, formats), kept
 * as sent. Every other value may name a patient, object or principal and is tokenized.
 */
const PLAIN_NAMES = new Set(['status', 'severity', 'detector', 'since', 'until', 'limit', 'cursor', 'format', 'outcome', 'action', 'route', 'actor', 'method']);
/** Routes whose `{id}` is a Vigil-made id (alert, key, rule, destination), not a client identifier. */
const VIGIL_ID_ROUTES = /^\/v1\/(alerts|keys|suppressions|destinations|deliveries)\/\{id\}/;
/** Already a pseudonym from libs/privacy: tokenizing it again would only hide the link. */
const TOKEN = /^tok_[0-9a-f]{20}$/;
const MAX_VALUE_CHARS = 200;

interface RequestState {
  requestId: string;
  time: string;
  auth?: Authenticated;
  failure?: { actor: string; method: AuthMethod; reason: string };
  actions: { action: AuditAction; target: string; detail: string }[];
}

export interface ApiAudit {
  /** Mount first: gives each request an id (X-Request-Id) and records it when the answer is sent. */
  middleware: RequestHandler;
  /** Hooks for services/api/auth.ts. */
  events: AuthEvents;
  /** An explicit action row (key changes), written with the request's own row. */
  action(req: Request, action: AuditAction, target: string, detail?: string): void;
  /** Writes buffered rows, so GET /v1/audit shows every call answered before it. */
  flush(): Promise<void>;
}

/** The route template's parameters, read back from the path (req.params is per-layer in express). */
function paramsFrom(template: string, path: string): Record<string, string> {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([A-Za-z_][A-Za-z0-9_]*)\\?\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  if (names.length === 0) return {};
  const m = new RegExp(`^${pattern}/?$`).exec(path);
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    const raw = m?.[i + 1];
    if (raw === undefined) return;
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  });
  return out;
}

export function createApiAudit(deps: {
  log: AuditLog;
  tokenizer: Pick<Tokenizer, 'token'>;
  routeOf: (req: Request) => string;
  now?: () => Date;
}): ApiAudit {
  const now = deps.now ?? (() => new Date());
  const states = new WeakMap<Request, RequestState>();

  function safeValue(route: string, name: string, value: unknown, where: 'path' | 'query'): string {
    const values = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''));
    const plain = PLAIN_NAMES.has(name) || (where === 'path' && name === 'id' && VIGIL_ID_ROUTES.test(route));
    return values
      .map((v) => (plain || TOKEN.test(v) ? v.slice(0, MAX_VALUE_CHARS) : deps.tokenizer.token(name, v)))
      .join(',');
  }

  function clean(route: string, values: Record<string, unknown>, where: 'path' | 'query'): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) {
      // Query names come from the client: bounded, like values.
      const key = name.slice(0, 64);
      out[key] = safeValue(route, key, value, where);
    }
    return out;
  }

  function finish(req: Request, status: number, detail: string): void {
    const st = states.get(req);
    if (!st) return;
    states.delete(req);
    const route = deps.routeOf(req);
    const base: AuditRecord = {
      time: st.time,
      requestId: st.requestId,
      action: 'request',
      actor: st.auth?.keyId ?? st.failure?.actor ?? '',
      role: st.auth?.role ?? '',
      authMethod: st.auth?.method ?? st.failure?.method ?? 'none',
      method: req.method,
      route,
      params: clean(route, route === 'unmatched' ? {} : paramsFrom(route, req.path), 'path'),
      query: clean(route, req.query, 'query'),
      status,
      outcome: outcomeOf(status),
      sourceIp: req.ip ?? req.socket.remoteAddress ?? '',
      target: '',
      detail: st.failure?.reason ?? detail,
    };
    deps.log.record(base);
    for (const a of st.actions) deps.log.record({ ...base, action: a.action, target: a.target, detail: a.detail });
  }

  const middleware: RequestHandler = (req, res, next) => {
    const requestId = randomUUID();
    states.set(req, { requestId, time: now().toISOString(), actions: [] });
    res.set('X-Request-Id', requestId);
    res.once('finish', () => finish(req, res.statusCode, ''));
    // An answer cut off before it was sent (client gone) is recorded too, as nginx's 499.
    res.once('close', () => finish(req, res.writableFinished ? res.statusCode : 499, 'connection closed before the answer was sent'));
    next();
  };

  const state = (req: Request): RequestState | undefined => states.get(req);

  return {
    middleware,
    events: {
      authenticated(req, auth) {
        const st = state(req);
        if (st) st.auth = auth;
      },
      loggedIn(req, auth) {
        state(req)?.actions.push({ action: 'login', target: auth.keyId, detail: '' });
      },
      failed(req, info) {
        const st = state(req);
        if (!st) return;
        st.failure = info;
        st.actions.push({ action: 'auth_failed', target: info.actor, detail: info.reason });
      },
    },
    action(req, action, target, detail = '') {
      state(req)?.actions.push({ action, target, detail });
    },
    flush: () => deps.log.flush(),
  };
}

import express, { type Application, type Request, type RequestHandler, type Response } from 'express';
import type { Authenticated } from '../../libs/auth/index.js';
import { API_SECURITY_DEFAULTS } from '../../libs/contracts/api-config.js';
import { createApiAudit } from './audit.js';
import { createRequestAuth } from './auth.js';
import { createRateLimiters } from './rate-limit.js';
import { createSecurityHeaders } from './security-headers.js';
import { createErrorHandler, notFound } from './errors.js';
import { createHttpMetrics } from './metrics.js';
import { buildOpenApi, type OpenApiDocument } from './openapi.js';
import { defineRoute, expressPath, type Reply, type Route } from './route.js';
import { auditRoutes } from './routes/audit.js';
import { alertRoutes } from './routes/alerts.js';
import { exploreRoutes } from './routes/explore.js';
import { inventoryRoutes } from './routes/inventory.js';
import { specRoutes } from './routes/specs.js';
import { ingestRoutes } from './routes/ingest.js';
import { keyRoutes } from './routes/keys.js';
import { objectRoutes } from './routes/objects.js';
import { opsRoutes } from './routes/ops.js';
import { suppressionRoutes } from './routes/suppressions.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { destinationRoutes } from './routes/destinations.js';
import { OpenApiDocumentSchema } from './schemas.js';
import { createConsoleStatic, defaultConsoleDir } from './console-static.js';
import { createSessionStore } from './session.js';
import { sessionRoutes } from './routes/session.js';
import { createAlertFeed, streamRoutes } from './routes/stream.js';
import { alertActivityRoutes } from './routes/alert-activity.js';
import { overviewRoutes } from './routes/overview.js';
import type { ApiConfig, ApiDeps } from './types.js';

/** Triage bodies are small; only /v1/ingest takes the configured (large) limit. */
const JSON_BODY_LIMIT = '64kb';

function send(res: Response, reply: Reply): void {
  res.status(reply.status);
  // A streaming route (SSE) has answered on `res` itself.
  if ('streamed' in reply) return;
  if ('json' in reply) res.json(reply.json);
  else if ('text' in reply) res.type(reply.contentType).send(reply.text);
  else res.end();
}

/**
 * The HTTP API as an express app; `main` listens. Every route comes from the route table below,
 * which also generates /openapi.json, so the two cannot disagree.
 */
export function createApiApp(cfg: ApiConfig, deps: ApiDeps): Application {
  const logger = deps.logger.child({ component: 'api' });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', cfg.trustProxy);
  // The console's static files and `/` first: no data in them, so no audit row per asset fetch.
  app.use(createConsoleStatic({ dir: cfg.consoleDir ?? defaultConsoleDir(), tls: cfg.tls ?? false, connectSrc: cfg.consoleConnectSrc ?? [], ...(deps.consoleSso ? { moreConnectSrc: deps.consoleSso.connectOrigins } : {}) }));

  const duration = createHttpMetrics(deps.registry);
  // First middleware: every answer, 401s and 429s included, gets a request id and an audit row.
  const audit = createApiAudit({ log: deps.audit.log, tokenizer: deps.audit.tokenizer, routeOf: (req) => routeOf(req) });
  app.use(audit.middleware);
  // Console sessions (services/api/session.ts); a key revoked or expired after sign-in ends its sessions.
  const sessions = createSessionStore(
    { ttlSeconds: cfg.session?.ttlSeconds ?? API_SECURITY_DEFAULTS.sessionTtlSeconds, idleSeconds: cfg.session?.idleSeconds ?? API_SECURITY_DEFAULTS.sessionIdleSeconds },
    {
      ...(cfg.session?.now ? { now: cfg.session.now } : {}),
      revalidate: async (hash, at) => {
        const rec = await deps.store.findApiKeyByHash(hash);
        return rec !== undefined && !rec.revokedAt && !(rec.expiresAt && Date.parse(rec.expiresAt) <= at);
      },
    },
  );
  const auth = createRequestAuth({ keys: deps.keys, logger, events: audit.events, sessions, ...(deps.oidc ? { oidc: deps.oidc } : {}) });
  // Per-request facts, held per app instance rather than on res.locals (typed `any`).
  const routeLabels = new WeakMap<Request, string>();
  const callers = new WeakMap<Request, Authenticated>();
  const routeOf = (req: Request): string => routeLabels.get(req) ?? 'unmatched';

  app.use((req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => end({ method: req.method, route: routeOf(req), status: String(res.statusCode) }));
    next();
  });
  app.use(createSecurityHeaders({ tls: cfg.tls ?? false }));
  const limits = createRateLimiters(
    cfg.rateLimit ?? { perMinute: API_SECURITY_DEFAULTS.rateLimitPerMinute, ingestPerMinute: API_SECURITY_DEFAULTS.ingestRateLimitPerMinute },
    { callerKey: (req) => callers.get(req)?.keyId, authenticated: (req) => callers.has(req) },
  );
  app.use('/v1', (_req, res, next) => {
    // Alerts and principal data are sensitive: no browser or proxy may keep a copy.
    res.set('Cache-Control', 'no-store');
    next();
  });

  const routes: Route[] = [
    ...opsRoutes({ ready: deps.ready, registry: deps.registry, logger }),
    // Before alertRoutes: express would otherwise take `stream` for the {id} of GET /v1/alerts/{id}.
    ...streamRoutes({ feed: deps.alertFeed ?? createAlertFeed() }),
    ...alertRoutes({ store: deps.store, alerts: deps.alerts }),
    ...suppressionRoutes({ suppressions: deps.suppressions, logger }),
    ...exploreRoutes({ store: deps.store }),
    ...objectRoutes({ store: deps.store, keyring: deps.keyring ?? { tokens: (type, raw) => [deps.audit.tokenizer.token(type, raw)] } }),
    ...ingestRoutes({ ingest: deps.ingest }),
    ...keyRoutes({ keys: deps.keys, logger, audit }),
    ...auditRoutes({ store: deps.store, flush: () => audit.flush() }),
    ...sessionRoutes({
      sessions,
      auth,
      audit,
      authenticated: (req, who) => {
        callers.set(req, who);
        audit.events.authenticated(req, who);
      },
      tls: cfg.tls ?? false,
      ...(cfg.session?.now ? { now: cfg.session.now } : {}),
      ...(deps.consoleSso ? { sso: deps.consoleSso } : {}),
    }),
    ...alertActivityRoutes({ store: deps.store }),
    ...overviewRoutes({ store: deps.store, ...(deps.ingestLag ? { ingestLag: deps.ingestLag } : {}) }),
  ];
  // The live API inventory (services/inventory) and declared specs.
  if (deps.inventory) {
    routes.push(...inventoryRoutes({ store: deps.store, inventory: deps.inventory, version: deps.version }), ...specRoutes({ store: deps.store, inventory: deps.inventory, logger }));
  }
  if (deps.notify) routes.push(...destinationRoutes({ notify: deps.notify, logger }), ...deliveryRoutes({ notify: deps.notify, logger }));
  // NOTE: the spec route's handler reads `spec`, which is built from the table that includes the
  // route itself; the handler only runs after this function has returned, so `spec` is set.
  routes.push(
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This API described as OpenAPI 3.1, generated from the route table.',
      tag: 'ops',
      access: 'viewer',
      responses: { 200: { description: 'The OpenAPI document.', schema: OpenApiDocumentSchema } },
      handler: () => ({ status: 200, json: spec }),
    }),
  );
  const spec: OpenApiDocument = buildOpenApi(routes, { title: 'Vigil API', version: deps.version });

  const parsers: Record<'json' | 'text', RequestHandler> = {
    json: express.json({ limit: JSON_BODY_LIMIT }),
    // Any content type: Kong sends application/json, shippers send x-ndjson or text/plain, and the
    // pipeline sniffs the format. Over the limit, body-parser raises entity.too.large (413).
    text: express.text({ type: () => true, limit: cfg.maxBodyBytes }),
  };

  for (const route of routes) {
    const { spec: r } = route;
    const chain: RequestHandler[] = [
      (req, _res, next) => {
        routeLabels.set(req, r.path);
        next();
      },
    ];
    // Console sign-in checks credentials: it counts against the per-IP failed-login limit.
    if (r.access === 'public' && r.path === '/v1/session' && r.method === 'post') chain.push(limits.unauthenticated);
    if (r.access !== 'public') {
      const min = r.access;
      // Before any body parser: an unauthenticated client never gets us to read its body.
      chain.push(limits.unauthenticated);
      chain.push(async (req, _res, next) => {
        const caller = await auth.authenticate(req, r.path);
        auth.authorize(caller, min);
        callers.set(req, caller);
        next();
      });
      chain.push(r.path === '/v1/ingest' ? limits.ingestPerKey : limits.perKey);
    }
    if (r.body) chain.push(parsers[r.body.parser]);
    chain.push(async (req, res) => {
      const reply = await route.invoke({ params: req.params, query: req.query, body: req.body as unknown, auth: callers.get(req), req });
      send(res, reply);
    });
    app[r.method](expressPath(r.path), ...chain);
  }

  // Unknown routes need a key too, so the route map is not probeable without one.
  app.use(limits.unauthenticated, async (req, _res, next) => {
    callers.set(req, await auth.authenticate(req, 'unmatched'));
    next(notFound());
  });
  app.use(createErrorHandler({ maxBodyBytes: cfg.maxBodyBytes }, { logger, routeOf }));
  return app;
}

import express, { type Application, type Request, type RequestHandler, type Response } from 'express';
import type { Authenticated } from '../../libs/auth/index.js';
import { createRequestAuth } from './auth.js';
import { createErrorHandler, notFound } from './errors.js';
import { createHttpMetrics } from './metrics.js';
import { buildOpenApi, type OpenApiDocument } from './openapi.js';
import { defineRoute, expressPath, type Reply, type Route } from './route.js';
import { alertRoutes } from './routes/alerts.js';
import { exploreRoutes } from './routes/explore.js';
import { ingestRoutes } from './routes/ingest.js';
import { keyRoutes } from './routes/keys.js';
import { opsRoutes } from './routes/ops.js';
import { suppressionRoutes } from './routes/suppressions.js';
import { OpenApiDocumentSchema } from './schemas.js';
import type { ApiConfig, ApiDeps } from './types.js';

/** Triage bodies are small; only /v1/ingest takes the configured (large) limit. */
const JSON_BODY_LIMIT = '64kb';

function send(res: Response, reply: Reply): void {
  res.status(reply.status);
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

  const duration = createHttpMetrics(deps.registry);
  const auth = createRequestAuth({ keys: deps.keys, logger });
  // Per-request facts, held per app instance rather than on res.locals (typed `any`).
  const routeLabels = new WeakMap<Request, string>();
  const callers = new WeakMap<Request, Authenticated>();
  const routeOf = (req: Request): string => routeLabels.get(req) ?? 'unmatched';

  app.use((req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => end({ method: req.method, route: routeOf(req), status: String(res.statusCode) }));
    next();
  });
  app.use('/v1', (_req, res, next) => {
    // Alerts and principal data are sensitive: no browser or proxy may keep a copy.
    res.set('Cache-Control', 'no-store');
    next();
  });

  const routes: Route[] = [
    ...opsRoutes({ ready: deps.ready, registry: deps.registry, logger }),
    ...alertRoutes({ store: deps.store, alerts: deps.alerts }),
    ...suppressionRoutes({ suppressions: deps.suppressions, logger }),
    ...exploreRoutes({ store: deps.store }),
    ...ingestRoutes({ ingest: deps.ingest }),
    ...keyRoutes({ keys: deps.keys, logger }),
  ];
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
    if (r.access !== 'public') {
      const min = r.access;
      // Before any body parser: an unauthenticated client never gets us to read its body.
      chain.push(async (req, _res, next) => {
        const caller = await auth.authenticate(req, r.path);
        auth.authorize(caller, min);
        callers.set(req, caller);
        next();
      });
    }
    if (r.body) chain.push(parsers[r.body.parser]);
    chain.push(async (req, res) => {
      const reply = await route.invoke({ params: req.params, query: req.query, body: req.body as unknown, auth: callers.get(req), req });
      send(res, reply);
    });
    app[r.method](expressPath(r.path), ...chain);
  }

  // Unknown routes need a key too, so the route map is not probeable without one.
  app.use(async (req, _res, next) => {
    await auth.authenticate(req, 'unmatched');
    next(notFound());
  });
  app.use(createErrorHandler({ maxBodyBytes: cfg.maxBodyBytes }, { logger, routeOf }));
  return app;
}

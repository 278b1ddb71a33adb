import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { VigilError } from '../../libs/errors/index.js';

const WINDOW_MS = 60_000;

export interface RateLimitConfig {
  /** Per key per minute on every authenticated route but ingest; 0: no limit. */
  perMinute: number;
  /** Per key per minute on POST /v1/ingest; 0: no limit. */
  ingestPerMinute: number;
}

export interface RateLimiters {
  /**
   * Before authentication, keyed by client IP: counts only requests that end unauthenticated
   * (wrong, missing or revoked keys), so guessing keys is slow while an authenticated client's
   * traffic never uses up its IP's allowance.
   */
  unauthenticated: RequestHandler;
  /** After authentication, keyed by the caller's identity (`callerKey`). */
  perKey: RequestHandler;
  ingestPerKey: RequestHandler;
}

const pass: RequestHandler = (_req, _res, next) => next();

function limited(seconds: string | number | string[] | undefined): VigilError {
  return new VigilError('rate_limited', 'rate limit exceeded', {
    publicMessage: `too many requests; retry after ${String(seconds ?? 60)} seconds`,
  });
}

/**
 * Fixed one-minute windows in process memory (express-rate-limit's MemoryStore): each Vigil
 * instance counts on its own, which is right for one instance per data dir; behind a load
 * balancer the effective limit is the per-instance limit times the instance count.
 * A limited request is answered 429 with `Retry-After` (seconds to the end of the window) and the
 * usual error body, through the app's error handler.
 */
export function createRateLimiters(
  cfg: RateLimitConfig,
  deps: { callerKey: (req: Request) => string | undefined; authenticated: (req: Request) => boolean },
): RateLimiters {
  const common = {
    windowMs: WINDOW_MS,
    standardHeaders: 'draft-6' as const,
    legacyHeaders: false,
    // NOTE: X-Forwarded-For is deliberately ignored unless trustProxy is set; the check warns
    // about exactly that setup, so it is off.
    validate: { xForwardedForHeader: false },
    handler: ((_req, res, next) => next(limited(res.getHeader('retry-after')))) as RequestHandler,
  };
  const byKey = (limit: number): RequestHandler =>
    limit === 0
      ? pass
      : rateLimit({
          ...common,
          limit,
          keyGenerator: (req) => `key:${deps.callerKey(req) ?? ipKeyGenerator(req.ip ?? '')}`,
        });
  return {
    unauthenticated:
      cfg.perMinute === 0
        ? pass
        : rateLimit({
            ...common,
            limit: cfg.perMinute,
            keyGenerator: (req) => `ip:${ipKeyGenerator(req.ip ?? '')}`,
            // Authenticated requests are given back when they finish: only failures stay counted.
            skipSuccessfulRequests: true,
            requestWasSuccessful: (req) => deps.authenticated(req),
          }),
    perKey: byKey(cfg.perMinute),
    ingestPerKey: byKey(cfg.ingestPerMinute),
  };
}

import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from '../../libs/log/index.js';
import { ERROR_CODES, isVigilError, VigilError, type ErrorCode } from '../../libs/errors/index.js';

interface ErrorBody {
  error: { code: ErrorCode; message: string; issues?: unknown };
}

/**
 * body-parser and the router throw http-errors-shaped errors (a 4xx `status`, body-parser adds a
 * `type`); only these fields are read, never their messages, which can echo parts of the input.
 */
interface HttpClientError {
  type?: unknown;
  status: number;
}

function isHttpClientError(e: unknown): e is Error & HttpClientError {
  const status = (e as { status?: unknown } | null)?.status;
  return e instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}

function fromHttpClientError(e: HttpClientError, maxBodyBytes: number): VigilError {
  switch (e.type) {
    case 'entity.too.large':
      return new VigilError('payload_too_large', 'request body over limit', {
        publicMessage: `request body larger than ${maxBodyBytes} bytes`,
      });
    case 'entity.parse.failed':
      return new VigilError('bad_request', 'malformed JSON body', { publicMessage: 'body: malformed JSON' });
    case 'encoding.unsupported':
      return new VigilError('bad_request', 'unsupported content encoding', {
        publicMessage: 'unsupported Content-Encoding; use identity, gzip, deflate or br',
      });
    case 'charset.unsupported':
      return new VigilError('bad_request', 'unsupported charset', { publicMessage: 'unsupported charset; use utf-8' });
    default:
      // e.g. the router's URIError for a malformed %-escape in a path parameter.
      return new VigilError('bad_request', `client error ${e.status} (${String(e.type)})`, { publicMessage: 'bad request' });
  }
}

/** The only texts a 5xx answer carries. */
const SERVER_ERROR_MESSAGES: Partial<Record<ErrorCode, string>> = {
  store_unavailable: 'store unavailable; retry later',
  store_failed: 'store error',
};

export function notFound(): VigilError {
  return new VigilError('not_found', 'no such route', { publicMessage: 'no such route' });
}

/**
 * Maps every error to `{ error: { code, message } }`. Only VigilError public messages reach the
 * client; anything else is a 500 with a fixed text, logged here with its stack.
 */
export function createErrorHandler(
  cfg: { maxBodyBytes: number },
  deps: { logger: Logger; routeOf: (req: Request) => string },
): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      // Too late for a JSON answer; express closes the connection.
      next(err);
      return;
    }
    let e: VigilError;
    if (isVigilError(err)) e = err;
    else if (isHttpClientError(err)) e = fromHttpClientError(err, cfg.maxBodyBytes);
    else e = new VigilError('internal', 'unhandled error', { cause: err, publicMessage: 'internal error' });

    const route = deps.routeOf(req);
    if (e.status >= 500) {
      // NOTE: log the error and the route only; request bodies and headers may hold PHI or keys.
      deps.logger.error({ err: e.cause ?? e, code: e.code, method: req.method, route }, 'http_request_failed');
    }

    // NOTE: a 5xx answer never carries the error's own text, even a VigilError's: its public
    // message defaults to the internal one, which may name tables, hosts or SQL.
    const message = e.status >= 500 ? SERVER_ERROR_MESSAGES[e.code] ?? 'internal error' : e.publicMessage;
    const body: ErrorBody = { error: { code: e.code, message } };
    const issues = (e.details as { issues?: unknown } | undefined)?.issues;
    if (e.code === 'bad_request' && Array.isArray(issues)) body.error.issues = issues;
    if (e.code === 'unauthorized') res.set('WWW-Authenticate', 'Bearer');
    res.status(ERROR_CODES[e.code].status).json(body);
  };
}

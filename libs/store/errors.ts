import { VigilError } from '../errors/index.js';

/** Node socket errors that mean "the server is not there right now": worth retrying. */
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** ClickHouse error types that clear up on their own (load, not a bad query). */
const TRANSIENT_CLICKHOUSE_TYPES = new Set([
  'TIMEOUT_EXCEEDED',
  'SOCKET_TIMEOUT',
  'NETWORK_ERROR',
  'TOO_MANY_SIMULTANEOUS_QUERIES',
  'TOO_MANY_PARTS',
  'ALL_CONNECTION_TRIES_FAILED',
]);

/**
 * Classifies a client error once, here at the boundary, so callers decide on `retriable` and
 * never on message text. Timeouts from @clickhouse/client carry no code, only their message.
 */
export function isTransient(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { code } = e as Error & { code?: unknown };
    if (typeof code === 'string' && TRANSIENT_NODE_CODES.has(code)) return true;
    const type = typeOf(e);
    if (type !== undefined && TRANSIENT_CLICKHOUSE_TYPES.has(type)) return true;
    if (/\btime(d)?[ -]?out\b/i.test(e.message) || /socket hang up/i.test(e.message)) return true;
  }
  return false;
}

/** ClickHouse's error type (e.g. `ACCESS_DENIED`) anywhere in the cause chain, if the engine gave one. */
export function clickhouseErrorType(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const type = typeOf(e);
    if (type !== undefined) return type;
  }
  return undefined;
}

/**
 * The error's ClickHouse type: the client's parsed `type`, or else read from the engine's own
 * message ("Code: 252. DB::Exception: ... (TOO_MANY_PARTS)"), which chDB's raw insert (db.ts)
 * passes on without parsing.
 */
function typeOf(e: Error): string | undefined {
  const { type } = e as Error & { type?: unknown };
  if (typeof type === 'string' && type !== '') return type;
  return ENGINE_MESSAGE.exec(e.message.trim())?.[1];
}

const ENGINE_MESSAGE = /^Code: \d+\. DB::Exception:[\s\S]*\(([A-Z][A-Z0-9_]*)\)$/;

/** Wraps anything a client call threw; VigilErrors (e.g. from our own checks) pass through. */
export function wrapStoreError(err: unknown, what: string): VigilError {
  if (err instanceof VigilError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return isTransient(err)
    ? new VigilError('store_unavailable', `store unavailable during ${what}: ${detail}`, {
        cause: err,
        publicMessage: 'store unavailable',
      })
    : new VigilError('store_failed', `store failed during ${what}: ${detail}`, {
        cause: err,
        publicMessage: 'store error',
      });
}

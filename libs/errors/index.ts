/**
 * The short registry of typed errors. Retry decisions read `retriable`, never message text; the HTTP
 * error handler maps `code` to a status and never returns stack traces or raw messages.
 */
export const ERROR_CODES = {
  bad_request: { status: 400, retriable: false },
  unauthorized: { status: 401, retriable: false },
  forbidden: { status: 403, retriable: false },
  /** A cookie-authenticated change without the session's X-CSRF-Token, or from a foreign Origin (console sessions). */
  csrf: { status: 403, retriable: false },
  /** The client does not accept what the route serves (GET /v1/alerts/stream without Accept: text/event-stream). */
  not_acceptable: { status: 406, retriable: false },
  not_found: { status: 404, retriable: false },
  conflict: { status: 409, retriable: false },
  payload_too_large: { status: 413, retriable: false },
  rate_limited: { status: 429, retriable: true },
  config_invalid: { status: 500, retriable: false },
  store_unavailable: { status: 503, retriable: true },
  store_failed: { status: 500, retriable: false },
  data_dir_locked: { status: 500, retriable: false },
  internal: { status: 500, retriable: false },
  /** An outbound target Vigil will not send to (SSRF guard, scheme, TLS verification): fix the destination. */
  destination_refused: { status: 400, retriable: false },
  /** An outbound target that could not be reached or answered in time (DNS, connect, reset, timeout). */
  destination_unreachable: { status: 502, retriable: true },
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  /** Safe to show a client (no internals); defaults to a generic text per code. */
  readonly publicMessage: string;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; publicMessage?: string; details?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'VigilError';
    this.code = code;
    this.retriable = ERROR_CODES[code].retriable;
    this.publicMessage = opts.publicMessage ?? message;
    this.details = opts.details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export function isVigilError(e: unknown): e is VigilError {
  return e instanceof VigilError;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

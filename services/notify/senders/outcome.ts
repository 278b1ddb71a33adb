// HTTP answers and outbound errors as SendOutcomes (services/notify/types.ts): the retry decision
// reads the status and the error's `retriable` flag, never message text.
import { isVigilError } from '../../../libs/errors/index.js';
import type { OutboundResponse } from '../../../libs/outbound/index.js';
import { retryAfterMs } from '../formats/retry-after.js';
import type { SendOutcome } from '../types.js';

/** 408, 429 and 5xx are worth trying again (Retry-After honoured); a receiver's other answers are final. */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The first line of a receiver's answer, short enough for a delivery's lastError. */
export function snippet(body: string): string {
  const line = body.trim().split(/\r?\n/, 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** webhook and ocsf: 2xx delivered, 408/429/5xx retry, 3xx failed (never followed), other 4xx failed. */
export function httpOutcome(res: OutboundResponse, now: Date): SendOutcome {
  const { status } = res;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  const said = snippet(res.body);
  const error = `HTTP ${status}${said === '' ? '' : `: ${said}`}`;
  if (isRetriableStatus(status)) return retryOutcome(error, status, res, now);
  if (status >= 300 && status < 400) {
    const location = typeof res.headers.location === 'string' ? ` to ${res.headers.location}` : '';
    return { kind: 'failed', error: `HTTP ${status}: redirects are not followed (redirected${location}); configure the final URL`, status };
  }
  return { kind: 'failed', error, status };
}

export function retryOutcome(error: string, status: number, res: OutboundResponse, now: Date): SendOutcome {
  const after = retryAfterMs(res.headers['retry-after'], now);
  return { kind: 'retry', error, status, ...(after === undefined ? {} : { retryAfterMs: after }) };
}

/** A thrown error: VigilErrors by their flag (SSRF refusal failed, timeouts retry); anything else is retried. */
export function errorOutcome(err: unknown): SendOutcome {
  if (isVigilError(err)) return err.retriable ? { kind: 'retry', error: err.message } : { kind: 'failed', error: err.message };
  // NOTE: not an outbound error (a bug): retried, so the worker's cap makes it visible without losing it.
  return { kind: 'retry', error: err instanceof Error ? err.message : String(err) };
}

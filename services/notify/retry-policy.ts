import type { OutboxDelivery } from '../../libs/store/types.js';
import type { SendOutcome } from './types.js';

export interface RetryPolicy {
  /** Attempts before a delivery is marked failed. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A Retry-After longer than this is read as a misconfigured receiver, not an instruction. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * Exponential backoff with full jitter (a uniformly random delay in [0, min(cap, base x 2^(n-1)))),
 * so destinations recovering from an outage are not hit by every Vigil at the same instant.
 * `attempts` counts the attempts made so far (>= 1). `random` returns [0, 1), injected for tests.
 */
export function backoffMs(attempts: number, p: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  return Math.floor(random() * ceiling);
}

/**
 * The delivery's next state after one attempt ended with `outcome` at `nowMs`:
 * delivered; failed at once (a `failed` outcome: 4xx, invalid token, refused target); failed
 * after the cap of attempts; or pending again after the backoff, never sooner than Retry-After.
 */
export function afterOutcome(d: OutboxDelivery, outcome: SendOutcome, nowMs: number, p: RetryPolicy, random: () => number): OutboxDelivery {
  const attempts = d.attempts + 1;
  const at = new Date(nowMs).toISOString();
  const { nextAttemptAt: _next, lastError: _err, lastStatus: _status, ...base } = d;
  const next = { ...base, rev: d.rev + 1, attempts, updatedAt: at, ...(outcome.status === undefined ? {} : { lastStatus: outcome.status }) };
  if (outcome.kind === 'delivered') return { ...next, status: 'delivered' };
  if (outcome.kind === 'failed') return { ...next, status: 'failed', lastError: outcome.error };
  if (attempts >= p.maxAttempts) return { ...next, status: 'failed', lastError: `${outcome.error} (gave up after ${attempts} attempts)` };
  const wait = Math.max(backoffMs(attempts, p, random), Math.min(outcome.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  return { ...next, status: 'pending', lastError: outcome.error, nextAttemptAt: new Date(nowMs + wait).toISOString() };
}

/** Manual retry of a failed delivery: pending again, due now, with a fresh budget of attempts. */
export function resetForRetry(d: OutboxDelivery, nowMs: number): OutboxDelivery {
  const at = new Date(nowMs).toISOString();
  return { ...d, rev: d.rev + 1, status: 'pending', attempts: 0, nextAttemptAt: at, updatedAt: at };
}

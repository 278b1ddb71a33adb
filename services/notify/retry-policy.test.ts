import { describe, expect, it } from 'vitest';
import type { OutboxDelivery } from '../../libs/store/types.js';
import { makeAlert } from '../../libs/store/test-support/fixtures.js';
import { afterOutcome, backoffMs, resetForRetry } from './retry-policy.js';

const policy = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 5000 };
const T0 = Date.parse('2026-11-29T08:00:00.000Z');

function pending(attempts: number): OutboxDelivery {
  return {
    id: 'dlv_1',
    rev: 4,
    destinationId: 'siem',
    alertId: 'alr_1',
    alertVersion: 2,
    idempotencyKey: 'alr_1:2',
    status: 'pending',
    attempts,
    nextAttemptAt: new Date(T0).toISOString(),
    lastError: 'HTTP 503',
    createdAt: new Date(T0 - 60_000).toISOString(),
    updatedAt: new Date(T0 - 1000).toISOString(),
    alert: makeAlert('alr_1', { version: 2 }),
  };
}

describe('retry policy', () => {
  it('draws a full-jitter delay under a ceiling that doubles up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, policy, () => 0.999_999))).toEqual([999, 1999, 3999, 4999, 4999]);
    expect(backoffMs(3, policy, () => 0.5)).toBe(2000);
    expect(backoffMs(3, policy, () => 0)).toBe(0);
  });

  it('schedules a retriable outcome after the jittered backoff and counts the attempt', () => {
    const next = afterOutcome(pending(0), { kind: 'retry', error: 'HTTP 503', status: 503 }, T0, policy, () => 0.5);
    expect(next).toMatchObject({ status: 'pending', attempts: 1, rev: 5, lastStatus: 503, lastError: 'HTTP 503', nextAttemptAt: new Date(T0 + 500).toISOString() });
  });

  it('never retries before Retry-After, even when the jitter draws less', () => {
    const next = afterOutcome(pending(0), { kind: 'retry', error: 'HTTP 429', status: 429, retryAfterMs: 30_000 }, T0, policy, () => 0.1);
    expect(next.nextAttemptAt).toBe(new Date(T0 + 30_000).toISOString());
  });

  it('marks the delivery failed once the attempts reach the cap', () => {
    const next = afterOutcome(pending(2), { kind: 'retry', error: 'connect ECONNREFUSED' }, T0, policy, () => 0.5);
    expect(next).toMatchObject({ status: 'failed', attempts: 3, lastError: 'connect ECONNREFUSED (gave up after 3 attempts)' });
    expect(next.nextAttemptAt).toBeUndefined();
  });

  it('marks a failed outcome failed at once, and a delivered one delivered without the old error', () => {
    expect(afterOutcome(pending(0), { kind: 'failed', error: 'HTTP 401', status: 401 }, T0, policy, () => 0.5)).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 401, lastError: 'HTTP 401' });
    const ok = afterOutcome(pending(1), { kind: 'delivered', status: 200 }, T0, policy, () => 0.5);
    expect(ok).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200 });
    expect(ok.lastError).toBeUndefined();
  });

  it('resets a failed delivery to pending, due now, with a fresh budget', () => {
    const failed = { ...pending(3), status: 'failed' as const };
    expect(resetForRetry(failed, T0)).toMatchObject({ status: 'pending', attempts: 0, rev: 5, nextAttemptAt: new Date(T0).toISOString() });
  });
});

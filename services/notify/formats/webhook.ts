// The generic webhook: the alert as JSON, signed so the receiver can check it came from Vigil, was
// not changed on the way and is not a replay. The same signature covers `ocsf` destinations.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Alert } from '../../../libs/contracts/index.js';

export interface WebhookBody {
  /** Always `vigil.alert`: lets a receiver shared with other producers route the payload. */
  type: 'vigil.alert';
  /** `<alert id>:<alert version>`, also the Idempotency-Key header: deduplicate on it. */
  idempotencyKey: string;
  /** The alert as the API returns it (identifiers already tokenized). */
  alert: Alert;
}

export function webhookBody(alert: Alert, idempotencyKey: string): WebhookBody {
  return { type: 'vigil.alert', idempotencyKey, alert };
}

/** Hex HMAC-SHA256 of `<timestamp>.<raw body>` keyed by the destination's secret. */
export function vigilSignature(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}

/** The headers of a signed request (besides Content-Type); `now` is the attempt's wall clock. */
export function signatureHeaders(secret: string, rawBody: string, idempotencyKey: string, now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'X-Vigil-Timestamp': String(timestamp),
    'X-Vigil-Signature': `v1=${vigilSignature(secret, timestamp, rawBody)}`,
    'Idempotency-Key': idempotencyKey,
  };
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'malformed' | 'stale' | 'future' | 'mismatch' };

/**
 * What a receiver runs (docs/siem.md has the standalone copy): the signature header may list
 * several `v1=` values (during a secret rotation); any match passes. Timestamps further than
 * `toleranceSeconds` from `now` either way are refused, so a captured request cannot be replayed.
 */
export function verifyVigilSignature(
  secret: string,
  timestamp: string,
  rawBody: string,
  signatureHeader: string,
  opts: { now: Date; toleranceSeconds?: number },
): VerifyResult {
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed' };
  const age = Math.floor(opts.now.getTime() / 1000) - Number(timestamp);
  const tolerance = opts.toleranceSeconds ?? 300;
  if (age > tolerance) return { ok: false, reason: 'stale' };
  if (age < -tolerance) return { ok: false, reason: 'future' };
  const expected = Buffer.from(vigilSignature(secret, Number(timestamp), rawBody), 'hex');
  const given = signatureHeader
    .split(',')
    .map((part) => part.trim())
    .filter((part) => /^v1=[0-9a-f]{64}$/.test(part))
    .map((part) => Buffer.from(part.slice(3), 'hex'));
  if (given.length === 0) return { ok: false, reason: 'malformed' };
  return given.some((g) => timingSafeEqual(g, expected)) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

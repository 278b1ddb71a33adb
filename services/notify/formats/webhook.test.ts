import { describe, expect, test } from 'vitest';
import { sampleAlert } from '../senders/test-support.js';
import { signatureHeaders, verifyVigilSignature, vigilSignature, webhookBody } from './webhook.js';

const SECRET = 'whsec_test_0123456789abcdef';
// `printf '%s' '1772443182.{"a":1}' | openssl dgst -sha256 -hmac whsec_test_0123456789abcdef`
const KNOWN = '50a1dd8e4dae0d87c87b155a43e0d7135d83ddb788aafaea9b01a95846769a2d';
const NOW = new Date(1772443182_999);

describe('webhook signature', () => {
  test('is the hex HMAC-SHA256 of "<timestamp>.<raw body>" (checked against openssl)', () => {
    expect(vigilSignature(SECRET, 1772443182, '{"a":1}')).toBe(KNOWN);
  });

  test('headers carry the unix seconds of the attempt, v1=<hex> and the idempotency key', () => {
    expect(signatureHeaders(SECRET, '{"a":1}', 'alrt_7f3a9c:2', NOW)).toEqual({
      'X-Vigil-Timestamp': '1772443182',
      'X-Vigil-Signature': `v1=${KNOWN}`,
      'Idempotency-Key': 'alrt_7f3a9c:2',
    });
  });

  test('the body is the alert as is, typed and keyed', () => {
    const alert = sampleAlert();
    expect(webhookBody(alert, 'alrt_7f3a9c:1')).toEqual({ type: 'vigil.alert', idempotencyKey: 'alrt_7f3a9c:1', alert });
  });
});

describe('verifyVigilSignature', () => {
  const ok = (ts: string, body: string, sig: string, nowMs = NOW.getTime()) => verifyVigilSignature(SECRET, ts, body, sig, { now: new Date(nowMs) });

  test('accepts the signed body, and any of several v1 values (secret rotation)', () => {
    expect(ok('1772443182', '{"a":1}', `v1=${KNOWN}`)).toEqual({ ok: true });
    expect(ok('1772443182', '{"a":1}', `v1=${'0'.repeat(64)}, v1=${KNOWN}`)).toEqual({ ok: true });
  });

  test('rejects a tampered body, a wrong secret and malformed headers', () => {
    expect(ok('1772443182', '{"a":2}', `v1=${KNOWN}`)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyVigilSignature('another-secret-0123', '1772443182', '{"a":1}', `v1=${KNOWN}`, { now: NOW })).toEqual({ ok: false, reason: 'mismatch' });
    expect(ok('1772443182', '{"a":1}', KNOWN)).toEqual({ ok: false, reason: 'malformed' });
    expect(ok('1772443182', '{"a":1}', 'v1=abc')).toEqual({ ok: false, reason: 'malformed' });
    expect(ok('17724431x2', '{"a":1}', `v1=${KNOWN}`)).toEqual({ ok: false, reason: 'malformed' });
  });

  test('rejects timestamps more than 300 s old or ahead, accepts the edges', () => {
    const t = 1772443182_000;
    expect(ok('1772443182', '{"a":1}', `v1=${KNOWN}`, t + 300_999)).toEqual({ ok: true });
    expect(ok('1772443182', '{"a":1}', `v1=${KNOWN}`, t + 301_000)).toEqual({ ok: false, reason: 'stale' });
    expect(ok('1772443182', '{"a":1}', `v1=${KNOWN}`, t - 300_000)).toEqual({ ok: true });
    expect(ok('1772443182', '{"a":1}', `v1=${KNOWN}`, t - 301_000)).toEqual({ ok: false, reason: 'future' });
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { VigilError } from '../../libs/errors/index.js';
import { startHarness, type Harness } from './test-support/harness.js';

/**
 * Security headers, body limits, generic 5xx bodies and rate limits on the real app. Limits are
 * tiny here (3 a minute, ingest 5) so the exact 429 is reached in a few calls; only Date is faked,
 * so the window is deterministic while sockets and the store run on real timers.
 */
let h: Harness;
let ingestError: Error | undefined;
// Later than any real clock this runs on, so windows opened by earlier tests at real time are over.
const T0 = new Date('2031-03-02T10:00:00.000Z');

beforeAll(async () => {
  h = await startHarness('hardening', {
    rateLimit: { perMinute: 3, ingestPerMinute: 5 },
    ingest: () => (ingestError ? Promise.reject(ingestError) : Promise.resolve({ accepted: 1, deadLettered: 0, duplicates: 0 })),
  });
});
afterAll(async () => h.close());
afterEach(() => {
  vi.useRealTimers();
  ingestError = undefined;
});

describe('security headers', () => {
  it('sends a JSON-API policy and no HSTS over plain http', async () => {
    const res = await h.call('/healthz', { as: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('request size and error bodies', () => {
  it('answers a JSON body over 64 KiB on a triage route with 413 before the handler', async () => {
    const res = await h.call('/v1/alerts/a1', { as: 'analyst', method: 'PATCH', json: { note: 'n'.repeat(70_000) } });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: 'request body larger than 4096 bytes' } });
  });

  it('never returns the internal message of a server-side VigilError', async () => {
    ingestError = new VigilError('store_failed', 'INSERT INTO vigil.events failed: Code 241 MEMORY_LIMIT_EXCEEDED on ch-01.internal');
    const res = await h.call('/v1/ingest', { as: 'admin', method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"error":{"code":"store_failed","message":"store error"}}');
  });

  it('answers an unexpected throw with a fixed body and no stack', async () => {
    ingestError = new TypeError("Cannot read properties of undefined (reading 'x') at /srv/vigil/dist/x.js:1:2");
    const res = await h.call('/v1/ingest', { as: 'admin', method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"error":{"code":"internal","message":"internal error"}}');
  });
});

describe('rate limits', () => {
  it('answers the 4th request of a key within a minute with 429 and Retry-After: 60, then lets it in after the window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    for (let i = 0; i < 3; i++) expect((await h.call('/v1/alerts', { as: 'viewer' })).status).toBe(200);
    const res = await h.call('/v1/alerts', { as: 'viewer' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(await res.json()).toEqual({ error: { code: 'rate_limited', message: 'too many requests; retry after 60 seconds' } });
    vi.setSystemTime(new Date(T0.getTime() + 60_000));
    expect((await h.call('/v1/alerts', { as: 'viewer' })).status).toBe(200);
  });

  it('counts ingest separately and higher, so a gateway key is not starved by its own reads', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(T0.getTime() + 3_600_000));
    for (let i = 0; i < 3; i++) expect((await h.call('/v1/alerts', { as: 'analyst' })).status).toBe(200);
    expect((await h.call('/v1/alerts', { as: 'analyst' })).status).toBe(429);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await h.call('/v1/ingest', { as: 'analyst', method: 'POST', body: '{}' })).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it('limits failed authentication per IP: the 4th bad key in a minute gets 429 even before the key is checked', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(T0.getTime() + 7_200_000));
    // Authenticated calls from the same IP do not use up its allowance.
    for (let i = 0; i < 2; i++) expect((await h.call('/v1/alerts', { as: 'admin' })).status).toBe(200);
    const bad = { authorization: 'Bearer vgl_not_a_key' };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.call('/v1/alerts', { as: null, headers: bad })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const res = await h.call('/v1/alerts', { as: 'admin' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
  });
});

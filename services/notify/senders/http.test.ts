// webhook, ocsf and splunk-hec senders against real HTTP servers on 127.0.0.1.
import { afterEach, describe, expect, test } from 'vitest';
import { verifyVigilSignature } from '../formats/webhook.js';
import { createSender } from './index.js';
import { DEPS, destination, sampleAlert, startStub, type Stub } from './test-support.js';

const NOW = new Date('2026-03-02T09:20:00.000Z');
const CTX = { idempotencyKey: 'alrt_7f3a9c:1', now: NOW };
const stubs: Stub[] = [];
const stub = async (...args: Parameters<typeof startStub>): Promise<Stub> => {
  const s = await startStub(...args);
  stubs.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(stubs.splice(0).map((s) => s.close()));
});

describe('webhook sender', () => {
  test('posts the signed alert; the receiver verifies it and answers 2xx: delivered', async () => {
    const s = await stub((_r, res) => res.writeHead(202).end('queued'));
    const sender = createSender(destination({ url: `${s.url}/hooks/vigil?x=1`, allowPrivateNetwork: true }), DEPS);
    expect(await sender.send(sampleAlert(), CTX)).toEqual({ kind: 'delivered', status: 202 });
    const [req] = s.received;
    expect([req?.method, req?.url, req?.headers['content-type'], req?.headers['user-agent'], req?.headers['idempotency-key'], req?.headers['x-vigil-timestamp']]).toEqual([
      'POST', '/hooks/vigil?x=1', 'application/json', 'Vigil/0.1.0', 'alrt_7f3a9c:1', '1772443200',
    ]);
    expect(JSON.parse(req?.body ?? '')).toEqual({ type: 'vigil.alert', idempotencyKey: 'alrt_7f3a9c:1', alert: sampleAlert() });
    const verdict = verifyVigilSignature('whsec_test_0123456789abcdef', String(req?.headers['x-vigil-timestamp']), req?.body ?? '', String(req?.headers['x-vigil-signature']), { now: NOW });
    expect(verdict).toEqual({ ok: true });
  });

  test.each([
    [500, {}, { kind: 'retry', error: 'HTTP 500: boom', status: 500 }],
    [503, { 'retry-after': '30' }, { kind: 'retry', error: 'HTTP 503: boom', status: 503, retryAfterMs: 30_000 }],
    [429, { 'retry-after': 'Mon, 02 Mar 2026 09:21:00 GMT' }, { kind: 'retry', error: 'HTTP 429: boom', status: 429, retryAfterMs: 60_000 }],
    [408, {}, { kind: 'retry', error: 'HTTP 408: boom', status: 408 }],
    [400, {}, { kind: 'failed', error: 'HTTP 400: boom', status: 400 }],
    [401, {}, { kind: 'failed', error: 'HTTP 401: boom', status: 401 }],
    [404, {}, { kind: 'failed', error: 'HTTP 404: boom', status: 404 }],
  ])('HTTP %i answers become %j', async (status, headers, outcome) => {
    const s = await stub((_r, res) => res.writeHead(status, headers).end('boom\nmore'));
    const sender = createSender(destination({ url: s.url, allowPrivateNetwork: true }), DEPS);
    expect(await sender.send(sampleAlert(), CTX)).toEqual(outcome);
  });

  test('a redirect fails the delivery and the other server sees nothing', async () => {
    const other = await stub();
    const s = await stub((_r, res) => res.writeHead(302, { location: `${other.url}/steal` }).end());
    const sender = createSender(destination({ url: s.url, allowPrivateNetwork: true }), DEPS);
    expect(await sender.send(sampleAlert(), CTX)).toEqual({
      kind: 'failed',
      status: 302,
      error: `HTTP 302: redirects are not followed (redirected to ${other.url}/steal); configure the final URL`,
    });
    expect([s.received.length, other.received.length]).toEqual([1, 0]);
  });

  test.each(['http://127.0.0.1:PORT/', 'http://localhost:PORT/', 'http://[::1]:PORT/', 'http://169.254.169.254/latest', 'http://10.0.0.1/'])(
    '%s without allowPrivateNetwork fails at once and nothing is connected to',
    async (url) => {
      const s = await stub();
      const sender = createSender(destination({ url: url.replace('PORT', String(s.port)) }), DEPS);
      const outcome = await sender.send(sampleAlert(), CTX);
      expect(outcome.kind).toBe('failed');
      expect(outcome.kind === 'failed' && outcome.error.endsWith('; set allowPrivateNetwork on the destination to allow it')).toBe(true);
      expect(s.received).toHaveLength(0);
    },
  );

  test('a receiver that is down is retried; a destination without a secret fails', async () => {
    const s = await stub();
    const url = s.url;
    await s.close();
    expect(await createSender(destination({ url, allowPrivateNetwork: true }), DEPS).send(sampleAlert(), CTX)).toEqual({ kind: 'retry', error: '127.0.0.1: ECONNREFUSED' });
    expect(await createSender(destination({ url, secret: undefined }), DEPS).send(sampleAlert(), CTX)).toEqual({
      kind: 'failed',
      error: 'destination soc has no secret: webhook deliveries are always signed',
    });
  });
});

describe('ocsf sender', () => {
  test('posts the Detection Finding, signed the same way', async () => {
    const s = await stub();
    const sender = createSender(destination({ type: 'ocsf', url: s.url, allowPrivateNetwork: true }), DEPS);
    expect(await sender.send(sampleAlert({ version: 2 }), { ...CTX, idempotencyKey: 'alrt_7f3a9c:2' })).toEqual({ kind: 'delivered', status: 204 });
    const body = JSON.parse(s.received[0]?.body ?? '') as Record<string, unknown>;
    expect([body.class_uid, body.type_uid, (body.metadata as Record<string, unknown>).uid, s.received[0]?.headers['idempotency-key']]).toEqual([2004, 200402, 'alrt_7f3a9c:2', 'alrt_7f3a9c:2']);
    const r = s.received[0];
    expect(verifyVigilSignature('whsec_test_0123456789abcdef', String(r?.headers['x-vigil-timestamp']), r?.body ?? '', String(r?.headers['x-vigil-signature']), { now: NOW })).toEqual({ ok: true });
  });
});

describe('splunk-hec sender against a stub answering real HEC replies', () => {
  const hec = (status: number, reply: string, headers: Record<string, string> = {}) =>
    stub((_r, res) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(reply));

  test('HTTP 200 {"text":"Success","code":0}: delivered, with the envelope and the token', async () => {
    const s = await hec(200, '{"text":"Success","code":0}');
    const sender = createSender(destination({ type: 'splunk-hec', url: `${s.url}/services/collector/event`, token: 'hec-token-1', secret: undefined, allowPrivateNetwork: true }), DEPS);
    expect(await sender.send(sampleAlert(), CTX)).toEqual({ kind: 'delivered', status: 200 });
    const r = s.received[0];
    expect([r?.url, r?.headers.authorization, r?.headers['content-type']]).toEqual(['/services/collector/event', 'Splunk hec-token-1', 'application/json']);
    expect(r?.headers['x-splunk-request-channel']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(r?.body ?? '')).toEqual({ time: 1772443181.507, host: 'vigil-1.example.org', source: 'vigil', sourcetype: 'vigil:alert', event: { ...sampleAlert(), idempotencyKey: 'alrt_7f3a9c:1' } });
  });

  test.each([
    [503, '{"text":"Server is busy","code":9}', { 'retry-after': '5' }, { kind: 'retry', status: 503, error: 'HTTP 503: Server is busy (HEC code 9)', retryAfterMs: 5000 }],
    [500, '{"text":"Internal server error","code":8}', {}, { kind: 'retry', status: 500, error: 'HTTP 500: Internal server error (HEC code 8)' }],
    [429, '<html>slow down</html>', {}, { kind: 'retry', status: 429, error: 'HTTP 429: <html>slow down</html>' }],
    [403, '{"text":"Invalid token","code":4}', {}, { kind: 'failed', status: 403, error: 'HTTP 403: Invalid token (HEC code 4)' }],
    [400, '{"text":"Invalid data format","code":6,"invalid-event-number":0}', {}, { kind: 'failed', status: 400, error: 'HTTP 400: Invalid data format (HEC code 6)' }],
    [401, '{"text":"Token is required","code":2}', {}, { kind: 'failed', status: 401, error: 'HTTP 401: Token is required (HEC code 2)' }],
    [200, '{"text":"Incorrect index","code":7}', {}, { kind: 'failed', status: 200, error: 'HTTP 200: Incorrect index (HEC code 7)' }],
  ])('HTTP %i %s is %j', async (status, reply, headers, outcome) => {
    const s = await hec(status, reply, headers);
    const sender = createSender(destination({ type: 'splunk-hec', url: s.url, token: 't', allowPrivateNetwork: true }), DEPS);
    expect(await sender.send(sampleAlert(), CTX)).toEqual(outcome);
  });

  test('a collector on a private address is refused without allowPrivateNetwork; no token fails', async () => {
    const s = await hec(200, '{"text":"Success","code":0}');
    expect(await createSender(destination({ type: 'splunk-hec', url: s.url, token: 't' }), DEPS).send(sampleAlert(), CTX)).toEqual({
      kind: 'failed',
      error: 'destination 127.0.0.1 is a loopback address; set allowPrivateNetwork on the destination to allow it',
    });
    expect(await createSender(destination({ type: 'splunk-hec', url: s.url, allowPrivateNetwork: true }), DEPS).send(sampleAlert(), CTX)).toEqual({
      kind: 'failed',
      error: 'destination soc has no HEC token',
    });
    expect(s.received).toHaveLength(0);
  });
});

describe('createSender', () => {
  test('a URL scheme that does not fit the destination type fails at once', async () => {
    expect(await createSender(destination({ url: 'tcp://203.0.113.9:514' }), DEPS).send(sampleAlert(), CTX)).toEqual({
      kind: 'failed',
      error: 'destination URL scheme tcp: is not allowed here (use http: or https:)',
    });
    expect(await createSender(destination({ type: 'cef-syslog', url: 'https://203.0.113.9/' }), DEPS).send(sampleAlert(), CTX)).toEqual({
      kind: 'failed',
      error: 'destination URL scheme https: is not allowed here (use tcp: or tls:)',
    });
  });
});
